// Training speed of each preset on the active backend, as a share of that backend's own matmul peak.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { defaultSpec, trainFlopsPerToken, type ModelPresetName } from '../spec';
import { configParamCount, modelConfig, options, type Kernels } from '../model/llama';
import { freshTrainer, type Batch } from '../train/step';
import { Rng } from '../util/rng';
import type { BackendName } from './api';
import { initBackend } from './probe';

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
  /** Model FLOPs per step, counted as the cost model counts them (spec/cost.ts). */
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

export async function benchTraining(o: {
  backend: BackendName;
  preset: ModelPresetName;
  batchSize: number;
  steps: number;
  kernels?: Kernels;
  peakGflops?: number;
}): Promise<TrainBench> {
  await initBackend(o.backend);
  const spec = defaultSpec();
  spec.model.preset = o.preset;
  const cfg = modelConfig(spec);
  const T = cfg.blockSize;
  const B = o.batchSize;
  const rng = new Rng(2);
  const ids = Int32Array.from({ length: B * T }, () => rng.int(0, cfg.vocabSize - 1));
  const batch: Batch = {
    B,
    T,
    ids,
    targets: ids.map((x) => (x * 7 + 3) % cfg.vocabSize),
    weights: new Float32Array(B * T).fill(1),
  };
  options.kernels = o.kernels ?? 'fast';
  const { trainer, release } = freshTrainer(cfg, 1);
  try {
    let peakBytes = 0;
    let loss = NaN;
    for (let i = 0; i < 2; i++) loss = (await trainer.step(batch, 1e-3)).loss; // shaders, caches
    const t0 = performance.now();
    for (let i = 0; i < o.steps; i++) {
      loss = (await trainer.step(batch, 1e-3)).loss;
      peakBytes = Math.max(peakBytes, tf.memory().numBytes);
    }
    const msPerStep = (performance.now() - t0) / o.steps;
    const flopsPerStep = trainFlopsPerToken(cfg, cfg.vocabSize, T) * B * T;
    const gflops = flopsPerStep / msPerStep / 1e6;
    return {
      backend: o.backend,
      preset: o.preset,
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
  if (request) {
    // tfjs-wasm caps its pool at hardwareConcurrency / 2 (it assumes two hyper-threads per
    // core), read once when the module starts: on a 2-core machine that is one thread.
    // Reporting twice the request before the start lifts the cap to the request.
    const nav = globalThis.navigator as Navigator | undefined;
    if (nav && nav.hardwareConcurrency < 2 * request) {
      Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * request, configurable: true });
    }
    setThreadsCount(request);
  }
  await initBackend('wasm');
  return {
    crossOriginIsolated: Boolean(
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    ),
    multithreadSupport: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
    threads: getThreadsCount(),
  };
}
