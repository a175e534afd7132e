// Page-side clients of the engine and probe workers for the benchmark and browser tests (the app's own: src/runner/workers).
import { proxy, type Remote } from 'comlink';
import type { EngineApi, Hooks, ProbeApi, Progress } from '../src/engine/api';
import { startEngineWorker, startProbeWorker } from '../src/runner/workers/start';

/** A fresh engine worker: each call starts a new one, so backends and caches never leak between uses. */
export function engineWorker(): { engine: Remote<EngineApi>; terminate: () => void } {
  const w = startEngineWorker(`engine ${crypto.randomUUID()}`);
  return { engine: w.remote, terminate: w.terminate };
}

/** A fresh probe worker for the benchmarks (matmul peak, training and fine-tuning rows, dispatch counts). */
export function benchWorker(): { bench: Remote<ProbeApi>; terminate: () => void } {
  const w = startProbeWorker('bench');
  return { bench: w.remote, terminate: w.terminate };
}

/** Hooks that collect progress in the page (comlink proxies cross back from the worker). */
export function collectingHooks(progress: Progress[] = []): Hooks & { progress: Progress[] } {
  const hooks: Hooks = {
    onProgress: (p: Progress) => void progress.push(p),
    // Checkpoints are not kept here; the app's runner stores them.
    onCheckpoint: () => {},
  };
  return Object.assign(proxy(hooks), { progress });
}

/** Specs are parsed in the page, as the app does, before they cross to the worker. */
export { parseSpec } from '../src/spec';

/** The engine class itself, for tests that must reach the page's own WebGPU device. */
export { Engine } from '../src/engine/engine';
export * as tf from '@tensorflow/tfjs-core';
