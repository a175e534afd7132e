// Held-out batches for the validation curves: fresh phrasings of the world's facts, and the dev prompts' reference answers.
import { packBlocks, packExamples, sftRows } from '../data/batches';
import { encodeChat } from '../data/chat';
import type { Spec } from '../spec';
import type { Batch, Trainer } from '../train/step';
import { validationCorpus } from '../world/corpus';
import { evalSet } from '../world/eval';
import type { DataArtifact } from './api';
import { batchFromRows, tokenizerOf, worldOf } from './data';

/** Rows per validation batch: enough tokens for a steady number, cheap next to training. */
const ROWS = 16;

/**
 * Pretraining: the validation corpus (the same facts in phrasings drawn afresh) packed like the
 * training stream. Null when it is shorter than one context.
 */
export function pretrainValidation(
  spec: Spec,
  data: DataArtifact,
  blockSize: number,
): Batch | null {
  const tok = tokenizerOf(data);
  const docs = validationCorpus(worldOf(spec), spec).map((d) => tok.encode(d));
  const rows = packBlocks(docs, blockSize, tok.special.bos);
  const n = Math.min(ROWS, rows.length / (blockSize + 1));
  if (n === 0) return null;
  return batchFromRows(
    rows,
    null,
    Array.from({ length: n }, (_, i) => i),
    blockSize,
    blockSize,
  );
}

/**
 * Fine-tuning: the dev prompts (held-out people, every task type) with their reference answers in
 * the house style, loss on the answers only — LIMA's 50-example dev set, as a loss. Null without
 * dev prompts (or when no answer fits the context). It measures the world's format and facts even when the training set is imported.
 */
export function finetuneValidation(
  spec: Spec,
  data: DataArtifact,
  blockSize: number,
): Batch | null {
  const dev = evalSet(worldOf(spec), spec).dev;
  if (dev.length === 0) return null;
  const tok = tokenizerOf(data);
  const maxLength = Math.min(spec.finetune.maxLength ?? blockSize, blockSize) + 1;
  const examples = dev
    .map((item) =>
      encodeChat(
        { turns: [...item.turns, item.truth.reference], task: item.task, source: 'world' },
        tok,
        maxLength,
        'assistant',
        spec.data.template,
      ),
    )
    // A prompt that fills the context leaves no answer token to score.
    .filter((e) => e.targetMask.subarray(1, blockSize + 1).some((m) => m > 0));
  if (examples.length === 0) return null;
  const rows = sftRows(examples, blockSize, tok.special.pad);
  const lengths = Int32Array.from(examples, (e) => Math.min(e.ids.length, blockSize + 1));
  // Packed like the training batches: the same loss as one padded row each, on fewer tokens.
  return packExamples(
    { ...rows, lengths },
    examples.map((_, i) => i),
    blockSize,
    blockSize,
    tok.special.pad,
  );
}

/** The loop's validation hook for a batch, or none. */
export function validationHook(
  trainer: Trainer,
  batch: Batch | null,
  points: number,
): { points: number; loss(): Promise<number> } | undefined {
  return batch ? { points, loss: () => trainer.evalLoss(batch) } : undefined;
}
