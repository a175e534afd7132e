// The world generator: byte-identical per seed, unique pronounceable names, a clean train/held-out split.
import { describe, expect, it } from 'vitest';
import { buildWorld, ATTRIBUTES } from '../../src/world';
import { poolOf } from '../../src/world/generate';
import { specWith } from './world-helpers';

describe('buildWorld', () => {
  it('is byte-identical for the same seed and different for another', () => {
    const a = JSON.stringify(buildWorld(specWith({ seed: 7 })));
    expect(JSON.stringify(buildWorld(specWith({ seed: 7 })))).toBe(a);
    expect(JSON.stringify(buildWorld(specWith({ seed: 8 })))).not.toBe(a);
    // The data and model sections do not change the world.
    expect(
      JSON.stringify(
        buildWorld(specWith({ seed: 7, data: { augmentation: 1 }, model: { preset: 'small' } })),
      ),
    ).toBe(a);
  });

  it('has the requested sizes and a held-out share of people and procedures', () => {
    const w = buildWorld(specWith({ world: { people: 400, procedures: 40, heldOut: 0.25 } }));
    expect(w.people).toHaveLength(400);
    expect(w.procedures).toHaveLength(40);
    expect(w.people.filter((p) => p.heldOut)).toHaveLength(100);
    expect(w.procedures.filter((p) => p.heldOut)).toHaveLength(10);
    // Held-out ids are spread over the list, not the first 100.
    expect(w.people.slice(0, 100).filter((p) => p.heldOut).length).toBeLessThan(60);
  });

  it('keeps at least one entity on each side of the split in tiny worlds', () => {
    const w = buildWorld(specWith({ world: { people: 16, procedures: 1, heldOut: 0.1 } }));
    expect(w.people.filter((p) => p.heldOut)).toHaveLength(2);
    expect(w.procedures.filter((p) => p.heldOut)).toHaveLength(1);
    const w2 = buildWorld(specWith({ world: { people: 16, procedures: 2, heldOut: 0.5 } }));
    expect(w2.procedures.filter((p) => p.heldOut)).toHaveLength(1);
  });

  it('gives every person a unique, pronounceable name and a complete set of facts', () => {
    const w = buildWorld(specWith({ world: { people: 3000 } }));
    const names = w.people.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const p of w.people) {
      expect(p.name).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
      // No three consonants in a row: built from consonant–vowel syllables.
      expect(p.name.toLowerCase()).not.toMatch(/[^aeiou ]{4}/);
      for (const a of ATTRIBUTES) expect(p[a].length).toBeGreaterThan(1);
      expect(w.employers.find((e) => e.name === p.employer)?.city).toBe(p.employerCity);
    }
  });

  it('shares each first name among about four people, or gives everyone their own', () => {
    const firsts = (firstNames: 'shared' | 'unique') =>
      buildWorld(specWith({ world: { people: 400, firstNames } })).people.map((p) => p.first);
    const shared = firsts('shared');
    expect(new Set(shared).size).toBeLessThanOrEqual(100);
    expect(new Set(shared).size).toBeGreaterThan(80);
    const unique = firsts('unique');
    expect(new Set(unique).size).toBe(400);
    // A first name is never also a surname, city or company word, so it names one person only.
    const w = buildWorld(specWith({ world: { people: 400, firstNames: 'unique' } }));
    const words = new Set([...w.people.map((p) => p.last), ...w.cities]);
    for (const f of unique) expect(words.has(f)).toBe(false);
  });

  it('never reuses a word stem across cities, universities, companies and last names', () => {
    const w = buildWorld(specWith({ world: { people: 2000 } }));
    const stems = [
      ...w.cities,
      ...poolOf(w, 'university').map((u) => u.replace(/University|of| /g, '')),
      ...poolOf(w, 'employer').map((e) => e.split(' ')[0]),
      ...w.people.map((p) => p.last),
    ];
    expect(new Set(stems).size).toBe(stems.length);
    const cities = new Set(w.cities);
    for (const e of poolOf(w, 'employer'))
      for (const c of cities) expect(e.includes(c)).toBe(false);
  });

  it('scales from tens to tens of thousands of people', () => {
    const t0 = performance.now();
    const w = buildWorld(specWith({ world: { people: 20000, procedures: 2000 } }));
    expect(w.people).toHaveLength(20000);
    expect(new Set(w.people.map((p) => p.name)).size).toBe(20000);
    expect(new Set(w.procedures.map((p) => p.task)).size).toBe(2000);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('writes procedures as 3–4 ordered, distinct steps', () => {
    const w = buildWorld(specWith({}));
    for (const proc of w.procedures) {
      expect(proc.task).toMatch(/^[a-z]+ a [a-z]+ [a-z]+$/);
      expect(proc.steps.length).toBeGreaterThanOrEqual(3);
      expect(proc.steps.length).toBeLessThanOrEqual(4);
      expect(new Set(proc.steps).size).toBe(proc.steps.length);
    }
    // The steps are the knowledge: no two procedures share the same list.
    expect(new Set(w.procedures.map((p) => p.steps.join('|'))).size).toBe(w.procedures.length);
  });
});
