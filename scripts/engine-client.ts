// Page-side client of the engine worker for the benchmark and browser tests (the app's own lives in src/runner).
import { proxy, wrap, type Remote } from 'comlink';
import type { Engine } from '../src/engine/engine';
import type { Hooks, Progress } from '../src/engine/api';

/** A fresh engine worker: each call starts a new one, so backends and caches never leak between uses. */
export function engineWorker(): { engine: Remote<Engine>; terminate: () => void } {
  const worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'engine',
  });
  return { engine: wrap<Engine>(worker), terminate: () => worker.terminate() };
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
