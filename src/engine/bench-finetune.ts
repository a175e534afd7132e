// Fine-tuning's training speed on real SFT batches, packed or padded, beside the pretraining rows of the bench.
import * as tf from '@tensorflow/tfjs-core';
import { presetSpec, trainFlopsPerToken, type ModelPresetName, type Spec } from '../spec';
import { configParamCount, modelConfig } from '../model/llama';
import { layerDropout } from '../train/schedule';
import { freshTrainer } from '../train/step';
import type { BackendName } from './api';
import { buildData, finetuneRows, tokenizerOf } from './data';
import { initBackend } from './probe';
import { sftBatch, sftSchedule, type SftRows } from './sft-batches';

export interface FinetuneBench {
  backend: BackendName;
  preset: ModelPresetName;
  layout: 'packed' | 'padded';
  params: number;
  /** Examples per step (the recipe's batch), and the mean rows × width the model computed. */
  examples: number;
  rows: number;
  seqLen: number;
  steps: number;
  msPerStep: number;
  /** Tokens of the examples (prompts and answers, padding excluded) per second: what pretraining's rate counts. */
  tokensPerSec: number;
  /** Share of the computed positions that were padding. */
  padding: number;
  /** Share of the computed positions the loss counts (the assistant's tokens). */
  lossShare: number;
  gflops: number;
  peakBytes: number;
}

let cached: { preset: ModelPresetName; spec: Spec; sft: SftRows } | null = null;

/** plateau-toy's SFT set for a model preset, built once per worker (rounds reuse it). */
function sftSetOf(preset: ModelPresetName): { spec: Spec; sft: SftRows } {
  if (cached?.preset !== preset) {
    const spec = presetSpec('plateau-toy');
    spec.model.preset = preset;
    spec.sweep.axes = [];
    const cfg = modelConfig(spec);
    const sft = finetuneRows(spec, tokenizerOf(buildData(spec)), cfg.blockSize);
    cached = { preset, spec, sft };
  }
  return cached;
}

/**
 * Trains the first `steps` fine-tuning steps of `plateau-toy`'s SFT set (its world, tokenizer,
 * examples and batch size, on the given model preset, with its residual dropout) from fresh
 * weights, after two warm-up steps, and times them. FLOPs count the examples' tokens only, so
 * padding costs time but earns nothing.
 */
export async function benchFinetune(o: {
  backend: BackendName;
  preset: ModelPresetName;
  steps: number;
  layout: 'packed' | 'padded';
}): Promise<FinetuneBench> {
  await initBackend(o.backend);
  const { spec, sft } = sftSetOf(o.preset);
  const cfg = modelConfig(spec);
  const schedule = sftSchedule(spec, sft, cfg.blockSize);
  const batches = Array.from({ length: o.steps + 2 }, (_, s) =>
    sftBatch(sft, schedule.picksAt(s % schedule.totalSteps), cfg.blockSize, o.layout),
  );
  const rates = layerDropout(cfg.nLayer, spec.finetune.dropoutMax);
  const { trainer, release } = freshTrainer(cfg, 1);
  try {
    let peakBytes = 0;
    for (const b of batches.slice(0, 2)) await trainer.step(b, 1e-3, { rates, seed: 1 });
    const timed = batches.slice(2);
    const t0 = performance.now();
    for (const [i, b] of timed.entries()) {
      await trainer.step(b, 1e-3, { rates, seed: 2 + i });
      peakBytes = Math.max(peakBytes, tf.memory().numBytes);
    }
    const ms = performance.now() - t0;
    const sum = (f: (b: (typeof timed)[number]) => number) => timed.reduce((n, b) => n + f(b), 0);
    const computed = sum((b) => b.B * b.T);
    const real = sum((b) => b.real ?? b.B * b.T);
    const lossTokens = sum((b) => b.weights.reduce((n, w) => n + (w > 0 ? 1 : 0), 0));
    const flops = sum((b) => trainFlopsPerToken(cfg, cfg.vocabSize, b.T) * (b.real ?? 0));
    return {
      backend: o.backend,
      preset: o.preset,
      layout: o.layout,
      params: configParamCount(cfg),
      examples: spec.finetune.batchSize,
      rows: sum((b) => b.B) / timed.length,
      seqLen: sum((b) => b.T) / timed.length,
      steps: o.steps,
      msPerStep: ms / o.steps,
      tokensPerSec: (1000 * real) / ms,
      padding: 1 - real / computed,
      lossShare: lossTokens / computed,
      gflops: flops / ms / 1e6,
      peakBytes,
    };
  } finally {
    release();
  }
}
