// What one training step asks of the WebGPU device — dispatches, submits, buffer bytes — for stock and fused kernels.
import type { ModelPresetName } from '../spec';
import { options, type Kernels } from '../model/llama';
import { freshTrainer } from '../train/step';
import { presetConfig, syntheticBatch } from './bench';
import { activeDevice, countGpu, type GpuCounts } from './gpu-count';
import { initBackend } from './probe';

export interface DispatchBench extends GpuCounts {
  preset: ModelPresetName;
  batchSize: number;
  kernels: Kernels;
  loss: number;
}

/**
 * Counts one training step on webgpu after a first one (which compiles the pipelines and fills
 * tfjs's buffer pool). The counts do not depend on the GPU, so a software adapter gives the same.
 */
export async function benchDispatches(o: {
  preset: ModelPresetName;
  batchSize: number;
  kernels: Kernels;
}): Promise<DispatchBench> {
  await initBackend('webgpu');
  const device = activeDevice()!;
  const cfg = presetConfig(o.preset);
  const batch = syntheticBatch(cfg, o.batchSize);
  options.kernels = o.kernels;
  const { trainer, release } = freshTrainer(cfg, 1);
  const counter = countGpu(device);
  try {
    await trainer.step(batch, 1e-3);
    counter.reset();
    const { loss } = await trainer.step(batch, 1e-3);
    return { ...o, ...counter.counts, loss };
  } finally {
    counter.stop();
    options.kernels = 'fast';
    release();
  }
}
