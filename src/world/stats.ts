// Aggregation of judge scores: mean with a 95% confidence interval (Student's t) and the share of 6s.
/** Judge scores summarised: mean, its 95% interval, count and share of 6s. */
export interface ScoreSummary {
  mean: number;
  /** Half-width of the 95% confidence interval of the mean. */
  ci95: number;
  n: number;
  /** Share of responses scored 6. */
  excellent: number;
  /** Share of responses that state the asked facts right (0–1), its interval, and what guessing would get. */
  facts?: { right: number; ci95: number; chance: number; n: number };
}

/** Two-sided 97.5% quantiles of Student's t for 1–30 degrees of freedom. */
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788,
  2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639,
  2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/** t(0.975, df); above 30 df the Cornish–Fisher expansion around z is accurate to about 1e-4. */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= 30) return T975[Math.floor(df) - 1];
  const z = 1.959964;
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

/**
 * Mean over prompts × samples × seeds, with the half-width of its 95% confidence interval. One score
 * has no spread to estimate: ci95 is NaN then, and everything is NaN for no scores at all.
 */
export function summarize(scores: readonly number[]): ScoreSummary {
  const n = scores.length;
  if (n === 0) return { mean: NaN, ci95: NaN, n: 0, excellent: NaN };
  let sum = 0;
  let sixes = 0;
  for (const s of scores) {
    sum += s;
    if (s === 6) sixes++;
  }
  const mean = sum / n;
  let ss = 0;
  for (const s of scores) ss += (s - mean) ** 2;
  const ci95 = n > 1 ? (tQuantile975(n - 1) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n) : NaN;
  return { mean, ci95, n, excellent: sixes / n };
}
