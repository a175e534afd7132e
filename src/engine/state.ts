// A model and its optimizer to and from checkpoints: safetensors buffers that cross to the page.
import { initWeights, Llama, paramNames, paramShapes, type ModelConfig } from '../model/llama';
import { AdamW } from '../train/adamw';
import {
  decodeOptimizer,
  decodeWeights,
  encodeOptimizer,
  encodeWeights,
  type NamedTensor,
} from '../train/checkpoint';
import { pretrainSeed, type Spec } from '../spec';
import type { BackendName, Checkpoint, LossPoint } from './api';

/** Arrays in the order of `names` (all of `paramShapes` by default), with their shapes. */
export function toNamed(
  cfg: ModelConfig,
  arrays: Float32Array[],
  names: readonly string[] = paramNames(cfg),
): Map<string, NamedTensor> {
  const shapes = new Map(paramShapes(cfg));
  return new Map(names.map((name, i) => [name, { shape: shapes.get(name)!, data: arrays[i] }]));
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

/**
 * A model to train and its AdamW over the `trained` weights (all by default), whose moments come
 * from `optimizerState` when resuming.
 */
export function restoreTraining(
  cfg: ModelConfig,
  weights: Checkpoint | null,
  spec: Spec,
  weightDecay: number,
  optimizerState?: ArrayBuffer,
  trained: readonly string[] = paramNames(cfg),
): { model: Llama; adamw: AdamW } {
  // The seed draws weights only where there are none to load: a pretraining's start.
  const model = loadModel(cfg, weights, pretrainSeed(spec));
  const o = spec.optimizer;
  const adamw = new AdamW(model.variables(trained), {
    beta1: o.beta1,
    beta2: o.beta2,
    eps: o.eps,
    gradClip: o.gradClip,
    weightDecay,
  });
  if (optimizerState) {
    const s = decodeOptimizer(optimizerState);
    adamw.load(
      s.step,
      trained.map((n) => s.m.get(n)!.data),
      trained.map((n) => s.v.get(n)!.data),
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
    const names = model.namesOf(adamw.vars);
    optimizer = encodeOptimizer(
      adamw.step,
      toNamed(model.cfg, m, names),
      toNamed(model.cfg, v, names),
    );
  }
  return { ...meta, weights, optimizer, lossCurve: [...meta.lossCurve] };
}
