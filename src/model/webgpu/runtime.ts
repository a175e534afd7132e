// Runs our own WGSL kernels inside tfjs-backend-webgpu's command stream, with several outputs per dispatch.
import * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-webgpu's WebGPUBackend a kernel needs. Its `runWebGPUProgram` has one
 * output and generates the shader's bindings itself; our kernels write several outputs (a value and
 * what its gradient needs), so they record their dispatch into the backend's own encoder the same
 * way it records its programs (`recordAndSubmit`), which keeps ordering and buffer lifetimes right.
 */
interface Backend {
  device: GPUDevice;
  queue: GPUQueue;
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
  uniformPendingDisposal: GPUBuffer[];
  bufferManager: { acquireBuffer(size: number, usage: number): GPUBuffer };
  tensorMap: { get(dataId: object): { resource: GPUBuffer | null } };
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export type Scalar = ['u32' | 'f32', number];

export interface Kernel {
  /** Cache key of the compiled pipeline: the name plus whatever is baked into the source. */
  key: string;
  /** WGSL after the bindings; its entry point is `main`. */
  body: string;
  /** Output buffers (read_write, float32), then inputs (read-only; `i32` for token ids). */
  outputs: string[];
  inputs: [string, 'f32' | 'i32'][];
  /** Uniform fields, in order. */
  uniforms: string[];
}

/** The limits our kernels are sized by; tfjs asks the device for the adapter's own. */
export interface GpuLimits {
  /** Threads per workgroup: a power of two within the adapter's invocation and size-X limits. */
  workgroup: number;
  maxStorageBuffers: number;
  maxWorkgroupsPerDim: number;
}

export function limitsOf(device: GPUDevice): GpuLimits {
  const l = device.limits;
  let wg = 256;
  while (wg > 32 && (wg > l.maxComputeInvocationsPerWorkgroup || wg > l.maxComputeWorkgroupSizeX))
    wg /= 2;
  return {
    workgroup: wg,
    maxStorageBuffers: l.maxStorageBuffersPerShaderStage,
    maxWorkgroupsPerDim: l.maxComputeWorkgroupsPerDimension,
  };
}

/** How the kernels find their flat workgroup index when a grid is 2-D (more groups than one dimension holds). */
export const GROUP_INDEX = 'wid.x + wid.y * nwg.x';

function source(k: Kernel, wg: number): string {
  const decl = [
    ...k.outputs.map(
      (n, i) => `@group(0) @binding(${i}) var<storage, read_write> ${n} : array<f32>;`,
    ),
    ...k.inputs.map(
      ([n, t], i) =>
        `@group(0) @binding(${k.outputs.length + i}) var<storage, read> ${n} : array<${t}>;`,
    ),
    `struct Uniforms { ${k.uniforms.map((u) => `${u},`).join(' ')} };`,
    `@group(0) @binding(${k.outputs.length + k.inputs.length}) var<uniform> u : Uniforms;`,
    `const WG : u32 = ${wg}u;`,
  ];
  return `${decl.join('\n')}\n${k.body}`;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipeline(device: GPUDevice, k: Kernel, wg: number): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  let p = cache.get(k.key);
  if (!p) {
    const module = device.createShaderModule({ code: source(k, wg), label: k.key });
    p = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
      label: k.key,
    });
    cache.set(k.key, p);
  }
  return p;
}

/** A grid of `groups` workgroups that fits the per-dimension limit (kernels flatten it with GROUP_INDEX). */
export function grid(groups: number, lim: GpuLimits): [number, number] {
  const x = Math.min(Math.max(groups, 1), lim.maxWorkgroupsPerDim);
  return [x, Math.ceil(Math.max(groups, 1) / x)];
}

/**
 * Records one dispatch of `k` on the webgpu backend: allocates the outputs, binds outputs, inputs
 * and uniforms, and returns the outputs. `groups` is the number of workgroups.
 */
export function dispatch(
  backendAny: unknown,
  k: Kernel,
  inputs: tf.TensorInfo[],
  outShapes: number[][],
  uniforms: Scalar[],
  groups: number,
): tf.TensorInfo[] {
  const b = backendAny as Backend;
  if (inputs.length !== k.inputs.length || inputs.some((t) => !t))
    throw new Error(`kernel ${k.key} takes ${k.inputs.length} inputs, got ${inputs.length}`);
  const lim = limitsOf(b.device);
  if (k.outputs.length + k.inputs.length > lim.maxStorageBuffers)
    throw new Error(
      `kernel ${k.key} binds ${k.outputs.length + k.inputs.length} storage buffers; this adapter allows ${lim.maxStorageBuffers}`,
    );
  const outputs = outShapes.map((s) => b.makeTensorInfo(s, 'float32'));
  for (const t of [...inputs, ...outputs]) b.uploadToGPU(t.dataId);
  // Uniforms: 4-byte fields, the buffer rounded up to 16 bytes.
  const data = new ArrayBuffer(Math.max(16, Math.ceil((uniforms.length * 4) / 16) * 16));
  const view = new DataView(data);
  uniforms.forEach(([t, v], i) =>
    t === 'u32' ? view.setUint32(i * 4, v, true) : view.setFloat32(i * 4, v, true),
  );
  const ubo = b.bufferManager.acquireBuffer(
    data.byteLength,
    GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
  );
  b.queue.writeBuffer(ubo, 0, data);
  b.uniformPendingDisposal.push(ubo);

  const p = pipeline(b.device, k, lim.workgroup);
  const buffers = [...outputs, ...inputs].map((t) => b.tensorMap.get(t.dataId).resource!);
  const bindGroup = b.device.createBindGroup({
    layout: p.getBindGroupLayout(0),
    entries: [...buffers, ubo].map((buffer, i) => ({ binding: i, resource: { buffer } })),
  });
  for (const t of [...inputs, ...outputs]) b.commandQueueOwnedIds.add(t.dataId);
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder!.beginComputePass({});
  b.computePassEncoder.setPipeline(p);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  const [gx, gy] = grid(groups, lim);
  b.computePassEncoder.dispatchWorkgroups(gx, gy, 1);
  b.dispatchCountInPass++;
  if ((tf.env().get('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') as number) <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outputs;
}

/** Workgroup size of the active webgpu backend's device. */
export function workgroupOf(backendAny: unknown): number {
  return limitsOf((backendAny as Backend).device).workgroup;
}

/**
 * Registers a kernel for the webgpu backend under `name` (once), so it runs through
 * `tf.engine().runKernel` like tfjs's own kernels and shows up in its profiler.
 */
export function registerWebGpu(
  name: string,
  fn: (
    inputs: tf.TensorInfo[],
    backend: unknown,
    attrs: Record<string, unknown>,
  ) => tf.TensorInfo[],
  inputNames: string[],
): void {
  if (tf.getKernel(name, 'webgpu')) return;
  tf.registerKernel({
    kernelName: name,
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) =>
      fn(
        inputNames.map((n) => inputs[n] as tf.TensorInfo),
        backend,
        (attrs ?? {}) as Record<string, unknown>,
      ),
  });
}

/** Runs a registered kernel on named inputs; returns its outputs as tensors. */
export function run(
  name: string,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, number> = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? out : [out];
}

/**
 * The workgroup reduction every row kernel uses: sums `v` over the workgroup into part[0].
 * Called in uniform control flow (every thread of the group reaches it).
 */
export const REDUCE = `
var<workgroup> part : array<f32, WG>;
fn reduceSum(v : f32, lid : u32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] = part[lid] + part[lid + s]; }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
fn reduceMax(v : f32, lid : u32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { part[lid] = max(part[lid], part[lid + s]); }
    workgroupBarrier();
  }
  let r = part[0];
  workgroupBarrier();
  return r;
}
`;

/** The entry point's signature: workgroup id, local id and the grid's size. */
export const MAIN =
  '@compute @workgroup_size(WG) fn main(@builtin(workgroup_id) wid : vec3<u32>, @builtin(local_invocation_id) lid3 : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>)';

/** The limits of the active webgpu backend's device. */
export function activeLimits(): GpuLimits {
  return limitsOf((tf.backend() as unknown as Backend).device);
}
