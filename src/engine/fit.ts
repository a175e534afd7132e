// Refuses a model too large for the device before training starts, saying what would fit.
import { trainingBytes } from '../spec';
import type { ModelConfig } from '../model/llama';
import type { BackendName, BackendReport } from './api';

/** Memory a tab can give one backend: a GPU reports its limits; wasm is one 4 GiB address space. */
function budget(
  backend: BackendName,
  report: BackendReport,
): { bytes: number; largestBuffer: number } {
  if (backend === 'webgpu' && report.webgpu) {
    const l = report.webgpu.limits;
    return {
      bytes: Math.max(l.maxBufferSize * 8, 2 ** 30),
      largestBuffer: l.maxStorageBufferBindingSize,
    };
  }
  // wasm memory is 32-bit: 4 GiB in all, and tfjs keeps some; cpu is JS heap, similar in practice.
  return { bytes: 3 * 2 ** 30, largestBuffer: 2 ** 31 };
}

/** null when it fits, else a message that names the need, the limit and what to change. */
export function checkFits(
  cfg: ModelConfig,
  batchSize: number,
  seqLen: number,
  backend: BackendName,
  report: BackendReport,
): string | null {
  const need = trainingBytes(cfg, cfg.vocabSize, cfg.tiedEmbeddings, batchSize, seqLen);
  const { bytes, largestBuffer } = budget(backend, report);
  // The largest single tensors: the (B·T, V) logits and the (B, H, T, T) attention maps.
  const largest =
    4 * Math.max(batchSize * seqLen * cfg.vocabSize, batchSize * cfg.nHead * seqLen * seqLen);
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  if (need > bytes) {
    let fitBatch = batchSize;
    while (
      fitBatch > 1 &&
      trainingBytes(cfg, cfg.vocabSize, cfg.tiedEmbeddings, fitBatch, seqLen) > bytes
    )
      fitBatch = Math.floor(fitBatch / 2);
    return `the model needs about ${gib(need)} to train at batch ${batchSize}, more than the ${gib(bytes)} ${backend} can hold here; batch ${fitBatch} or a smaller preset would fit`;
  }
  if (largest > largestBuffer) {
    return `one tensor would take ${gib(largest)}, over this device's largest buffer (${gib(largestBuffer)}); use a smaller batch or context`;
  }
  return null;
}
