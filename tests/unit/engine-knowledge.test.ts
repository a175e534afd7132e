// The knowledge probe: prompts cut just before each held-out fact, and a model that memorised a biography recalls all of it.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { buildWorld, pretrainCorpus, ATTRIBUTES } from '../../src/world';
import { knowledgeProbe, probePrompts, statesFact } from '../../src/engine/knowledge';
import { Tokenizer } from '../../src/data/tokenizer';
import { packBlocks } from '../../src/data/batches';
import { batchFromRows } from '../../src/engine/data';
import { freshTrainer } from '../../src/train/step';
import type { ModelConfig } from '../../src/model/llama';
import { ASK } from '../../src/world/templates';
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

  it('counts every fact of a memorised biography as recalled, and none for an untrained model', async () => {
    await tf.setBackend('wasm');
    const person = world.people.find((p) => p.heldOut)!;
    const bio = corpus.find((d) => d.includes(person.name) && d.includes(person.birthDate))!;
    const docs = [bio];
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
    expect(before).toMatchObject({ recalled: 0, total: 6, asked: { recalled: 0 } });
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
    const rows = packBlocks(
      Array.from({ length: 8 }, () => [bio, ...qa].map((d) => tok.encode(d))).flat(),
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
    expect(after.asked!.recalled).toBe(6);
    release();
  }, 60_000);
});
