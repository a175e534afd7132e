// Training speed of a preset, or of an experiment's own model, on the active backend, as a share of that backend's own matmul peak.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { defaultSpec, type ModelPresetName, type Spec } from '../spec';
import {
  configParamCount,
  modelConfig,
  options,
  type Kernels,
  type ModelConfig,
} from '../model/llama';
import { freshTrainer, type Batch } from '../train/step';
import { Rng } from '../util/rng';
import type { BackendName } from './api';
import { initBackend, requestWasmThreads } from './probe';

export interface PeakResult {
  backend: BackendName;
  n: number;
  ms: number;
  gflops: number;
}

export interface TrainBench {
  backend: BackendName;
  preset: ModelPresetName;
  /** The model's kernels: `stock` is the tfjs-only baseline (see `options` in the model). */
  kernels: Kernels;
  params: number;
  batchSize: number;
  seqLen: number;
  steps: number;
  msPerStep: number;
  tokensPerSec: number;
  /** Model FLOPs per step: 6·N·tokens for the matmul weights plus 12·L·T·C·tokens for attention. */
  flopsPerStep: number;
  gflops: number;
  /** Model FLOP utilisation: achieved GFLOP/s over the matmul peak of the same backend and run. */
  mfu?: number;
  peakBytes: number;
  finalLoss: number;
}

/** Square float32 matmul throughput: the ceiling any model on this backend can reach. */
export async function matmulPeak(backend: BackendName, n = 1024, reps = 5): Promise<PeakResult> {
  await initBackend(backend);
  const rng = new Rng(1);
  const a = tf.tensor2d(
    Float32Array.from({ length: n * n }, () => rng.normal()),
    [n, n],
  );
  const run = async () => {
    const c = tf.matMul(a, a);
    await c.data();
    c.dispose();
  };
  await run(); // compile and warm up
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await run();
  const ms = (performance.now() - t0) / reps;
  a.dispose();
  return { backend, n, ms, gflops: (2 * n ** 3) / ms / 1e6 };
}

export function flopsPerToken(cfg: ModelConfig, seqLen: number): number {
  const { nLayer: L, nEmbd: C, ffnHidden: H, vocabSize: V } = cfg;
  const matmulParams = L * (4 * C * C + 3 * C * H) + C * V;
  return 6 * matmulParams + 12 * L * seqLen * C;
}

/** The model of a preset at the default spec's data settings (vocabulary, tied embeddings). */
export function presetConfig(preset: ModelPresetName): ModelConfig {
  const spec = defaultSpec();
  spec.model.preset = preset;
  return modelConfig(spec);
}

/** B full rows of seeded random tokens with a learnable target rule: what every speed measurement trains on. */
export function syntheticBatch(cfg: ModelConfig, B: number): Batch {
  const T = cfg.blockSize;
  const rng = new Rng(2);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocabSize - 1));
  return {
    B,
    T,
    ids,
    targets: ids.map((x) => (x * 7 + 3) % cfg.vocabSize),
    weights: new Float32Array(B * T).fill(1),
  };
}

/** What a training bench times: a preset at the default spec's data settings, or an experiment's own model. */
export type BenchModel =
  | { preset: ModelPresetName; spec?: undefined }
  | {
      /** The experiment's model and vocabulary (`backend: auto` races on it, runner/race.ts). */
      spec: Pick<Spec, 'model' | 'data'>;
      preset?: undefined;
    };

/** Trains a fresh model on one synthetic batch: untimed steps (shaders, caches), then `steps` timed. */
export async function benchTraining(
  o: BenchModel & {
    backend: BackendName;
    batchSize: number;
    steps: number;
    /** Untimed steps first (shaders compile, caches fill); 2 unless a slow backend cannot afford them. */
    warmup?: number;
    kernels?: Kernels;
    peakGflops?: number;
  },
): Promise<TrainBench> {
  await initBackend(o.backend);
  const cfg = o.spec ? modelConfig(o.spec) : presetConfig(o.preset);
  const T = cfg.blockSize;
  const B = o.batchSize;
  const batch = syntheticBatch(cfg, B);
  options.kernels = o.kernels ?? 'fast';
  const { trainer, release } = freshTrainer(cfg, 1);
  try {
    let peakBytes = 0;
    let loss = NaN;
    for (let i = 0; i < (o.warmup ?? 2); i++) loss = (await trainer.step(batch, 1e-3)).loss;
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) {
      loss = (await trainer.step(batch, 1e-3)).loss;
      peakBytes = Math.max(peakBytes, tf.memory().numBytes);
    }
    const msPerStep = (performance.now() - t0) / o.steps;
    const flopsPerStep = flopsPerToken(cfg, T) * B * T;
    const gflops = flopsPerStep / msPerStep / 1e6;
    return {
      backend: o.backend,
      preset: o.spec ? o.spec.model.preset : o.preset,
      kernels: o.kernels ?? 'fast',
      params: configParamCount(cfg),
      batchSize: B,
      seqLen: T,
      steps: o.steps,
      msPerStep,
      tokensPerSec: (B * T * 1000) / msPerStep,
      flopsPerStep,
      gflops,
      mfu: o.peakGflops ? gflops / o.peakGflops : undefined,
      peakBytes,
      finalLoss: loss,
    };
  } finally {
    options.kernels = 'fast';
    release();
  }
}

/**
 * Whether the wasm backend runs its threaded build here, and with how many threads. `request`
 * asks for that many threads; it only acts before the backend's first start in this worker.
 */
export async function wasmThreads(request?: number): Promise<{
  crossOriginIsolated: boolean;
  multithreadSupport: boolean;
  threads: number;
}> {
  if (request) requestWasmThreads(request);
  await initBackend('wasm');
  return {
    crossOriginIsolated: Boolean(
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    ),
    multithreadSupport: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    threads: getThreadsCount(),
  };
}
