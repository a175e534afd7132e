// Two tfjs-wasm kernels replaced where the stock ones waste time: Identity and tall 2-D Transpose.
import * as tf from '@tensorflow/tfjs-core';
import { options } from './ops';

/** The part of tfjs-wasm's backend these kernels use (its kernels use the same). */
interface WasmBackend {
  incRef(id: tf.DataId): void;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array;
}

let installed = false;

/**
 * Installs both kernels on the wasm backend (idempotent; nothing before it registered its kernels).
 * The benchmark's stock kernels run tfjs's own.
 */
export function installWasmKernels(): void {
  if (installed || !tf.getKernel(tf.Identity, 'wasm')) return;
  installed = true;
  replace(tf.Identity, (x, backend) => {
    if (x.dtype === 'string') return null;
    // tfjs clones every tensor a kernel saves for its gradient (one Identity per saved tensor),
    // and tfjs-wasm's Identity copies the data: about 90 copies of activations per toy training
    // step, 4% of its time (README). A tensor's memory is never written after its kernel made
    // it, so the clone shares it, counted, as tfjs-wasm's own Reshape and the cpu backend's
    // Identity do.
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
  replace(tf.Transpose, (x, backend, attrs) => {
    const [R, C] = x.shape;
    const perm = attrs.perm as number[];
    if (x.shape.length !== 2 || perm[0] !== 1 || R <= C || x.dtype === 'string') return null;
    return transposeTall(x, backend);
  });
}

/**
 * (R, C) → (C, R) for R > C, as the gradients' (B·T, C) activations: tfjs-wasm's Transpose takes
 * 4–8 ns per element there (its loop writes with a stride of R), this about 1 ns, writing each
 * output row in order within 64 × 64 tiles. Wide inputs stay with tfjs, which is fast on them.
 */
export function transposeTall(x: tf.TensorInfo, backend: WasmBackend): tf.TensorInfo {
  const [R, C] = x.shape;
  const out = backend.makeOutput([C, R], x.dtype);
  // After makeOutput: a growing heap detaches views taken before.
  const a = backend.typedArrayFromHeap(x);
  const o = backend.typedArrayFromHeap(out);
  const tile = 64;
  for (let i0 = 0; i0 < R; i0 += tile) {
    const i1 = Math.min(R, i0 + tile);
    for (let j0 = 0; j0 < C; j0 += tile) {
      const j1 = Math.min(C, j0 + tile);
      for (let j = j0; j < j1; j++) {
        const w = j * R;
        for (let i = i0; i < i1; i++) o[w + i] = a[i * C + j];
      }
    }
  }
  return out;
}

/** Registers `fast` for `name` on wasm, falling back to tfjs's kernel where it returns null. */
function replace(
  name: string,
  fast: (x: tf.TensorInfo, backend: WasmBackend, attrs: tf.NamedAttrMap) => tf.TensorInfo | null,
): void {
  const stock = tf.getKernel(name, 'wasm')!;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    ...stock,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      const out =
        options.kernels === 'stock'
          ? null
          : fast(x, args.backend as unknown as WasmBackend, args.attrs ?? {});
      return out ?? stock.kernelFunc(args);
    },
  });
}
