// Batched generation with a KV cache: greedy or sampled (temperature, top-p, repetition penalty), seeded.
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../util/rng';
import { head, hidden, type LayerCache, type Llama } from './llama';
import { takeRows } from './ops';
import { sampleToken, type TokenSampling } from './sample';

export interface SamplingOptions extends TokenSampling {
  maxNewTokens: number;
  /** Generation of a row ends at the first of these (not included in the output). */
  stopIds: number[];
  seed: number;
}

export interface Generation {
  /** New tokens, the stop token excluded. */
  ids: Int32Array;
  /** True when a stop id ended it; false when it ran out of tokens or context. */
  stopped: boolean;
}

/**
 * Continues every prompt; returns the new tokens of each and whether a stop id ended it. Each answer
 * gets what the context leaves after its own prompt, up to maxNewTokens. Prompts are
 * left-padded to one length and run together: the pads are masked out of attention and each
 * row's rotary positions start at its first real token, so a row's answer does not depend on
 * the other rows. Per step only the new token runs through the model (KV cache). A row that
 * stops leaves the batch: its cache rows are dropped, and so are the leading cache columns that
 * are padding for every row still running, so the late steps of a batch cost what its live rows
 * need. `compact: false` keeps finished rows (the tests compare both: same tokens).
 */
export async function generate(
  model: Llama,
  prompts: Int32Array[],
  o: SamplingOptions,
  { compact = true }: { compact?: boolean } = {},
): Promise<Generation[]> {
  if (prompts.length === 0) return [];
  const { blockSize, nLayer, nEmbd: C } = model.cfg;
  // Prompts are never cut: a cut prompt loses its question (and its scores mean nothing). The
  // evaluation checks first that every prompt and its answer fit (`promptBudgetProblem`).
  const rows = prompts;
  const L = Math.max(1, ...rows.map((r) => r.length));
  if (L >= blockSize)
    throw new Error(
      `generate: a ${L}-token prompt leaves no room for an answer in a ${blockSize}-token context`,
    );
  // Each row may grow to the context its own prompt leaves (positions are per row); pads don't count.
  const room = rows.map((r) => Math.min(o.maxNewTokens, blockSize - r.length));
  const steps = Math.max(...room);
  const rng = Rng.derive(o.seed, 'sample');
  const stop = new Set(o.stopIds);
  const out: number[][] = rows.map(() => []);
  const done = rows.map(() => false);
  /** Ended by a stop id (rather than by its token budget). */
  const finished = rows.map(() => true);
  const cache: (LayerCache | null)[] = Array(nLayer).fill(null);
  // The rows still in the batch (indices into `rows`, ascending) and each one's left padding.
  let live = rows.map((_, b) => b);
  let pads = rows.map((r) => L - r.length);

  // Prefill: every prompt token at once; then one token per step.
  let B = rows.length;
  let ids = new Int32Array(B * L);
  let positions = new Int32Array(B * L);
  let mask = new Float32Array(B * L * L);
  rows.forEach((r, b) => {
    ids.set(r, b * L + pads[b]);
    for (let j = 0; j < L; j++) {
      positions[b * L + j] = Math.max(0, j - pads[b]);
      for (let i = 0; i < L; i++) {
        if (i > j || i < pads[b]) mask[(b * L + j) * L + i] = -1e9;
      }
    }
  });
  let t = L;
  try {
    for (let step = 0; step < steps; step++) {
      const q = step === 0 ? L : 1; // query positions this pass
      const old = [...cache];
      const last = tf.tidy(() => {
        const x = hidden(model, tf.tensor2d(ids, [B, q], 'int32'), {
          mask: tf.tensor4d(mask, [B, 1, q, t]),
          cos: takeRows(model.consts.cos, positions),
          sin: takeRows(model.consts.sin, positions),
          cache,
        }); // (B·q, C)
        const lastRow = tf.reshape(tf.slice(tf.reshape(x, [B, q, C]), [0, q - 1, 0], [B, 1, C]), [
          B,
          C,
        ]);
        return head(model, lastRow as tf.Tensor2D); // (B, V)
      });
      for (const c of old) if (c) tf.dispose([c.k, c.v]);
      const logits = (await last.data()) as Float32Array;
      last.dispose();
      const V = logits.length / B;
      const next: number[] = [];
      // Rows draw from the one stream in their original order, whether or not finished rows left.
      live.forEach((r, b) => {
        if (done[r]) return;
        const id = sampleToken(logits.subarray(b * V, (b + 1) * V), out[r], o, rng);
        if (stop.has(id)) done[r] = true;
        else out[r].push(id);
        if (!stop.has(id) && out[r].length >= room[r]) {
          done[r] = true;
          finished[r] = false;
        }
        next[b] = id;
      });
      if (done.every(Boolean)) break;
      t += 1;
      const keep = compact ? live.flatMap((r, b) => (done[r] ? [] : [b])) : live.map((_, b) => b);
      if (keep.length < live.length) {
        live = keep.map((b) => live[b]);
        pads = keep.map((b) => pads[b]);
        // Columns every remaining row masks out: the padding they all share.
        const drop = Math.min(...pads);
        shrink(cache, keep, drop);
        pads = pads.map((p) => p - drop);
        t -= drop;
        B = keep.length;
      }
      // The next pass: one new query per row that sees its real tokens so far and itself.
      ids = Int32Array.from(keep, (b) => next[b] ?? 0);
      // A finished row kept by `compact: false` still runs: keep its position inside the table.
      positions = Int32Array.from(pads, (p) => Math.min(t - 1 - p, blockSize - 1));
      mask = new Float32Array(B * t);
      pads.forEach((p, b) => mask.fill(-1e9, b * t, b * t + p));
    }
  } finally {
    for (const c of cache) if (c) tf.dispose([c.k, c.v]);
  }
  return out.map((r, b) => ({ ids: Int32Array.from(r), stopped: done[b] && finished[b] }));
}

/** Keeps the cache rows `keep` (batch indices) and drops the first `drop` key positions. */
function shrink(cache: (LayerCache | null)[], keep: number[], drop: number): void {
  cache.forEach((c, l) => {
    if (!c) return;
    cache[l] = tf.tidy(() => {
      const rows = Int32Array.from(keep);
      const cut = (x: tf.Tensor4D) => {
        const kept = takeRows(x, rows);
        return (drop > 0 ? tf.slice(kept, [0, 0, drop, 0], [-1, -1, -1, -1]) : kept) as tf.Tensor4D;
      };
      return { k: cut(c.k), v: cut(c.v) };
    });
    tf.dispose([c.k, c.v]);
  });
}
