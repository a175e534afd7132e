// Backend probe and start-up where tfjs runs (workers, Node): the report with tfjs's own wasm flags, and the active backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import type { BackendName, BackendReport } from './api';
import { installWasmKernels } from '../model/wasm-kernels';
import { describeBackends } from './capabilities';

async function flag(name: string): Promise<boolean> {
  try {
    return Boolean(await tf.env().getAsync(name));
  } catch {
    return false;
  }
}

/** Report what this context offers and pick the training backend (override wins when available). */
export function probeBackends(
  context: BackendReport['context'],
  override: BackendName | 'auto' = 'auto',
): Promise<BackendReport> {
  return describeBackends(context, override, {
    simd: () => flag('WASM_HAS_SIMD_SUPPORT'),
    threads: () => flag('WASM_HAS_MULTITHREAD_SUPPORT'),
  });
}

/** Make `name` the active tfjs backend; throws a clear error when it cannot start. */
export async function initBackend(name: BackendName): Promise<void> {
  if (!tf.findBackendFactory(name))
    throw new Error(`the ${name} backend is not registered in this context`);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`the ${name} backend failed to initialise`);
  await tf.ready();
  if (name === 'wasm') installWasmKernels();
}

/**
 * Asks the wasm backend for `n` threads; it only acts before the backend's first start in this
 * context, and only where the page is cross-origin isolated (else wasm runs one thread).
 */
export function requestWasmThreads(n: number): void {
  // tfjs-wasm caps its pool at hardwareConcurrency / 2 (it assumes two hyper-threads per core),
  // read once when the module starts: on a 2-core machine that is one thread. Reporting twice the
  // request before the start lifts the cap to the request.
  const nav = globalThis.navigator as Navigator | undefined;
  if (nav && nav.hardwareConcurrency < 2 * n)
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * n, configurable: true });
  setThreadsCount(n);
}
