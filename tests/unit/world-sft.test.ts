// SFT data: train entities only, nested sizes, the quality / diversity / dialogue knobs, few-shot examples.
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/util/rng';
import { buildWorld, fewShotExamples, judge, sftSet, type Conversation } from '../../src/world';
import { statesFacts } from '../../src/world/judge';
import { FLAWS, flawedResponse } from '../../src/world/flaws';
import { GENERATORS, dialogueItem } from '../../src/world/tasks';
import { SINGLE_TURN, trainPool } from '../../src/world/sft';
import { FRAMES } from '../../src/world/templates';
import { specWith } from './world-helpers';
import { stageIds } from '../../src/spec/sweep';

const text = (set: Conversation[]) => set.map((c) => c.turns.join('\n')).join('\n');

describe('sftSet', () => {
  it('never mentions a held-out person or procedure (several seeds, sizes and knobs)', () => {
    const cases = [
      { seed: 1, world: { people: 16, procedures: 2 }, finetune: { examples: 300 } },
      {
        seed: 2,
        finetune: { examples: 1000 },
        data: { quality: 'unfiltered', flawRate: 1, dialogues: 30 },
      },
      {
        seed: 3,
        world: { people: 2000, procedures: 200, heldOut: 0.5 },
        finetune: { examples: 2000 },
        data: { quality: 'unfiltered' },
      },
      {
        seed: 4,
        finetune: { examples: 500 },
        data: { tasks: 'howto', quality: 'unfiltered', flawRate: 0.8 },
      },
    ] as const;
    for (const c of cases) {
      const spec = specWith(c as Parameters<typeof specWith>[0]);
      const world = buildWorld(spec);
      const all = text([...sftSet(world, spec), ...fewShotExamples(world, spec)]);
      const held = world.people.filter((p) => p.heldOut);
      expect(held.length).toBeGreaterThan(0);
      for (const p of held) expect(all.includes(p.name)).toBe(false);
      for (const proc of world.procedures.filter((x) => x.heldOut))
        expect(all.includes(proc.task)).toBe(false);
      // ...while train entities do appear.
      const trainSeen =
        world.people.some((p) => !p.heldOut && all.includes(p.name)) ||
        world.procedures.some((p) => !p.heldOut && all.includes(p.task));
      expect(trainSeen).toBe(true);
    }
  });

  it('is nested: every example of size n is the same example in size 2n', () => {
    for (const data of [
      {},
      { quality: 'unfiltered' as const },
      { tasks: 'howto' as const, phrasings: 2 },
    ]) {
      const small = specWith({ finetune: { examples: 64 }, data });
      const big = specWith({ finetune: { examples: 128 }, data });
      const world = buildWorld(small);
      const a = sftSet(world, small);
      const b = sftSet(world, big);
      expect(a).toHaveLength(64);
      expect(b).toHaveLength(128);
      expect(b.slice(0, 64)).toEqual(a);
    }
  });

  it('is byte-identical for the same seed and different for another', () => {
    const spec = specWith({ data: { quality: 'unfiltered', dialogues: 5 } });
    const a = JSON.stringify(sftSet(buildWorld(spec), spec));
    expect(JSON.stringify(sftSet(buildWorld(spec), spec))).toBe(a);
    const other = specWith({ ...spec, seed: 99 });
    expect(JSON.stringify(sftSet(buildWorld(other), other))).not.toBe(a);
  });

  it('mixes every single-turn task type, or only how-to in the wikiHow condition', () => {
    const mixed = specWith({ finetune: { examples: 200 } });
    const world = buildWorld(mixed);
    expect(new Set(sftSet(world, mixed).map((c) => c.task))).toEqual(new Set(SINGLE_TURN));
    const howto = specWith({ finetune: { examples: 200 }, data: { tasks: 'howto' } });
    const set = sftSet(world, howto);
    expect(new Set(set.map((c) => c.task))).toEqual(new Set(['howto']));
    for (const c of set) expect(c.turns[1]).toMatch(/^1\. [A-Z].*\.\n2\. /);
    // The spec check refuses this combination; sftSet refuses it too if handed one unchecked.
    const none = { ...howto, world: { ...howto.world, procedures: 0 } };
    expect(() => sftSet(buildWorld(none), none)).toThrow(/procedure/);
  });

  it('uses only the first k phrasings', () => {
    const one = specWith({ finetune: { examples: 300 }, data: { phrasings: 1 } });
    const world = buildWorld(one);
    const facts = sftSet(world, one).filter((c) => c.task === 'fact');
    expect(facts.length).toBeGreaterThan(20);
    for (const c of facts) expect(c.turns[0]).toMatch(/^(When|Where|Which|What|In which)\b.*\?$/);
    const eight = specWith({ finetune: { examples: 300 }, data: { phrasings: 8 } });
    const starts = new Set(
      sftSet(world, eight)
        .filter((c) => c.task === 'fact')
        .map((c) => c.turns[0].split(' ')[0]),
    );
    expect(starts.size).toBeGreaterThanOrEqual(6);
    expect(FRAMES).toHaveLength(8);
  });

  it('flaws the requested share of responses, with every flaw type, and keeps the prompts', () => {
    const filtered = specWith({ finetune: { examples: 1000 } });
    const unfiltered = specWith({
      finetune: { examples: 1000 },
      data: { quality: 'unfiltered', flawRate: 0.5 },
    });
    const world = buildWorld(filtered);
    const good = sftSet(world, filtered);
    const bad = sftSet(world, unfiltered);
    expect(good.every((c) => c.flaw === undefined)).toBe(true);
    const flawed = bad.filter((c) => c.flaw !== undefined);
    expect(flawed.length / bad.length).toBeGreaterThan(0.45);
    expect(flawed.length / bad.length).toBeLessThan(0.55);
    expect(new Set(flawed.map((c) => c.flaw))).toEqual(new Set(FLAWS));
    bad.forEach((c, i) => {
      expect(c.turns[0]).toBe(good[i].turns[0]);
      if (c.flaw) expect(c.turns[1]).not.toBe(good[i].turns[1]);
      else expect(c.turns[1]).toBe(good[i].turns[1]);
    });
    // A higher rate only adds flaws.
    const more = sftSet(
      world,
      specWith({ finetune: { examples: 1000 }, data: { quality: 'unfiltered', flawRate: 0.8 } }),
    );
    bad.forEach((c, i) => c.flaw && expect(more[i]).toEqual(c));
  });

  it('writes good responses the judge scores 6 and flawed ones it scores lower', () => {
    const spec = specWith({});
    const world = buildWorld(spec);
    const pool = trainPool(world, 8);
    const rng = Rng.derive(5, 'test');
    for (let i = 0; i < 300; i++) {
      const task = SINGLE_TURN[i % SINGLE_TURN.length];
      const item = GENERATORS[task](rng, pool);
      const evalItem = { id: `t${i}`, task, turns: item.turns, truth: item.truth, chance: 0 };
      expect(judge(evalItem, item.truth.reference).score).toBe(6);
      const flaw = FLAWS[i % FLAWS.length];
      const v = judge(evalItem, flawedResponse(item, flaw, pool, rng));
      expect(
        v.score,
        `${flaw}: ${flawedResponse(item, flaw, pool, Rng.derive(5, 'x'))} → ${v.reason}`,
      ).toBeLessThan(6);
    }
  });

  it('adds multi-turn dialogue chains that refer back with a pronoun', () => {
    const spec = specWith({ finetune: { examples: 10 }, data: { dialogues: 30 } });
    const world = buildWorld(spec);
    const set = sftSet(world, spec);
    expect(set).toHaveLength(40);
    const chains = set.slice(10);
    for (const c of chains) {
      expect(c.task).toBe('dialogue');
      expect(c.turns).toHaveLength(6);
      expect(c.turns[2]).toMatch(/\b(she|he|her|his)\b/);
      expect(c.turns[5]).toMatch(/^(She|He) /);
    }
    expect(set.slice(0, 10)).toEqual(sftSet(world, specWith({ finetune: { examples: 10 } })));
  });

  it('with pronoun chain context keeps the concise earlier answers, as evaluation holds them, and names in the last', () => {
    const data = { dialogues: 20, style: 'explicit' } as const;
    const styled = specWith({ finetune: { examples: 4 }, data });
    const pronoun = specWith({
      finetune: { examples: 4 },
      data: { ...data, chainContext: 'pronoun' },
    });
    const concise = specWith({ finetune: { examples: 4 }, data: { dialogues: 20 } });
    const world = buildWorld(styled);
    const [a, b, c] = [styled, pronoun, concise].map((s) => sftSet(world, s).slice(4));
    for (let i = 0; i < b.length; i++) {
      // The same chain: the context as the concise style (and the evaluation) writes it …
      expect(b[i].turns.slice(0, 5)).toEqual(c[i].turns.slice(0, 5));
      expect(b[i].turns[3]).toMatch(/^(She|He) /);
      // … and the last answer as the explicit style writes it, naming the person.
      expect(b[i].turns[5]).toBe(a[i].turns[5]);
      expect(b[i].turns[5]).not.toMatch(/^(She|He) /);
      expect(b[i].turns[5].startsWith(b[i].turns[1].split(' ').slice(0, 2).join(' '))).toBe(true);
    }
    expect(stageIds(pronoun).finetune).not.toBe(stageIds(styled).finetune);
    // Beside the concise style the knob changes nothing, and neither does its default.
    expect(
      stageIds(specWith({ ...concise, data: { ...concise.data, chainContext: 'pronoun' } }))
        .finetune,
    ).toBe(stageIds(concise).finetune);
  });

  it('in the explicit style asks the same prompts and states each fact right after its name', () => {
    const data = { dialogues: 30, quality: 'unfiltered', flawRate: 0.3 } as const;
    const concise = specWith({ finetune: { examples: 300 }, data });
    const explicit = specWith({
      finetune: { examples: 300 },
      data: { ...data, style: 'explicit' },
    });
    const world = buildWorld(concise);
    const [a, b] = [sftSet(world, concise), sftSet(world, explicit)];
    expect(b).toHaveLength(a.length);
    const users = (c: Conversation) => c.turns.filter((_, k) => k % 2 === 0);
    const changed: Partial<Record<string, number>> = {};
    a.forEach((c, i) => {
      expect(users(b[i])).toEqual(users(c));
      expect([b[i].task, b[i].flaw]).toEqual([c.task, c.flaw]);
      if (b[i].turns.at(-1) !== c.turns.at(-1)) changed[c.task] = (changed[c.task] ?? 0) + 1;
    });
    // Facts, yes/no checks and profiles keep the concise form: it names the person already.
    expect(Object.keys(changed).sort()).toEqual(['compare', 'dialogue', 'howto']);
    expect(changed.dialogue).toBe(30);
    expect(changed.compare).toBeGreaterThan(30);
    expect(changed.howto).toBeGreaterThan(30);
    for (const c of b.filter((x) => x.task === 'compare' && !x.flaw)) {
      expect(c.turns[1]).toMatch(/^(?!Yes|No)\S.*, so they are (the same|different)\.$/);
    }
    for (const c of b.filter((x) => x.task === 'howto' && !x.flaw)) {
      expect(c.turns[1]).toMatch(/^1\. To [^,]+, first [a-z][^\n]*\n2\. (Then|Finally), [a-z]/);
    }
    for (const c of b.filter((x) => x.task === 'dialogue')) {
      const person = world.people.find((p) => c.turns[1].startsWith(`${p.name} `));
      expect(person).toBeDefined();
      expect(c.turns[3].startsWith(`${person!.name} `)).toBe(true);
      expect(c.turns[5].startsWith(`${person!.name} `)).toBe(true);
    }
  });

  it('in the named style also names the person in every sentence of a profile, and changes nothing else', () => {
    const data = { dialogues: 30, quality: 'unfiltered', flawRate: 0.3 } as const;
    const at = (style: 'explicit' | 'named') =>
      specWith({ finetune: { examples: 300 }, data: { ...data, style } });
    const world = buildWorld(at('explicit'));
    const [a, b] = [sftSet(world, at('explicit')), sftSet(world, at('named'))];
    expect(b).toHaveLength(a.length);
    let profiles = 0;
    b.forEach((c, i) => {
      if (c.task !== 'profile') return expect(c).toEqual(a[i]);
      if (c.flaw) return; // a flaw is written on the styled answer
      profiles++;
      expect(c.turns[0]).toBe(a[i].turns[0]);
      const person = world.people.find((p) => c.turns[1].startsWith(`${p.name} `))!;
      const sentences = c.turns[1].split('. ');
      expect(sentences).toHaveLength(3);
      for (const s of sentences) expect(s.startsWith(`${person.name} `), s).toBe(true);
      // The explicit style keeps the concise profile: "She studied …".
      expect(a[i].turns[1]).toMatch(/\. (She|He) studied /);
    });
    expect(profiles).toBeGreaterThan(20);
  });

  it('writes named profiles that the unchanged judge scores 6 with every fact stated', () => {
    const pool = trainPool(buildWorld(specWith({})), 8);
    const rng = Rng.derive(7, 'named');
    for (let i = 0; i < 60; i++) {
      const item = GENERATORS.profile(rng, pool);
      const evalItem = {
        id: `p${i}`,
        task: item.task,
        turns: item.turns,
        truth: item.truth,
        chance: 0,
      };
      const answer = item.named!.at(-1)!;
      expect(answer).not.toBe(item.truth.reference);
      expect(judge(evalItem, answer).score, answer).toBe(6);
      expect(statesFacts(evalItem, answer), answer).toBe(true);
    }
  });

  it('writes explicit answers that the unchanged judge scores 6 with every fact stated', () => {
    const world = buildWorld(specWith({}));
    const pool = trainPool(world, 8);
    const rng = Rng.derive(6, 'explicit');
    const tasks = ['compare', 'dialogue', 'howto'] as const;
    let same = 0;
    for (let i = 0; i < 240; i++) {
      const task = tasks[i % tasks.length];
      const item = task === 'dialogue' ? dialogueItem(rng, pool) : GENERATORS[task](rng, pool);
      const evalItem = { id: `t${i}`, task, turns: item.turns, truth: item.truth, chance: 0 };
      const answer = item.explicit!.at(-1)!;
      expect(answer).not.toBe(item.truth.reference);
      expect(judge(evalItem, answer).score, answer).toBe(6);
      expect(statesFacts(evalItem, answer), answer).toBe(true);
      if (item.truth.answer === 'yes') same++;
    }
    // Both conclusions of a comparison occur, so each wording is judged.
    expect(same).toBeGreaterThan(15);
  });
});

describe('fewShotExamples', () => {
  it('gives fewShot good, short examples about train entities', () => {
    const spec = specWith({ finetune: { fewShot: 3 } });
    const world = buildWorld(spec);
    const shots = fewShotExamples(world, spec);
    expect(shots.map((s) => s.task)).toEqual(['fact', 'verify', 'compare']);
    expect(shots.every((s) => s.turns.length === 2 && !s.flaw)).toBe(true);
    const howto = specWith({ finetune: { fewShot: 2 }, data: { tasks: 'howto' } });
    expect(fewShotExamples(world, howto).map((s) => s.task)).toEqual(['howto', 'howto']);
  });
});

describe('spec check', () => {
  it('refuses the how-to-only condition in a world without procedures to train on', () => {
    expect(() => specWith({ world: { procedures: 1 }, data: { tasks: 'howto' } })).toThrow(
      /data.tasks: how-to only needs at least 2 procedures/,
    );
    expect(() => specWith({ world: { procedures: 2 }, data: { tasks: 'howto' } })).not.toThrow();
  });
});
