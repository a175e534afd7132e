// A model and its optimizer to and from checkpoints: safetensors buffers that cross to the page.
import { initWeights, Llama, paramShapes, type ModelConfig } from '../model/llama';
import { AdamW } from '../train/adamw';
import {
  decodeOptimizer,
  decodeWeights,
  encodeOptimizer,
  encodeWeights,
  type NamedTensor,
} from '../train/checkpoint';
import type { Spec } from '../spec';
import type { BackendName, Checkpoint, LossPoint } from './api';

export function toNamed(cfg: ModelConfig, arrays: Float32Array[]): Map<string, NamedTensor> {
  return new Map(paramShapes(cfg).map(([name, shape], i) => [name, { shape, data: arrays[i] }]));
}

/** The weights of a checkpoint, or fresh ones drawn from the seed. */
export function loadModel(cfg: ModelConfig, weights: Checkpoint | null, seed: number): Llama {
  if (!weights) return new Llama(cfg, initWeights(cfg, seed));
  const saved = decodeWeights(weights.weights);
  if (JSON.stringify(saved.cfg) !== JSON.stringify(cfg)) {
    throw new Error(
      `the checkpoint's model (${JSON.stringify(saved.cfg)}) is not this spec's model (${JSON.stringify(cfg)})`,
    );
  }
  return new Llama(cfg, new Map([...saved.weights].map(([k, t]) => [k, t.data])));
}

/** A model to train and its AdamW, whose moments come from `optimizerState` when resuming. */
export function restoreTraining(
  cfg: ModelConfig,
  weights: Checkpoint | null,
  spec: Spec,
  weightDecay: number,
  optimizerState?: ArrayBuffer,
): { model: Llama; adamw: AdamW } {
  const model = loadModel(cfg, weights, spec.seed);
  const o = spec.optimizer;
  const adamw = new AdamW(model.variables(), {
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    gradClip: o.gradClip,
    weightDecay,
  });
  if (optimizerState) {
    const s = decodeOptimizer(optimizerState);
    const names = paramShapes(cfg).map(([n]) => n);
    adamw.load(
      s.step,
      names.map((n) => s.m.get(n)!.data),
      names.map((n) => s.v.get(n)!.data),
    );
  }
  return { model, adamw };
}

/** Weights (and AdamW state when given) of the model now, as a checkpoint. */
export async function snapshot(
  model: Llama,
  adamw: AdamW | null,
  meta: {
    stageId: string;
    backend: BackendName;
    step: number;
    totalSteps: number;
    lossCurve: LossPoint[];
  },
): Promise<Checkpoint> {
  const w = await model.readWeights();
  const weights = encodeWeights(model.cfg, toNamed(model.cfg, [...w.values()]));
  let optimizer: ArrayBuffer | undefined;
  if (adamw) {
    const { m, v } = await adamw.moments();
    optimizer = encodeOptimizer(adamw.step, toNamed(model.cfg, m), toNamed(model.cfg, v));
  }
  return { ...meta, weights, optimizer, lossCurve: [...meta.lossCurve] };
}
