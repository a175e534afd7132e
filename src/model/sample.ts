// The next token from one row of logits (temperature, top-p, repetition penalty), with its plain reference.
import type { Rng } from '../util/rng';

export interface TokenSampling {
  /** 0 = greedy (argmax). LIMA: 0.7. */
  temperature: number;
  /** Nucleus mass. LIMA: 0.9. */
  topP: number;
  /** Divides positive (multiplies negative) logits of tokens already generated. LIMA: 1.2. */
  repetitionPenalty: number;
}

function penalize(logits: Float32Array, generated: readonly number[], penalty: number): void {
  if (penalty === 1) return;
  for (const id of new Set(generated)) {
    const z = logits[id];
    logits[id] = z > 0 ? z / penalty : z * penalty;
  }
}

function argMax(logits: Float32Array): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
  return best;
}

/** Picks the next token from one row of logits (modified in place), given the tokens so far. */
export type Sampler = (
  logits: Float32Array,
  generated: readonly number[],
  o: TokenSampling,
  rng: Rng,
) => number;

/** The repetition penalty, then greedy at temperature 0, else `draw` from the penalised logits. */
function sampler(draw: (logits: Float32Array, o: TokenSampling, rng: Rng) => number): Sampler {
  return (logits, generated, o, rng) => {
    penalize(logits, generated, o.repetitionPenalty);
    return o.temperature <= 0 ? argMax(logits) : draw(logits, o, rng);
  };
}

/**
 * The plain reference: every token's weight, all of them sorted (most likely first, then by id),
 * the smallest prefix whose mass reaches topP, and one draw from it.
 */
export const sampleTokenReference = sampler((logits, o, rng) => {
  let max = -Infinity;
  for (const z of logits) max = Math.max(max, z);
  const probs = Array.from(logits, (z, i) => ({ i, p: Math.exp((z - max) / o.temperature) }));
  const total = probs.reduce((a, x) => a + x.p, 0);
  probs.sort((a, b) => b.p - a.p || a.i - b.i);
  // The smallest set of most likely tokens whose mass reaches topP.
  let kept = 0;
  let mass = 0;
  while (kept < probs.length && mass < o.topP * total) mass += probs[kept++].p;
  let u = rng.float() * mass;
  for (let k = 0; k < kept; k++) {
    u -= probs[k].p;
    if (u <= 0) return probs[k].i;
  }
  return probs[kept - 1].i;
});

/**
 * The same draw as `sampleTokenReference`, bit for bit, without sorting the whole vocabulary:
 * generation spent about a third of its time there (64 rows × 512 tokens sorted per step). The
 * nucleus is a prefix of the sorted order, so it sorts only the tokens at or above a weight
 * threshold (which are exactly that prefix), halving the threshold until their sorted masses,
 * summed in the reference's order, reach topP; at threshold 0 that is the whole vocabulary.
 */
export const sampleToken = sampler((logits, o, rng) => {
  const V = logits.length;
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[i]);
  const p = new Float64Array(V);
  let total = 0;
  for (let i = 0; i < V; i++) {
    p[i] = Math.exp((logits[i] - max) / o.temperature);
    total += p[i];
  }
  const target = o.topP * total;
  const order = new Int32Array(V);
  // The largest weight is exp(0) = 1; halving the threshold twelve times reaches 1/4096, then 0.
  for (let thr = 0.5, round = 0; ; thr = round >= 12 ? 0 : thr / 2, round++) {
    let n = 0;
    for (let i = 0; i < V; i++) if (p[i] >= thr) order[n++] = i;
    const top = order.subarray(0, n).sort((a, b) => p[b] - p[a] || a - b);
    let kept = 0;
    let mass = 0;
    while (kept < n && mass < target) mass += p[top[kept++]];
    // Not yet at topP with tokens left below the threshold: the nucleus reaches further.
    if (mass < target && n < V) continue;
    let u = rng.float() * mass;
    for (let k = 0; k < kept; k++) {
      u -= p[top[k]];
      if (u <= 0) return top[k];
    }
    return top[kept - 1];
  }
});
