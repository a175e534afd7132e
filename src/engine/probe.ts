// Backend probe and start-up where tfjs runs (workers, Node): the report with tfjs's own wasm flags, and the active backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';
import type { BackendName, BackendReport } from './api';
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
}
