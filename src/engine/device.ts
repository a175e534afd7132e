// What runs a backend, in words, from the probe's report; free of tfjs, so the page can import it.
import type { BackendName, BackendReport } from './api';

/** What runs the backend, without its name (the views print "wasm (SIMD, threads)"); `workers` run at once. */
export function deviceOf(
  backend: BackendName,
  report: {
    webgpu: Pick<NonNullable<BackendReport['webgpu']>, 'description' | 'device' | 'vendor'> | null;
    wasm: Pick<BackendReport['wasm'], 'simd' | 'threads'>;
  },
  workers = 1,
): string {
  if (backend === 'wasm' && workers > 1)
    return `${report.wasm.simd ? 'SIMD' : 'no SIMD'}, ${workers} workers × 1 thread`;
  if (backend === 'webgpu' && report.webgpu)
    return report.webgpu.description || report.webgpu.device || report.webgpu.vendor || 'WebGPU';
  if (backend === 'wasm')
    return `${report.wasm.simd ? 'SIMD' : 'no SIMD'}, ${report.wasm.threads ? 'threads' : '1 thread'}`;
  return 'JavaScript';
}
