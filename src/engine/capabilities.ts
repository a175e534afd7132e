// What a context (page, worker, Node) offers — WebGPU, wasm, cpu — and which backend trains; no tfjs here, so the page can ask too.
import type { BackendName, BackendReport, WebGpuReport } from './api';

type Context = BackendReport['context'];

/** How to ask whether WebAssembly SIMD and threads work here (tfjs's flags in a worker, feature tests in the page). */
export interface WasmFeatures {
  simd(): Promise<boolean>;
  threads(): Promise<boolean>;
}

/** Software adapters are correct but ~35× slower than wasm here: never prefer them for training. */
function isSoftware(
  info: { vendor: string; architecture: string; description: string },
  fallback: boolean,
) {
  const text = `${info.vendor} ${info.architecture} ${info.description}`.toLowerCase();
  return fallback || /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/.test(text);
}

export async function probeWebGpu(): Promise<{ report: WebGpuReport | null; error?: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu)
    return {
      report: null,
      error: 'navigator.gpu is missing (no WebGPU in this browser or context)',
    };
  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return { report: null, error: `requestAdapter failed: ${(e as Error).message}` };
  }
  if (!adapter) return { report: null, error: 'WebGPU is present but no adapter was found' };
  const info = adapter.info ?? { vendor: '', architecture: '', device: '', description: '' };
  const fallback = Boolean(
    (info as { isFallbackAdapter?: boolean }).isFallbackAdapter ??
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter,
  );
  const l = adapter.limits;
  return {
    report: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallback: isSoftware(info, fallback),
      shaderF16: adapter.features.has('shader-f16'),
      limits: {
        maxBufferSize: l.maxBufferSize,
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      },
    },
  };
}

/** Report what this context offers and pick the training backend (override wins when available). */
export async function describeBackends(
  context: Context,
  override: BackendName | 'auto',
  wasmFeatures: WasmFeatures,
): Promise<BackendReport> {
  const { report: webgpu, error } = await probeWebGpu();
  const wasmAvailable = typeof WebAssembly === 'object';
  const wasm = {
    available: wasmAvailable,
    simd: wasmAvailable && (await wasmFeatures.simd()),
    threads: wasmAvailable && (await wasmFeatures.threads()),
    crossOriginIsolated: Boolean(
      (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated,
    ),
  };
  const cpu = {
    available: true as const,
    hardwareConcurrency: globalThis.navigator?.hardwareConcurrency ?? 1,
  };
  const base = { context, webgpu, webgpuError: error, wasm, cpu };

  if (override !== 'auto') {
    const ok = override === 'cpu' || (override === 'wasm' ? wasm.available : webgpu !== null);
    if (ok)
      return { ...base, chosen: override, reason: `chosen by the spec (backend: ${override})` };
    return {
      ...base,
      chosen: wasm.available ? 'wasm' : 'cpu',
      reason: `${override} was asked for but is not available here (${error ?? 'no wasm'}); using ${wasm.available ? 'wasm' : 'cpu'}`,
    };
  }
  if (webgpu && !webgpu.isFallback) {
    return {
      ...base,
      chosen: 'webgpu',
      reason: `a hardware GPU adapter (${webgpu.vendor} ${webgpu.architecture})`,
    };
  }
  if (wasm.available) {
    const why = webgpu
      ? 'the only WebGPU adapter is a software one, slower than wasm'
      : 'no WebGPU adapter';
    return {
      ...base,
      chosen: 'wasm',
      reason: `${why}; wasm${wasm.simd ? ' with SIMD' : ''}${wasm.threads ? ' and threads' : ''}`,
    };
  }
  return { ...base, chosen: 'cpu', reason: 'neither WebGPU nor WebAssembly is available' };
}
