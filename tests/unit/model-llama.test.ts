// The decoder's arithmetic: parameter count, loss at init, exact gradients, overfitting a tiny batch.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { defaultSpec, MODEL_PRESETS, paramCount, type ModelPresetName } from '../../src/spec';
import {
  causalMask,
  configParamCount,
  initWeights,
  Llama,
  lossOf,
  modelConfig,
  paramShapes,
  type ModelConfig,
} from '../../src/model/llama';
import { AdamW } from '../../src/train/adamw';
import { Trainer, type Batch } from '../../src/train/step';
import { Rng } from '../../src/util/rng';

const tiny: ModelConfig = {
  nLayer: 2,
  nEmbd: 16,
  nHead: 2,
  blockSize: 16,
  vocabSize: 32,
  ffnHidden: 48,
  tiedEmbeddings: true,
};

function randomBatch(cfg: ModelConfig, B: number, T: number, seed: number): Batch {
  const rng = new Rng(seed);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocabSize - 1));
  const targets = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocabSize - 1));
  return { B, T, ids, targets, weights: new Float32Array(B * T).fill(1) };
}

function lossValue(model: Llama, b: Batch): number {
  return tf.tidy(() => {
    const mask = causalMask(b.T);
    const l = lossOf(
      model,
      tf.tensor2d(b.ids, [b.B, b.T], 'int32'),
      tf.tensor1d(b.targets, 'int32'),
      tf.tensor1d(b.weights),
      mask,
    );
    return l.dataSync()[0];
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('model', () => {
  it('has exactly the parameters the spec arithmetic counts, for every preset and both heads', () => {
    for (const preset of Object.keys(MODEL_PRESETS) as ModelPresetName[]) {
      for (const tied of [true, false]) {
        const spec = defaultSpec();
        spec.model.preset = preset;
        spec.model.tiedEmbeddings = tied;
        const cfg = modelConfig(spec);
        const real = paramShapes(cfg).reduce((n, [, s]) => n + s.reduce((a, b) => a * b, 1), 0);
        expect(real).toBe(paramCount(cfg, cfg.vocabSize, tied));
        expect(configParamCount(cfg)).toBe(real);
      }
    }
    // The presets' stated sizes: toy ~0.1M, 7b-proxy ~45M (default vocabulary).
    const spec = defaultSpec();
    expect(configParamCount(modelConfig(spec))).toBeGreaterThan(80_000);
    expect(configParamCount(modelConfig(spec))).toBeLessThan(160_000);
    spec.model.preset = '7b-proxy';
    expect(configParamCount(modelConfig(spec)) / 1e6).toBeCloseTo(43, -1);
  });

  it('initialises identically from the same seed and differently from another', () => {
    const a = initWeights(tiny, 7).get('h0.wqkv')!;
    const b = initWeights(tiny, 7).get('h0.wqkv')!;
    const c = initWeights(tiny, 8).get('h0.wqkv')!;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('starts at a loss of ln(vocab) within 0.1', () => {
    for (const cfg of [
      tiny,
      { ...tiny, vocabSize: 512, nEmbd: 64, nHead: 4, tiedEmbeddings: false },
    ]) {
      const model = new Llama(cfg, initWeights(cfg, 1));
      const loss = lossValue(model, randomBatch(cfg, 4, 16, 2));
      expect(Math.abs(loss - Math.log(cfg.vocabSize))).toBeLessThan(0.1);
      model.dispose();
    }
  });

  it('is causal: changing a later token leaves earlier positions’ losses unchanged', () => {
    const model = new Llama(tiny, initWeights(tiny, 3));
    const b = randomBatch(tiny, 1, 8, 4);
    const only = (i: number) => ({
      ...b,
      weights: Float32Array.from(b.weights, (_, j) => (j === i ? 1 : 0)),
    });
    const before = lossValue(model, only(3));
    const changed = {
      ...only(3),
      ids: Int32Array.from(b.ids, (x, j) => (j === 6 ? (x + 1) % 32 : x)),
    };
    expect(lossValue(model, changed)).toBe(before);
    const changedEarly = {
      ...only(3),
      ids: Int32Array.from(b.ids, (x, j) => (j === 1 ? (x + 1) % 32 : x)),
    };
    expect(lossValue(model, changedEarly)).not.toBe(before);
    model.dispose();
  });

  it('has gradients that match central finite differences (float32: rel. error < 2e-2 or abs < 2e-4)', () => {
    const cfg = { ...tiny, tiedEmbeddings: false };
    const model = new Llama(cfg, initWeights(cfg, 5));
    // Larger weights than init so every path carries a gradient well above float32 noise.
    for (const v of model.variables()) v.assign(tf.tidy(() => tf.mul(v, v.rank > 1 ? 10 : 1)));
    const b = randomBatch(cfg, 2, 6, 6);
    b.weights[3] = 0; // a masked position must not contribute
    const { grads } = tf.variableGrads(() =>
      lossOf(
        model,
        tf.tensor2d(b.ids, [b.B, b.T], 'int32'),
        tf.tensor1d(b.targets, 'int32'),
        tf.tensor1d(b.weights),
        causalMask(b.T),
      ),
    );
    const rng = new Rng(9);
    const h = 1e-2;
    let checked = 0;
    for (const [name] of paramShapes(cfg)) {
      const v = model.params[name];
      const g = grads[v.name].dataSync();
      const w = v.dataSync().slice();
      for (let k = 0; k < 3; k++) {
        // Embedding rows of tokens in the batch are the ones with a gradient.
        const i = name === 'wte' ? b.ids[k] * cfg.nEmbd + k : rng.int(0, w.length - 1);
        const at = (delta: number) => {
          const w2 = w.slice();
          w2[i] += delta;
          v.assign(tf.tensor(w2, v.shape));
          return lossValue(model, b);
        };
        const numeric = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(w, v.shape));
        const err = Math.abs(numeric - g[i]);
        expect(
          err < 2e-4 || err / Math.max(Math.abs(numeric), Math.abs(g[i])) < 2e-2,
          `${name}[${i}]: ${g[i]} vs ${numeric}`,
        ).toBe(true);
        checked++;
      }
    }
    expect(checked).toBe(paramShapes(cfg).length * 3);
    tf.dispose(Object.values(grads));
    model.dispose();
  });

  it('overfits one tiny batch to near-zero loss', async () => {
    const model = new Llama(tiny, initWeights(tiny, 11));
    const opt = new AdamW(model.variables(), {
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: 0,
      gradClip: 1,
    });
    const trainer = new Trainer(model, opt);
    const b = randomBatch(tiny, 2, 8, 12);
    let loss = Infinity;
    for (let i = 0; i < 200; i++) loss = (await trainer.step(b, 1e-2)).loss;
    expect(loss).toBeLessThan(0.05);
    trainer.dispose();
    opt.dispose();
    model.dispose();
  });
});
