// Aggregation of judge scores: mean with a 95% confidence interval (Student's t) and the share of 6s.
/** The facts-right metric over a set of answers: its share, 95% interval and chance level. */
export interface FactsSummary {
  /** Share of answers that state every asked fact (0–1). */
  right: number;
  /** Half-width of the share's 95% confidence interval (Wilson's; see `wilson`). */
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
 * Wilson's 95% interval of a share of n outcomes: honest at 0% and 100%, where the normal (or t)
 * interval collapses to nothing. The one interval for every share the lab reports.
 */
export function wilson(share: number, n: number): { value: number; lo: number; hi: number } | null {
  if (!(n > 0) || !Number.isFinite(share)) return null;
  const z = 1.959964;
  const k = share * n;
  const centre = (k + (z * z) / 2) / (n + z * z);
  const half = (z * Math.sqrt((k * (n - k)) / n + (z * z) / 4)) / (n + z * z);
  return { value: share, lo: Math.max(0, centre - half), hi: Math.min(1, centre + half) };
}

/** A share with its Wilson interval's half-width (what the tables print after ±). */
export function shareOf(right: number, n: number, chance: number): FactsSummary {
  const w = wilson(right, n);
  return { right, ci95: w ? (w.hi - w.lo) / 2 : NaN, chance, n };
}

/**
 * The facts-right share of judged answers with its 95% interval (Wilson's) and the mean chance
 * level of the same items; undefined when no answer carries it.
 */
export function summarizeFacts(
  samples: readonly { factsRight?: boolean; chance?: number }[],
): FactsSummary | undefined {
  const known = samples.filter((s) => s.factsRight !== undefined);
  if (known.length === 0) return undefined;
  const right = known.filter((x) => x.factsRight).length / known.length;
  const chance = known.reduce((a, x) => a + (x.chance ?? 0), 0) / known.length;
  return shareOf(right, known.length, chance);
}

/** Scores and facts together: what a run or a task type reports. */
export function summarizeSamples(
  samples: readonly { score: number; factsRight?: boolean; chance?: number }[],
): ScoreSummary {
  const facts = summarizeFacts(samples);
  const summary = summarize(samples.map((x) => x.score));
  return facts ? { ...summary, facts } : summary;
}
