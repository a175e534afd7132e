// Counts what the WebGPU device is asked to do — compute dispatches, queue submits, buffer bytes — by wrapping it.
import * as tf from '@tensorflow/tfjs-core';

/** Work handed to the GPU since the last reset: figures that do not depend on the hardware. */
export interface GpuCounts {
  dispatches: number;
  submits: number;
  /** Bytes of buffers created (new GPU allocations; tfjs reuses freed buffers of the same size). */
  bufferBytes: number;
  /** Bytes written from the CPU with queue.writeBuffer (uniforms, small uploads). */
  writeBytes: number;
}

export interface GpuCounter {
  readonly counts: GpuCounts;
  reset(): void;
  /** Puts the device's own methods back. */
  stop(): void;
}

type Method<T, K extends keyof T> = T[K] extends (...a: infer A) => infer R
  ? (...a: A) => R
  : never;

/** Replaces obj[key] by a wrapper that calls `before` with the arguments; returns the undo. */
function spy<T extends object, K extends keyof T>(
  obj: T,
  key: K,
  before: (...args: Parameters<Method<T, K>>) => void,
  after?: (result: ReturnType<Method<T, K>>) => void,
): () => void {
  const original = obj[key] as Method<T, K>;
  const wrapped = (...args: Parameters<Method<T, K>>) => {
    before(...args);
    const r = original.apply(obj, args) as ReturnType<Method<T, K>>;
    after?.(r);
    return r;
  };
  Object.defineProperty(obj, key, { value: wrapped, configurable: true, writable: true });
  return () => void delete (obj as Record<K, unknown>)[key];
}

/**
 * Wraps one GPUDevice (its own methods, not the prototypes: nothing else on the page is touched).
 * Encoders and passes are wrapped as the device creates them, so every dispatch of tfjs's
 * programs and of our own kernels is seen.
 */
export function countGpu(device: GPUDevice): GpuCounter {
  const counts: GpuCounts = { dispatches: 0, submits: 0, bufferBytes: 0, writeBytes: 0 };
  const dispatch = () => void counts.dispatches++;
  const undo = [
    spy(device, 'createBuffer', (d) => void (counts.bufferBytes += d.size)),
    spy(device.queue, 'submit', () => void counts.submits++),
    spy(device.queue, 'writeBuffer', (_b, _o, data, _do, size) => {
      const bytes = 'byteLength' in data ? data.byteLength : 0;
      const per = 'BYTES_PER_ELEMENT' in data ? (data.BYTES_PER_ELEMENT as number) : 1;
      counts.writeBytes += size !== undefined ? size * per : bytes;
    }),
    spy(
      device,
      'createCommandEncoder',
      () => {},
      (encoder) => {
        spy(
          encoder,
          'beginComputePass',
          () => {},
          (pass) => {
            spy(pass, 'dispatchWorkgroups', dispatch);
            spy(pass, 'dispatchWorkgroupsIndirect', dispatch);
          },
        );
      },
    ),
  ];
  return {
    counts,
    reset() {
      Object.assign(counts, { dispatches: 0, submits: 0, bufferBytes: 0, writeBytes: 0 });
    },
    stop() {
      for (const u of undo) u();
    },
  };
}

/** The active tfjs backend's GPUDevice, or null when the backend is not webgpu. */
export function activeDevice(): GPUDevice | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device: GPUDevice }).device;
}
