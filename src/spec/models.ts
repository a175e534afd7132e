// Model size presets (LLaMA proportions, scaled down) and the arithmetic of parameters and memory.

export type ModelPresetName = 'toy' | 'small' | 'base' | '7b-proxy';

export interface ModelDims {
  nLayer: number;
  nEmbd: number;
  nHead: number;
  blockSize: number;
}

export interface ModelPreset extends ModelDims {
  /** One sentence: what this size is for. */
  about: string;
}

/**
 * LLaMA-7B is 32 layers of width 4096 (32 heads of 128), SwiGLU hidden 11008 ≈ 8/3·d.
 * `7b-proxy` keeps its head size (128), its SwiGLU ratio (8/3·768 = 2048 exactly) and its
 * depth:width ratio (32/4096 = 6/768) at ~45M parameters, which trains in a tab on a real GPU.
 */
export const MODEL_PRESETS: Record<ModelPresetName, ModelPreset> = {
  toy: {
    nLayer: 2,
    nEmbd: 64,
    nHead: 4,
    blockSize: 128,
    about: 'About 0.1M parameters: a whole sweep finishes on a 2-core CPU (wasm) in minutes.',
  },
  small: {
    nLayer: 4,
    nEmbd: 128,
    nHead: 4,
    blockSize: 128,
    about: 'About 1M parameters: minutes per run on a laptop CPU, seconds on a GPU.',
  },
  base: {
    nLayer: 8,
    nEmbd: 256,
    nHead: 8,
    blockSize: 256,
    about: 'About 6–7M parameters: a laptop GPU model; slow on CPU.',
  },
  '7b-proxy': {
    nLayer: 6,
    nEmbd: 768,
    nHead: 6,
    blockSize: 256,
    about:
      "LLaMA-7B's proportions (head size 128, SwiGLU 8/3·d, depth:width 1:128) at ~45M parameters: needs a real GPU.",
  },
};

/** SwiGLU hidden size: 8/3·d rounded up to a multiple of 16, as LLaMA rounds to a multiple of 256. */
export function ffnHidden(nEmbd: number): number {
  return Math.ceil((8 * nEmbd) / 3 / 16) * 16;
}

/** Parameter count of the decoder (embeddings, blocks, final norm, head if untied). */
export function paramCount(d: ModelDims, vocabSize: number, tiedEmbeddings: boolean): number {
  const c = d.nEmbd;
  const h = ffnHidden(c);
  const perBlock = 4 * c * c + 3 * c * h + 2 * c; // attention q,k,v,o; SwiGLU w1,w2,w3; two RMSNorm gains
  const embed = vocabSize * c;
  return embed + (tiedEmbeddings ? 0 : embed) + d.nLayer * perBlock + c;
}

/**
 * A conservative estimate of training memory in bytes (float32): weights, gradients and two
 * AdamW moments, plus activations kept for the backward pass (~16 tensors of (B, T, C) per
 * layer, the (B, H, T, T) attention maps, and the (B, T, V) logits).
 */
export function trainingBytes(
  d: ModelDims,
  vocabSize: number,
  tiedEmbeddings: boolean,
  batchSize: number,
  seqLen: number,
): number {
  const p = paramCount(d, vocabSize, tiedEmbeddings);
  const bt = batchSize * seqLen;
  const h = ffnHidden(d.nEmbd);
  const perLayer = bt * (12 * d.nEmbd + 3 * h) + 2 * batchSize * d.nHead * seqLen * seqLen;
  const activations = d.nLayer * perLayer + 3 * bt * vocabSize;
  return 4 * (4 * p + activations);
}
