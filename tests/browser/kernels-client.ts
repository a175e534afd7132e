// Page side of the kernel test worker: one fresh worker per call, started on WebGPU.
import { wrap } from 'comlink';
import type { KernelApi } from './kernels.worker';

/** `arg`, when an object, is spread into the method's arguments in order. */
export async function callKernel(method: keyof KernelApi, arg?: unknown): Promise<unknown> {
  const worker = new Worker(new URL('./kernels.worker.ts', import.meta.url), { type: 'module' });
  try {
    const api = wrap<KernelApi>(worker);
    const backend = await api.start();
    if (backend !== 'webgpu') throw new Error(`the worker runs ${backend}, not webgpu`);
    const args = arg && typeof arg === 'object' ? Object.values(arg) : [arg];
    return await (api[method] as (...a: unknown[]) => Promise<unknown>)(...args);
  } finally {
    worker.terminate();
  }
}
