// Generation: the KV cache and left-padded batching give exactly what a plain full forward gives.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import {
  causalMask,
  head,
  hidden,
  initWeights,
  Llama,
  type ModelConfig,
} from '../../src/model/llama';
import { generate } from '../../src/model/generate';
import { sampleToken } from '../../src/model/sample';
import { Rng } from '../../src/util/rng';

const cfg: ModelConfig = {
  nLayer: 2,
  nEmbd: 32,
  nHead: 4,
  blockSize: 32,
  vocabSize: 40,
  ffnHidden: 96,
  tiedEmbeddings: false,
};

/** Greedy continuation by re-running the whole sequence each step (no cache, no batching). */
function greedyReference(model: Llama, prompt: number[], n: number): number[] {
  const seq = [...prompt];
  for (let s = 0; s < n; s++) {
    const T = seq.length;
    const next = tf.tidy(() => {
      const [cos, sin] = model.ropeTables(1, T);
      const x = hidden(model, tf.tensor2d(seq, [1, T], 'int32'), { mask: causalMask(T), cos, sin });
      return tf.argMax(tf.slice(head(model, x), [T - 1, 0], [1, -1]), 1).dataSync()[0];
    });
    seq.push(next);
  }
  return seq.slice(prompt.length);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('generate', () => {
  it.each(['cpu', 'wasm'])(
    'on %s: matches a cache-free greedy decode, row by row, in a left-padded batch',
    async (backend) => {
      await tf.setBackend(backend);
      await tf.ready();
      // Weights scaled up so logits are far from ties and the argmax is stable.
      const model = new Llama(cfg, initWeights(cfg, 21));
      for (const v of model.variables()) if (v.rank > 1) v.assign(tf.tidy(() => tf.mul(v, 8)));
      const prompts = [
        [1, 2, 3, 4, 5, 6, 7],
        [9, 8],
        [30, 31, 32, 33],
      ];
      const out = await generate(
        model,
        prompts.map((p) => Int32Array.from(p)),
        {
          temperature: 0,
          topP: 1,
          repetitionPenalty: 1,
          maxNewTokens: 8,
          stopIds: [],
          seed: 0,
        },
      );
      prompts.forEach((p, b) =>
        expect(Array.from(out[b].ids)).toEqual(greedyReference(model, p, 8)),
      );
      const before = tf.memory().numTensors;
      await generate(model, [Int32Array.from([1, 2])], {
        temperature: 0.7,
        topP: 0.9,
        repetitionPenalty: 1.2,
        maxNewTokens: 5,
        stopIds: [],
        seed: 1,
      });
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      await tf.setBackend('cpu');
    },
  );

  it('stops at a stop id, is seeded, and respects the context length', async () => {
    const model = new Llama(cfg, initWeights(cfg, 22));
    const opts = {
      temperature: 1,
      topP: 1,
      repetitionPenalty: 1,
      maxNewTokens: 100,
      stopIds: [],
      seed: 5,
    };
    const [a] = await generate(model, [Int32Array.from([1, 2, 3])], opts);
    const [b] = await generate(model, [Int32Array.from([1, 2, 3])], opts);
    const [c] = await generate(model, [Int32Array.from([1, 2, 3])], { ...opts, seed: 6 });
    expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
    expect(Array.from(a.ids)).not.toEqual(Array.from(c.ids));
    expect(a.ids.length).toBe(cfg.blockSize - 3); // the context is full
    expect(a.stopped).toBe(false);
    const stopAt = a.ids[4];
    const [s] = await generate(model, [Int32Array.from([1, 2, 3])], { ...opts, stopIds: [stopAt] });
    expect(Array.from(s.ids)).toEqual(Array.from(a.ids.slice(0, a.ids.indexOf(stopAt))));
    expect(s.stopped).toBe(true);
    model.dispose();
  });

  it.each(['cpu', 'wasm'])(
    'on %s: finished rows leave the batch without changing any row (same seeds, same tokens)',
    async (backend) => {
      await tf.setBackend(backend);
      await tf.ready();
      const model = new Llama(cfg, initWeights(cfg, 23));
      for (const v of model.variables()) if (v.rank > 1) v.assign(tf.tidy(() => tf.mul(v, 4)));
      // The first prompt is the longest: when it stops, the others' shared padding is cut too.
      const prompts = [[1, 2, 3, 4, 5, 6, 7, 8], [9, 8], [30, 31, 32, 33], [5], [11, 12, 13]].map(
        (p) => Int32Array.from(p),
      );
      const opts = {
        temperature: 0.7,
        topP: 0.9,
        repetitionPenalty: 1.2,
        maxNewTokens: 16,
        stopIds: [] as number[],
        seed: 3,
      };
      const free = await generate(model, prompts, opts, { compact: false });
      // A stop token that ends the longest prompt's row early while another row runs on.
      const stopAt = (id: number) => free.map((g) => g.ids.indexOf(id));
      const id = Array.from(free[0].ids.slice(0, 6)).find((x) => {
        const at = stopAt(x);
        return at.some((a, b) => b > 0 && (a < 0 || a > at[0]));
      });
      expect(id, 'no stop token splits the batch').toBeDefined();
      const withStop = { ...opts, stopIds: [id!] };
      const kept = await generate(model, prompts, withStop, { compact: false });
      const before = tf.memory().numTensors;
      const compacted = await generate(model, prompts, withStop);
      expect(tf.memory().numTensors).toBe(before);
      expect(kept[0].stopped).toBe(true);
      expect(kept.some((g) => g.ids.length > kept[0].ids.length)).toBe(true);
      compacted.forEach((g, b) => {
        expect(Array.from(g.ids), `row ${b}`).toEqual(Array.from(kept[b].ids));
        expect(g.stopped).toBe(kept[b].stopped);
      });
      model.dispose();
      await tf.setBackend('cpu');
    },
  );

  it('samples only from the nucleus and penalises repeats', () => {
    const logits = () => Float32Array.from([5, 4, 0, -10]);
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++)
      seen.add(sampleToken(logits(), [], { temperature: 1, topP: 0.9, repetitionPenalty: 1 }, rng));
    // p ≈ [0.72, 0.27, 0.005, ~0]: the 0.9 nucleus is tokens 0 and 1.
    expect([...seen].sort()).toEqual([0, 1]);
    expect(sampleToken(logits(), [], { temperature: 0, topP: 1, repetitionPenalty: 1 }, rng)).toBe(
      0,
    );
    // 5 / 1.3 < 4: a penalised token loses the argmax.
    expect(
      sampleToken(logits(), [0], { temperature: 0, topP: 1, repetitionPenalty: 1.3 }, rng),
    ).toBe(1);
  });
});
