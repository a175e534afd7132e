// The evaluation set: held-out entities only, every task type, nested and deterministic, independent of SFT knobs.
import { describe, expect, it } from 'vitest';
import { buildWorld, evalSet, judge, pretrainCorpus, sftSet, TASK_TYPES } from '../../src/world';
import { specWith } from './world-helpers';

describe('evalSet', () => {
  const spec = specWith({});
  const world = buildWorld(spec);
  const sets = evalSet(world, spec);

  it('has the requested sizes, covering every task type evenly in the test set', () => {
    expect(sets.test).toHaveLength(300);
    expect(sets.dev).toHaveLength(50);
    expect(sets.dialogue).toHaveLength(30);
    const counts = new Map<string, number>();
    for (const it of sets.test) counts.set(it.task, (counts.get(it.task) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...TASK_TYPES].sort());
    for (const c of counts.values()) expect(c).toBe(50);
    expect(sets.dialogue.every((d) => d.task === 'dialogue' && d.turns.length === 5)).toBe(true);
  });

  it('asks only about held-out entities', () => {
    const trainNames = world.people.filter((p) => !p.heldOut).map((p) => p.name);
    const heldNames = world.people.filter((p) => p.heldOut).map((p) => p.name);
    const trainTasks = world.procedures.filter((p) => !p.heldOut).map((p) => p.task);
    for (const it of [...sets.test, ...sets.dev, ...sets.dialogue]) {
      const text = it.turns.join('\n');
      for (const n of trainNames) expect(text.includes(n)).toBe(false);
      for (const t of trainTasks) expect(text.includes(t)).toBe(false);
      if (it.task !== 'howto') expect(heldNames.some((n) => text.includes(n))).toBe(true);
    }
  });

  it('uses no prompt twice and ids are unique', () => {
    const all = [...sets.test, ...sets.dev, ...sets.dialogue];
    expect(new Set(all.map((i) => i.turns.join('\n'))).size).toBe(all.length);
    expect(new Set(all.map((i) => i.id)).size).toBe(all.length);
  });

  it('gives references the judge scores 6', () => {
    for (const it of [...sets.test, ...sets.dev, ...sets.dialogue]) {
      expect(judge(it, it.truth.reference)).toMatchObject({ score: 6 });
    }
  });

  it('is deterministic, nested in size, and unchanged by the SFT knobs', () => {
    expect(JSON.stringify(evalSet(buildWorld(spec), spec))).toBe(JSON.stringify(sets));
    const small = evalSet(world, specWith({ eval: { prompts: 100 } }));
    expect(small.test).toEqual(sets.test.slice(0, 100));
    const knobs = specWith({
      data: { quality: 'unfiltered', tasks: 'howto', phrasings: 1, dialogues: 30 },
      finetune: { examples: 1024 },
    });
    expect(evalSet(world, knobs)).toEqual(sets);
    const other = specWith({ seed: 2 });
    expect(JSON.stringify(evalSet(buildWorld(other), other).test)).not.toBe(
      JSON.stringify(sets.test),
    );
  });

  it('uses phrasings an SFT set with one phrasing never saw', () => {
    const one = specWith({ finetune: { examples: 500 }, data: { phrasings: 1 } });
    const seen = new Set(sftSet(world, one).map((c) => c.turns[0].split(' ')[0]));
    const unseen = sets.test.filter(
      (i) => i.task === 'fact' && !seen.has(i.turns[0].split(' ')[0]),
    );
    expect(unseen.length).toBeGreaterThan(10);
  });

  it('leaves how-to out only when no procedure is held out', () => {
    const none = specWith({ world: { procedures: 0 } });
    const s = evalSet(buildWorld(none), none);
    expect(new Set(s.test.map((i) => i.task))).toEqual(
      new Set(TASK_TYPES.filter((t) => t !== 'howto')),
    );
  });
});

describe('judge on the world’s own texts', () => {
  const spec = specWith({});
  const world = buildWorld(spec);
  const corpus = pretrainCorpus(world, spec);
  const { test } = evalSet(world, spec);

  it('scores a base model reciting the pretraining biography as right but rambling (4)', () => {
    const facts = test.filter((i) => i.task === 'fact').slice(0, 20);
    for (const item of facts) {
      const bio = corpus.find(
        (d) => d.startsWith(item.truth.entities[0]) && d.includes(item.truth.facts[0].value),
      )!;
      expect(judge(item, bio)).toMatchObject({ score: 4 });
    }
  });

  it('scores the pretraining prose of a procedure as right steps in the wrong format (5)', () => {
    const howtos = test.filter((i) => i.task === 'howto').slice(0, 10);
    expect(howtos.length).toBe(10);
    for (const item of howtos) {
      const proc = world.procedures.find((p) => p.steps.join() === item.truth.steps!.join())!;
      const prose = corpus.find((d) => d.includes(proc.task))!;
      expect(judge(item, prose)).toMatchObject({
        score: 5,
        reason: expect.stringMatching(/not a numbered list/),
      });
    }
  });

  it('scores another held-out person’s reference answer as a wrong fact (2)', () => {
    const facts = test.filter((i) => i.task === 'fact');
    let checked = 0;
    for (let i = 0; i + 1 < facts.length; i++) {
      const [a, b] = [facts[i], facts[i + 1]];
      if (
        a.truth.facts[0].key !== b.truth.facts[0].key ||
        a.truth.facts[0].value === b.truth.facts[0].value
      )
        continue;
      const swapped = b.truth.reference.replace(b.truth.entities[0], a.truth.entities[0]);
      if (!a.truth.wrong.includes(b.truth.facts[0].value) && a.truth.facts[0].key !== 'birthDate')
        continue;
      expect(judge(a, swapped).score).toBe(2);
      checked++;
    }
    expect(checked).toBeGreaterThan(3);
  });
});
