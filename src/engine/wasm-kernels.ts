// A tfjs-wasm kernel override that removes a copy the stock kernel makes; the stock one stays for comparison.
import * as tf from '@tensorflow/tfjs-core';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

const IDENTITY: tf.KernelConfig = {
  kernelName: 'Identity',
  backendName: 'wasm',
  // The cpu backend's Identity shares the input's memory the same way: tensors are immutable.
  kernelFunc: ({ inputs, backend }) => {
    const x = inputs.x as tf.TensorInfo;
    (backend as unknown as RefCounting).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  },
};

let stockIdentity: tf.KernelConfig | undefined;

/**
 * tfjs saves every input a gradient needs through Identity, and tfjs-wasm's Identity copies the
 * whole tensor, so each recorded op copied its inputs once more. Sharing instead makes training
 * faster on wasm (`npm run bench` measures it). `share = false` puts the stock kernel back.
 */
export function shareIdentityOnWasm(share = true): void {
  const current = tf.getKernel('Identity', 'wasm');
  if (!current) return; // the wasm backend is not loaded in this context
  if (!stockIdentity && current.kernelFunc !== IDENTITY.kernelFunc) stockIdentity = current;
  const want = share ? IDENTITY : stockIdentity;
  if (!want || current.kernelFunc === want.kernelFunc) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(want);
}
