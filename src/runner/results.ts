// Results files: validated on load with a clear message, merged across shards, and tabled per condition.
import * as v from 'valibot';
import { parseSpec, shapeIssues, type Result } from '../spec';

import { shareOf, summarize } from '../world/stats';
import { TASK_TYPES } from '../world/types';
import { examplesOf, planSweep } from './plan';
import {
  RESULTS_FORMAT,
  RESULTS_VERSION,
  type ResultsFile,
  type RunResult,
  type Shard,
  type TableRow,
} from './types';
import type { FactsSummary } from '../engine/api';

/** JSON writes NaN (an interval over one response, a diverged loss) as null: read it back as NaN. */
const Num = v.pipe(
  v.nullable(v.number()),
  v.transform((x) => x ?? NaN),
);
const Facts = v.object({ right: Num, ci95: Num, chance: Num, n: Num });
/** A judged number within bounds, or null (written for NaN: no responses, an interval over one). */
const Within = (min: number, max: number, whole = false) =>
  v.pipe(
    v.nullable(
      v.pipe(
        v.number(),
        v.finite('must be a finite number'),
        v.minValue(min, `must be at least ${min}`),
        v.maxValue(max, `must be at most ${max}`),
        v.check((x) => !whole || Number.isInteger(x), 'must be a whole number'),
      ),
    ),
    v.transform((x) => x ?? NaN),
  );
/** Bounded like a link's summary: the judge scores 1–6, intervals are non-negative, counts whole. */
const Summary = v.object({
  mean: Within(1, 6),
  ci95: Within(0, 1e3),
  n: Within(0, 1e9, true),
  excellent: Within(0, 1),
  facts: v.optional(Facts),
});
const LossPointSchema = v.object({
  step: Num,
  loss: Num,
  valLoss: v.optional(Num),
  lr: Num,
  tokens: Num,
});
const Backend = v.picklist(['webgpu', 'wasm', 'cpu']);
const StageIdsSchema = v.object({
  world: v.string(),
  data: v.string(),
  pretrain: v.string(),
  finetune: v.string(),
  eval: v.string(),
});
const SampleSchema = v.object({
  promptId: v.string(),
  task: v.picklist(TASK_TYPES),
  turns: v.array(v.string()),
  sample: Num,
  response: v.string(),
  score: v.picklist([1, 2, 3, 4, 5, 6]),
  reason: v.string(),
  factsRight: v.optional(v.boolean()),
  chance: v.optional(Num),
  stopped: v.optional(v.boolean()),
});
const RunResultSchema = v.object({
  runId: v.string(),
  point: v.record(v.string(), v.union([v.number(), v.string(), v.boolean()])),
  condition: v.string(),
  spec: v.unknown(),
  stages: StageIdsSchema,
  backend: Backend,
  summary: Summary,
  byTask: v.record(v.picklist(TASK_TYPES), Summary),
  samples: v.array(SampleSchema),
  lossCurves: v.object({ pretrain: v.array(LossPointSchema), finetune: v.array(LossPointSchema) }),
  knowledge: v.optional(
    v.object({
      recalled: Num,
      total: Num,
      asked: v.optional(v.object({ recalled: Num, total: Num })),
      zeroShot: v.optional(Summary),
    }),
  ),
  timings: v.record(v.picklist(['data', 'pretrain', 'finetune', 'eval']), Num),
  diverged: v.optional(
    v.object({
      stage: v.picklist(['data', 'pretrain', 'finetune', 'eval']),
      step: Num,
      message: v.string(),
    }),
  ),
  finishedAt: Num,
});
const ShardSchema = v.object({ k: Num, n: Num });
const FileSchema = v.object({
  format: v.literal(RESULTS_FORMAT),
  version: v.literal(RESULTS_VERSION),
  link: v.string(),
  sweepId: v.string(),
  spec: v.unknown(),
  shard: v.nullable(ShardSchema),
  totalRuns: Num,
  runs: v.array(RunResultSchema),
  createdAt: v.string(),
});

/** The finished runs of a sweep (or a shard of it) as a results file. */
export function resultsFileOf(
  spec: ResultsFile['spec'],
  shard: Shard | null,
  runs: RunResult[],
): ResultsFile {
  const plan = planSweep(spec, null);
  if (!plan.ok) throw new Error(plan.errors.join('; '));
  return {
    format: RESULTS_FORMAT,
    version: RESULTS_VERSION,
    link: plan.value.link,
    sweepId: plan.value.sweepId,
    spec,
    shard,
    totalRuns: plan.value.totalRuns,
    runs: inPlanOrder(
      plan.value.runs.map((r) => r.id),
      runs,
    ),
    createdAt: new Date().toISOString(),
  };
}

/** The name a results file is saved under: the sweep's id, and the shard when it is one laptop's slice. */
export function resultsFileName(
  file: Pick<ResultsFile, 'sweepId' | 'shard'>,
  kind = 'results',
): string {
  const shard = file.shard ? `-shard-${file.shard.k}of${file.shard.n}` : '';
  return `lima-lab-${kind}-${file.sweepId.slice(0, 8)}${shard}.json`;
}

function inPlanOrder(order: string[], runs: RunResult[]): RunResult[] {
  const at = new Map(order.map((id, i) => [id, i]));
  return [...runs].sort((a, b) => (at.get(a.runId) ?? 1e9) - (at.get(b.runId) ?? 1e9));
}

/** Parses a results file's text, saying exactly why a corrupted or foreign file is refused. */
export function parseResultsFile(text: string, name = 'the file'): Result<ResultsFile> {
  const fail = (e: string): Result<never> => ({ ok: false, errors: [e] });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(`${name} is not a results file: it is not valid JSON (corrupted or cut short?)`);
  }
  const head = json as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== RESULTS_FORMAT)
    return fail(`${name} is not a LIMA Lab results file (it has no "format": "${RESULTS_FORMAT}")`);
  if (typeof head.version === 'number' && head.version > RESULTS_VERSION)
    return fail(
      `${name} was written by a newer LIMA Lab (results version ${head.version}; this one reads ${RESULTS_VERSION})`,
    );
  const shape = shapeIssues(FileSchema, json);
  if (shape.length) return fail(`${name} is damaged: ${shape.slice(0, 5).join('; ')}`);
  const r = v.safeParse(FileSchema, json);
  if (!r.success) {
    const lines = r.issues
      .slice(0, 5)
      .map((i) => `${v.getDotPath(i) ?? '(top level)'}: ${i.message}`);
    return fail(`${name} is damaged: ${lines.join('; ')}`);
  }
  const spec = parseSpec(r.output.spec);
  if (!spec.ok)
    return fail(`${name} has an invalid experiment: ${spec.errors.slice(0, 3).join('; ')}`);
  const plan = planSweep(spec.value, null);
  if (!plan.ok) return fail(`${name} has an invalid sweep: ${plan.errors.join('; ')}`);
  if (plan.value.sweepId !== r.output.sweepId || plan.value.link !== r.output.link)
    return fail(`${name} is damaged: its experiment does not match its sweep id or link`);
  const known = new Set(plan.value.runs.map((x) => x.id));
  const stray = r.output.runs.find((x) => !known.has(x.runId));
  if (stray) return fail(`${name} is damaged: run ${stray.runId} is not part of its experiment`);
  return { ok: true, value: { ...(r.output as ResultsFile), spec: spec.value } };
}

/** Shards of one experiment into one file; files from another experiment are refused by name. */
export function mergeResultsFiles(
  files: { name: string; file: ResultsFile }[],
): Result<{ file: ResultsFile; missing: number; conflicts: string[] }> {
  if (files.length === 0) return { ok: false, errors: ['nothing to merge'] };
  const [first] = files;
  const errors = files
    .filter((f) => f.file.sweepId !== first.file.sweepId)
    .map(
      (f) =>
        `${f.name} is from a different experiment (sweep ${f.file.sweepId}) than ${first.name} (sweep ${first.file.sweepId}): only shards of the same spec merge`,
    );
  if (errors.length) return { ok: false, errors };
  const runs = new Map<string, RunResult>();
  const conflicts: string[] = [];
  for (const { name, file } of files) {
    for (const r of file.runs) {
      const known = runs.get(r.runId);
      if (!known) runs.set(r.runId, r);
      else if (known.summary.mean !== r.summary.mean)
        conflicts.push(
          `run ${r.runId} (${r.condition}) differs in ${name} (${r.backend}: ${r.summary.mean.toFixed(3)} vs ${known.backend}: ${known.summary.mean.toFixed(3)}); the first file's is kept`,
        );
    }
  }
  const file = resultsFileOf(first.file.spec, null, [...runs.values()]);
  return { ok: true, value: { file, missing: file.totalRuns - runs.size, conflicts } };
}

/** One row per condition and size, seeds pooled, in the sweep's order. */
export function resultsTable(runs: RunResult[]): TableRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) {
    const examples = examplesOf(r.spec);
    const key = `${r.condition}\u0000${examples}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((rs) => {
    const scores = rs.flatMap((r) => r.samples.map((s) => s.score));
    const multi = rs.flatMap((r) =>
      r.samples.filter((s) => s.task === 'dialogue').map((s) => s.score),
    );
    const s = summarize(scores);
    const row: TableRow = {
      condition: rs[0].condition,
      examples: examplesOf(rs[0].spec),
      mean: s.mean,
      ci95: s.ci95,
      n: s.n,
      excellent: s.excellent,
      seeds: rs.length,
    };
    if (multi.length) {
      const d = summarize(multi);
      row.dialogue = { mean: d.mean, excellent: d.excellent, n: d.n };
    }
    const facts = poolFacts(rs);
    if (facts) row.facts = facts;
    return row;
  });
}

/** The facts-right share over the runs that report one, weighted by their responses. */
function poolFacts(rs: RunResult[]): TableRow['facts'] {
  const parts = rs.flatMap((r) => (r.summary.facts ? [r.summary.facts] : []));
  const n = parts.reduce((a, f) => a + f.n, 0);
  if (!parts.length || n === 0) return undefined;
  const right = parts.reduce((a, f) => a + f.right * f.n, 0) / n;
  const chance = parts.reduce((a, f) => a + f.chance * f.n, 0) / n;
  return shareOf(right, n, chance);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

/** "46.7% ± 8.1 (chance 7.5%)": the facts-right share as the table and the lab print it. */
export function factsText(f: FactsSummary): string {
  const ci = Number.isFinite(f.ci95) ? ` ± ${(100 * f.ci95).toFixed(1)}` : '';
  return `${pct(f.right)}${ci} (chance ${pct(f.chance)})`;
}

/** The table as plain text: what `npm run lab` prints. */
export function formatTable(rows: TableRow[]): string {
  const hasDialogue = rows.some((r) => r.dialogue);
  const hasFacts = rows.some((r) => r.facts);
  const head = ['condition', 'examples', 'mean ± 95% CI', 'n', 'excellent', 'seeds'];
  if (hasFacts) head.push('facts right ± 95% CI (chance)');
  if (hasDialogue) head.push('multi-turn excellent');
  const body = rows.map((r) => {
    const cells = [
      r.condition,
      String(r.examples),
      `${r.mean.toFixed(2)} ± ${Number.isFinite(r.ci95) ? r.ci95.toFixed(2) : '—'}`,
      String(r.n),
      `${(100 * r.excellent).toFixed(1)}%`,
      String(r.seeds),
    ];
    if (hasFacts) cells.push(r.facts ? factsText(r.facts) : '—');
    if (hasDialogue)
      cells.push(
        r.dialogue ? `${(100 * r.dialogue.excellent).toFixed(1)}% (n=${r.dialogue.n})` : '—',
      );
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
