// The stories knob: made-up people whose names come back, their share, and the corpora left as they were.
import { describe, expect, it } from 'vitest';
import { buildWorld, pretrainCorpus } from '../../src/world';
import { storyDocuments } from '../../src/world/stories';
import { contentHash } from '../../src/util/hash';
import { Rng } from '../../src/util/rng';
import { presetSpec, stageIds } from '../../src/spec';
import { specWith } from './world-helpers';

describe('stories in pretraining', () => {
  const base = specWith({
    world: { people: 80, procedures: 8 },
    data: { augmentation: 3, qa: 1, qaFormat: 'sentence', filler: 0 },
  });
  const spec = specWith({ ...base, data: { ...base.data, stories: 0.15 } });
  const world = buildWorld(spec);
  const corpus = pretrainCorpus(world, spec);
  const without = pretrainCorpus(world, base);
  const stories = corpus.filter((d) => !without.includes(d));
  const names = new Set(world.people.map((p) => p.name));
  const firsts = new Set(world.people.map((p) => p.first));
  const lasts = new Set(world.people.map((p) => p.last));
  /** Every two capitalised words in a row of a text, as [first, second], overlapping. */
  const pairsIn = (d: string) =>
    [...d.matchAll(/\b([A-Z][a-z]+) (?=([A-Z][a-z]+)\b)/g)].map((m) => [m[1], m[2]] as const);
  /** "First Last" pairs of the world's first names and surnames in a text. */
  const namesIn = (d: string) =>
    pairsIn(d)
      .filter(([f, l]) => firsts.has(f) && lasts.has(l))
      .map(([f, l]) => `${f} ${l}`);

  const shareOf = (part: string[], whole: string[]) => part.join('').length / whole.join('').length;

  it('adds stories at the asked share of the corpus and keeps every other document', () => {
    expect(corpus.filter((d) => without.includes(d))).toHaveLength(without.length);
    expect(shareOf(stories, corpus)).toBeGreaterThan(0.14);
    expect(shareOf(stories, corpus)).toBeLessThan(0.16);
    // Beside filler, each keeps its own share of the whole corpus.
    const both = specWith({ ...spec, data: { ...spec.data, filler: 0.1 } });
    const c = pretrainCorpus(world, both);
    const told = c.filter((d) => !without.includes(d) && namesIn(d).length > 0);
    const filler = c.filter((d) => !without.includes(d) && namesIn(d).length === 0);
    expect(shareOf(told, c)).toBeGreaterThan(0.14);
    expect(shareOf(told, c)).toBeLessThan(0.16);
    expect(shareOf(filler, c)).toBeGreaterThan(0.09);
    expect(shareOf(filler, c)).toBeLessThan(0.11);
  });

  it('names only made-up people, each twice or more, from the world first names and surnames', () => {
    expect(stories.length).toBeGreaterThan(50);
    let pairs = 0;
    for (const d of stories) {
      const found = namesIn(d);
      expect(found.length).toBeGreaterThanOrEqual(2);
      const counts = new Map<string, number>();
      for (const n of found) counts.set(n, (counts.get(n) ?? 0) + 1);
      for (const [n, c] of counts) {
        expect(names.has(n)).toBe(false);
        expect(c).toBeGreaterThanOrEqual(2);
      }
      // Two people in one story never share a first name: the first name must not give the copy away.
      const people = [...counts.keys()];
      expect(new Set(people.map((n) => n.split(' ')[0])).size).toBe(people.length);
      if (people.length === 2) pairs++;
    }
    expect(pairs).toBeGreaterThan(stories.length / 4);
    expect(pairs).toBeLessThan((stories.length * 3) / 4);
  });

  it("states no fact of the world's kinds and has no questions or chat turns", () => {
    const values = [
      ...world.cities,
      ...world.universities,
      ...world.employers.map((e) => e.name),
      ...world.majors,
      ...world.people.map((p) => p.birthDate),
    ];
    for (const d of stories) {
      for (const v of values) expect(d).not.toContain(v);
      expect(d).not.toMatch(/\?|Q:|A:|User:|Assistant:|<\|/);
    }
  });

  it('is seeded, has a stage id of its own, and 0 leaves the corpora and ids of the shipped bases as they were', () => {
    expect(pretrainCorpus(world, spec)).toEqual(corpus);
    expect(stageIds(spec).data).not.toBe(stageIds(base).data);
    // Recorded before the knob existed.
    expect(contentHash(pretrainCorpus(world, base))).toBe(contentHash(without));
    for (const [id, hash] of [
      ['knowledge-toy', '9fce1975c162bab7'],
      ['plateau-toy', '7fc215ab892ccff3'],
    ] as const) {
      const s = presetSpec(id);
      expect(s.data.stories).toBe(0);
      expect(contentHash(pretrainCorpus(buildWorld(s), s))).toBe(hash);
    }
  });

  it('with made-up names shares no word with the world, and still names each person twice or more', () => {
    const madeUp = specWith({ ...spec, data: { ...spec.data, storyNames: 'made-up' } });
    const c = pretrainCorpus(world, madeUp);
    const own = c.filter((d) => !without.includes(d));
    expect(shareOf(own, c)).toBeGreaterThan(0.14);
    expect(shareOf(own, c)).toBeLessThan(0.16);
    const worldWords = new Set(JSON.stringify(world).match(/[A-Za-z]+/g));
    const firstNames = new Set<string>();
    for (const d of own) {
      const names = pairsIn(d)
        .filter(([f]) => !['Later', 'The', 'That', 'After', 'Then'].includes(f))
        .map(([f, l]) => `${f} ${l}`);
      expect(names.length, d).toBeGreaterThanOrEqual(2);
      for (const n of names) {
        for (const w of n.split(' ')) expect(worldWords.has(w), w).toBe(false);
        expect(names.filter((x) => x === n).length, d).toBeGreaterThanOrEqual(2);
        firstNames.add(n.split(' ')[0]);
      }
    }
    expect(firstNames.size).toBe(20);
    expect(stageIds(madeUp).data).not.toBe(stageIds(spec).data);
    // Without stories the knob changes nothing.
    const noStories = specWith({ ...base, data: { ...base.data, storyNames: 'made-up' } });
    expect(stageIds(noStories).data).toBe(stageIds(base).data);
    expect(pretrainCorpus(world, noStories)).toEqual(without);
  });

  it('gives a world whose people share one first name no stories', () => {
    const one = { ...world, people: world.people.map((p) => ({ ...p, first: 'Ana' })) };
    expect(storyDocuments(one, 1000, Rng.derive(1, 'stories'))).toEqual([]);
  });
});
