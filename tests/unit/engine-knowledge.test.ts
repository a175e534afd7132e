// The knowledge probe: prompts cut just before each held-out fact, and a model that memorised a biography recalls all of it.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { buildWorld, pretrainCorpus, ATTRIBUTES } from '../../src/world';
import {
  knowledgeProbe,
  probePrompts,
  procedurePrompts,
  statesFact,
  statesSteps,
} from '../../src/engine/knowledge';
import { Tokenizer } from '../../src/data/tokenizer';
import { packBlocks } from '../../src/data/batches';
import { batchFromRows } from '../../src/engine/data';
import { freshTrainer } from '../../src/train/step';
import type { ModelConfig } from '../../src/model/llama';
import { ASK, HOWTO_ASK } from '../../src/world/templates';
import { specWith } from './world-helpers';

const spec = specWith({ world: { people: 40, procedures: 2 }, data: { augmentation: 1 } });
const world = buildWorld(spec);
const corpus = pretrainCorpus(world, spec);

describe('knowledge probe', () => {
  it('cuts each held-out biography just before each fact, and only held-out people', () => {
    const probes = probePrompts(world, corpus);
    const heldOut = world.people.filter((p) => p.heldOut);
    expect(probes).toHaveLength(Math.min(25, heldOut.length) * ATTRIBUTES.length);
    for (const p of probes) {
      const doc = corpus.find((d) => d.startsWith(`${p.prompt} ${p.fact}`));
      expect(doc, p.prompt).toBeDefined();
      expect(p.prompt.endsWith(' ')).toBe(false);
      expect(heldOut.some((x) => p.prompt.includes(x.name) && x[p.attribute] === p.fact)).toBe(
        true,
      );
    }
  });

  it('reads an asked answer as a plain value or a sentence, on its first line, about the asked person only', () => {
    const names = ['Brudran Garse', 'Kotre Kaham'];
    const asked = (answer: string, fact: string) =>
      statesFact(answer, fact, 'Brudran Garse', names);
    expect(asked(' Goneby.\nQ: Where', 'Goneby')).toBe(true);
    expect(asked(' Brudran Garse works in Goneby.', 'Goneby')).toBe(true);
    expect(asked(' She was born on 6 August 1971.', '6 August 1971')).toBe(true);
    // Whole words only: a longer date is another date.
    expect(asked(' 16 August 1971.', '6 August 1971')).toBe(false);
    expect(asked(' Gonebyton.', 'Goneby')).toBe(false);
    // Another person's value under their name is not the asked person's.
    expect(asked(' Kotre Kaham works in Goneby.', 'Goneby')).toBe(false);
    // Only the answer's first line: what follows is the base running on into another document.
    expect(asked(' Brehon Works.\nBrudran Garse works in Goneby.', 'Goneby')).toBe(false);
    expect(asked(' University of Gesa.', 'University of Gesa')).toBe(true);
  });

  it('cuts each held-out procedure before its first step, and reads steps only in order on the first line', () => {
    const named = specWith({ ...spec, data: { ...spec.data, stepNames: 'object' } });
    for (const s of [spec, named]) {
      const docs = pretrainCorpus(world, s);
      const probes = procedurePrompts(world, docs, s);
      const held = world.procedures.filter((p) => p.heldOut);
      expect(probes).toHaveLength(held.length);
      for (const [i, p] of probes.entries()) {
        expect(p.prompt).toContain(held[i]!.task);
        expect(p.question).toBe(`Q: ${HOWTO_ASK[0]!(held[i]!.task)}\nA:`);
        // The prompt is the document up to its first step; the steps are the document's own words.
        expect(p.doc.startsWith(`${p.prompt} ${p.steps[0]}`)).toBe(true);
        expect(statesSteps(p.doc.slice(p.prompt.length), p.steps)).toBe(true);
        if (s === named) expect(p.steps.join(' ')).not.toMatch(/\bit\b/);
      }
    }
    const steps = ['cut it into 3 parts', 'rinse it in warm water'];
    expect(statesSteps(' Cut it into 3 parts. Then, rinse it in warm water.', steps)).toBe(true);
    expect(statesSteps(' rinse it in warm water. Then, cut it into 3 parts.', steps)).toBe(false);
    expect(statesSteps(' cut it into 3 parts.\nrinse it in warm water.', steps)).toBe(false);
  });

  it('counts every fact of a memorised biography as recalled, and none for an untrained model', async () => {
    await tf.setBackend('wasm');
    const person = world.people.find((p) => p.heldOut)!;
    const bio = corpus.find((d) => d.includes(person.name) && d.includes(person.birthDate))!;
    // And one held-out procedure: its own text, and (below) its plain-text question answered by it.
    const proc = world.procedures.find((p) => p.heldOut)!;
    const procDoc = corpus.find((d) => d.includes(proc.task))!;
    const docs = [bio, procDoc];
    const tok = Tokenizer.train(corpus, 320);
    const cfg: ModelConfig = {
      nLayer: 1,
      nEmbd: 48,
      nHead: 2,
      blockSize: 192,
      vocabSize: tok.vocabSize,
      ffnHidden: 128,
      tiedEmbeddings: true,
    };
    const untrained = freshTrainer(cfg, 3);
    const before = await knowledgeProbe(untrained.trainer.model, tok, world, docs, spec);
    expect(before).toMatchObject({
      recalled: 0,
      total: 6,
      asked: { recalled: 0 },
      procedures: { recalled: 0, asked: 0, total: 1, chance: 1 / world.procedures.length },
    });
    // Asked: every fact of the probed held-out people; the zero-shot base: 60 test prompts, judged.
    const heldOut = world.people.filter((p) => p.heldOut).length;
    expect(before.asked!.total).toBe(Math.min(25, heldOut) * ATTRIBUTES.length);
    expect(before.zeroShot!.n).toBe(60);
    expect(before.zeroShot!.facts!.right).toBe(0);
    // Chance: the mean share of people holding each asked value (a birth date is nearly unique).
    const share = (a: (typeof ATTRIBUTES)[number], v: string) =>
      world.people.filter((p) => p[a] === v).length / world.people.length;
    const asked = world.people.filter((p) => p.heldOut).slice(0, 25);
    const expected =
      asked.flatMap((p) => ATTRIBUTES.map((a) => share(a, p[a]))).reduce((x, y) => x + y, 0) /
      (asked.length * ATTRIBUTES.length);
    expect(before.asked!.chance).toBeCloseTo(expected, 12);
    expect(before.asked!.chance).toBeGreaterThan(0.02);
    expect(before.asked!.chance).toBeLessThan(0.3);
    expect(before.chance).toBeCloseTo(
      ATTRIBUTES.map((a) => share(a, person[a])).reduce((x, y) => x + y, 0) / 6,
      12,
    );
    // A context too short for most prompts asks only those that fit, and no prompt is cut.
    const tiny = freshTrainer({ ...cfg, blockSize: 56 }, 3);
    const short = await knowledgeProbe(tiny.trainer.model, tok, world, docs, spec);
    expect(short.asked!.total).toBeGreaterThan(0);
    expect(short.asked!.total).toBeLessThan(before.asked!.total);
    expect(short.zeroShot?.n ?? 0).toBeLessThan(60);
    tiny.release();
    untrained.release();
    // One biography and its person's questions answered in sentences that restate the name (the
    // `sentence` Q&A format), packed as in pretraining and repeated until learned by heart.
    const qa = ATTRIBUTES.map(
      (a) => `Q: ${ASK[a].direct(person.name)}\nA: ${person.name}: ${person[a]}.`,
    );
    const how = `Q: ${HOWTO_ASK[0]!(proc.task)}\nA: ${procDoc}`;
    const rows = packBlocks(
      Array.from({ length: 8 }, () => [bio, ...qa, procDoc, how].map((d) => tok.encode(d))).flat(),
      cfg.blockSize,
      tok.special.bos,
    );
    const n = rows.length / (cfg.blockSize + 1);
    const { trainer, release } = freshTrainer(cfg, 3);
    for (let i = 0; i < 150; i++) {
      const picks = Array.from({ length: 4 }, (_, k) => (i * 4 + k) % n);
      await trainer.step(batchFromRows(rows, null, picks, cfg.blockSize, cfg.blockSize), 1e-2);
    }
    const after = await knowledgeProbe(trainer.model, tok, world, docs, spec);
    expect(after).toMatchObject({ recalled: 6, total: 6 });
    // Asked in a fresh context, the memorised person's six facts, read from sentence answers.
    // (Another held-out person's city or major may match what the model says of everyone: chance.)
    expect(after.asked!.recalled).toBeGreaterThanOrEqual(6);
    expect(after.asked!.recalled).toBeLessThan(12);
    // The memorised procedure, step for step, from its own text and when asked.
    expect(after.procedures).toMatchObject({ recalled: 1, asked: 1, total: 1 });
    release();
  }, 60_000);
});
