// The app's engine worker plus one test-only message that destroys its GPUDevice, as a driver reset would.
import * as tf from '@tensorflow/tfjs-core';
import '../../workers/engine.worker';
import { LOSE_DEVICE } from './lossy-device';

self.addEventListener('message', (e: MessageEvent) => {
  if ((e.data as { type?: string } | null)?.type !== LOSE_DEVICE) return;
  (tf.backend() as unknown as { device: GPUDevice }).device.destroy();
});
