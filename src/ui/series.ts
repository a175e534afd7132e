// Results → chart data: plateau series and condition bars from the runner's table, pooled shared summaries, head-to-heads.
import { preference } from '../world/judge';
import { tQuantile975 } from '../world/stats';
import type { LinkSummary, RunResult, TableRow } from '../runner/types';
import type { LossPoint } from '../engine/api';
import type { CiBar, CiSeries, Curve, Preference } from './charts/types';

/** One plateau series per condition: a point per number of examples. */
export function plateauSeries(rows: readonly TableRow[], reference = false): CiSeries[] {
  const by = new Map<string, CiSeries>();
  for (const r of rows) {
    const s = by.get(r.condition) ?? { name: r.condition, points: [], reference };
    s.points.push({ x: r.examples, mean: r.mean, ci95: r.ci95, n: r.n });
    by.set(r.condition, s);
  }
  for (const s of by.values()) s.points.sort((a, b) => a.x - b.x);
  return [...by.values()];
}

/** Whether some condition was run at several sizes (a plateau to draw) rather than one size each. */
export function hasSizeAxis(rows: readonly TableRow[]): boolean {
  const sizes = new Map<string, Set<number>>();
  for (const r of rows)
    sizes.set(r.condition, (sizes.get(r.condition) ?? new Set()).add(r.examples));
  return [...sizes.values()].some((s) => s.size > 1);
}

/** Bars for conditions; with several sizes, the label says which. */
export function conditionBars(rows: readonly TableRow[], reference = false): CiBar[] {
  const sizes = hasSizeAxis(rows);
  return rows.map((r) => ({
    label: sizes ? `${r.condition} @ ${r.examples}` : r.condition,
    mean: r.mean,
    ci95: r.ci95,
    n: r.n,
    reference,
  }));
}

interface Part {
  mean: number;
  ci95: number;
  n: number;
  excellent: number;
}

/**
 * Pools per-run summaries as if all their scores were pooled: each run's variance is recovered
 * from its interval (ci95 = t·sd/√n), so a pooled condition matches the runner's own table.
 */
export function pool(parts: readonly Part[]): Part {
  const N = parts.reduce((a, p) => a + p.n, 0);
  if (N === 0) return { mean: NaN, ci95: NaN, n: 0, excellent: NaN };
  const mean = parts.reduce((a, p) => a + p.n * p.mean, 0) / N;
  let ss = 0;
  for (const p of parts) {
    const sd =
      p.n > 1 && Number.isFinite(p.ci95) ? (p.ci95 * Math.sqrt(p.n)) / tQuantile975(p.n - 1) : 0;
    ss += (p.n - 1) * sd * sd + p.n * (p.mean - mean) ** 2;
  }
  const ci95 = N > 1 ? (tQuantile975(N - 1) * Math.sqrt(ss / (N - 1))) / Math.sqrt(N) : NaN;
  const excellent = parts.reduce((a, p) => a + p.n * p.excellent, 0) / N;
  return { mean, ci95, n: N, excellent };
}

/** The sharer's per-run numbers as table rows, conditions and sizes taken from this page's own plan of the same spec. */
export function referenceRows(
  summary: LinkSummary,
  plan: readonly { id: string; condition: string; examples: number }[],
): TableRow[] {
  const groups = new Map<string, { condition: string; examples: number; parts: Part[] }>();
  for (const r of summary.runs) {
    const run = plan.find((p) => p.id === r.runId);
    if (!run) continue;
    const key = `${run.condition}\u0000${run.examples}`;
    const g = groups.get(key) ?? { condition: run.condition, examples: run.examples, parts: [] };
    g.parts.push(r);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => ({
    condition: g.condition,
    examples: g.examples,
    ...pool(g.parts),
    seeds: g.parts.length,
  }));
}

/** Win/tie/loss of run `a` against run `b` on the prompts and samples both answered, overall and per task. */
export function headToHead(a: RunResult, b: RunResult): Preference[] {
  const other = new Map(b.samples.map((s) => [`${s.promptId}#${s.sample}`, s]));
  const tally = new Map<string, Preference>();
  const bump = (label: string, outcome: 'win' | 'tie' | 'loss') => {
    const row = tally.get(label) ?? { label, win: 0, tie: 0, loss: 0 };
    row[outcome]++;
    tally.set(label, row);
  };
  for (const s of a.samples) {
    const t = other.get(`${s.promptId}#${s.sample}`);
    if (!t) continue;
    const outcome = preference(s, t);
    bump('all prompts', outcome);
    bump(s.task, outcome);
  }
  return [...tally.values()];
}

/** A short name for a run in menus and legends: its condition, size and seed. */
export function runLabel(r: {
  condition: string;
  point: Record<string, unknown>;
  spec?: { finetune: { examples: number; seed: number } };
}): string {
  const parts = [r.condition === 'all' ? '' : r.condition];
  if ('finetune.examples' in r.point)
    parts.push(`${String(r.point['finetune.examples'])} examples`);
  if ('finetune.seed' in r.point) parts.push(`seed ${String(r.point['finetune.seed'])}`);
  return parts.filter(Boolean).join(', ') || 'the run';
}

/** A run's legend group in the fine-tuning loss chart: its condition and size, its seeds together. */
export function sizeGroup(r: {
  condition: string;
  spec: { finetune: { examples: number } };
}): string {
  const size = `${r.spec.finetune.examples} examples`;
  return r.condition === 'all' ? size : `${r.condition}, ${size}`;
}

/** A training curve and, when it was measured, its validation curve (dashed, same colour). */
export function lossSeries(name: string, points: readonly LossPoint[], group?: string): Curve[] {
  const out: Curve[] = [
    { name, group, points: points.map((p) => ({ step: p.step, value: p.loss })) },
  ];
  const val = points.filter((p) => p.valLoss !== undefined && Number.isFinite(p.valLoss));
  if (val.length)
    out.push({
      name: `${name} (val)`,
      group,
      dashed: true,
      points: val.map((p) => ({ step: p.step, value: p.valLoss as number })),
    });
  return out;
}
