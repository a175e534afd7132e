// Aggregation of judge scores: mean with a 95% confidence interval (Student's t) and the share of 6s.
/** The facts-right metric over a set of answers: its share, 95% interval and chance level. */
export interface FactsSummary {
  /** Share of answers that state every asked fact (0–1). */
  right: number;
  /** Half-width of the 95% confidence interval of that share. */
  ci95: number;
  /** Mean chance level of the same items (0–1): answering about a random entity. */
  chance: number;
  n: number;
}

/** Judge scores summarised: mean, its 95% interval, count and share of 6s. */
export interface ScoreSummary {
  mean: number;
  /** Half-width of the 95% confidence interval of the mean. */
  ci95: number;
  n: number;
  /** Share of responses scored 6. */
  excellent: number;
  /** Held-out facts right (absent in results from before it existed). */
  facts?: FactsSummary;
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

/**
 * The facts-right share of judged answers with its 95% interval (the same t-interval, over 0/1
 * outcomes) and the mean chance level of the same items; undefined when no answer carries it.
 */
export function summarizeFacts(
  samples: readonly { factsRight?: boolean; chance?: number }[],
): FactsSummary | undefined {
  const known = samples.filter((s) => s.factsRight !== undefined);
  if (known.length === 0) return undefined;
  const s = summarize(known.map((x) => (x.factsRight ? 1 : 0)));
  const chance = known.reduce((a, x) => a + (x.chance ?? 0), 0) / known.length;
  return { right: s.mean, ci95: s.ci95, chance, n: s.n };
}

/** Scores and facts together: what a run or a task type reports. */
export function summarizeSamples(
  samples: readonly { score: number; factsRight?: boolean; chance?: number }[],
): ScoreSummary {
  const facts = summarizeFacts(samples);
  const summary = summarize(samples.map((x) => x.score));
  return facts ? { ...summary, facts } : summary;
}
