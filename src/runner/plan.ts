// The sweep plan (pure): runs, shared stages in execution order with their estimated work, and shards.
import { encodeSpec, expandSweep, stageCost, WORK_STAGES, type Run, type Spec } from '../spec';
import { contentHash } from '../util/hash';
import type { Result } from '../spec';
import type { PlanStage, Shard } from './types';

export const PLAN_STAGES: readonly PlanStage[] = WORK_STAGES;

export interface PlannedRun extends Run {
  condition: string;
  /** Fine-tuning examples, or in-context examples for few-shot, 0 for zero-shot. */
  examples: number;
}

export interface PlannedStage {
  stage: PlanStage;
  stageId: string;
  /** The stage this one reads (data for pretrain, pretrain for finetune, finetune for eval). */
  parent: string | null;
  /** Runs that need it, in plan order; the first one's spec computes it. */
  runs: string[];
  spec: Spec;
  /** Training-equivalent FLOPs (spec/cost.ts): weights whole-sweep progress and time left. */
  work: number;
}

export interface SweepPlan {
  sweepId: string;
  spec: Spec;
  link: string;
  shard: Shard | null;
  /** Runs of the whole sweep, before sharding. */
  totalRuns: number;
  runs: PlannedRun[];
  /** Each shared stage once, parents before children, grouped so a pretrained model is used up before the next. */
  stages: PlannedStage[];
}

/** The experiment's identity: its whole spec, sweep included. */
export function sweepIdOf(spec: Spec): string {
  return contentHash({ sweep: spec });
}

const SKIP_IN_CONDITION = new Set(['finetune.examples', 'finetune.seed']);

/** "quality=unfiltered, tasks=howto": the point without its size and seed (they are columns). */
export function conditionOf(point: Run['point']): string {
  const parts = Object.entries(point)
    .filter(([path]) => !SKIP_IN_CONDITION.has(path))
    .map(([path, value]) => `${path.split('.').at(-1)}=${String(value)}`);
  return parts.length ? parts.join(', ') : 'all';
}

export function examplesOf(spec: Spec): number {
  const f = spec.finetune;
  return f.method === 'sft' ? f.examples : f.method === 'few-shot' ? f.fewShot : 0;
}

/** Shard k of n: a contiguous block of the runs in plan order, so runs sharing a pretraining mostly stay together. */
export function shardRuns<T>(runs: readonly T[], shard: Shard | null): T[] {
  if (!shard) return [...runs];
  return runs.filter((_, i) => Math.floor((i * shard.n) / runs.length) + 1 === shard.k);
}

/** A room splits a sweep at most this many ways: one run per laptop for the largest sweep. */
export const MAX_SHARDS = 256;

/** `k/n` from a link or the command line, 1 ≤ k ≤ n ≤ MAX_SHARDS. */
export function parseShard(text: string): Result<Shard> {
  const fail = (e: string): Result<Shard> => ({ ok: false, errors: [e] });
  const m = /^(\d{1,3})\/(\d{1,3})$/.exec(text.trim());
  if (!m)
    return fail(`shard "${text}" should look like 2/8 (this laptop's slice / slices in the room)`);
  const k = Number(m[1]);
  const n = Number(m[2]);
  if (n < 1 || n > MAX_SHARDS) return fail(`shard count must be between 1 and ${MAX_SHARDS}`);
  if (k < 1 || k > n) return fail(`shard ${k}/${n}: the slice must be between 1 and ${n}`);
  return { ok: true, value: { k, n } };
}

/** Runs in an order that finishes one pretrained model's runs before the next (fewer reloads of weights). */
function groupByPretrain(runs: PlannedRun[]): PlannedRun[] {
  const order = new Map<string, number>();
  runs.forEach((r) => order.has(r.stages.pretrain) || order.set(r.stages.pretrain, order.size));
  return runs
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order.get(a.r.stages.pretrain)! - order.get(b.r.stages.pretrain)! || a.i - b.i)
    .map((x) => x.r);
}

export function planSweep(spec: Spec, shard: Shard | null = null): Result<SweepPlan> {
  const expanded = expandSweep(spec);
  if (!expanded.ok) return expanded;
  const all = groupByPretrain(
    expanded.value.map((r) => ({
      ...r,
      condition: conditionOf(r.point),
      examples: examplesOf(r.spec),
    })),
  );
  if (shard && shard.n > all.length)
    return {
      ok: false,
      errors: [`--shard ${shard.k}/${shard.n}: the sweep has only ${all.length} runs`],
    };
  const runs = shardRuns(all, shard);
  const stages = new Map<string, PlannedStage>();
  for (const run of runs) {
    PLAN_STAGES.forEach((stage, i) => {
      const id = run.stages[stage];
      const known = stages.get(id);
      if (known) known.runs.push(run.id);
      else
        stages.set(id, {
          stage,
          stageId: id,
          parent: i === 0 ? null : run.stages[PLAN_STAGES[i - 1]],
          runs: [run.id],
          spec: run.spec,
          work: stageCost(stage, run.spec).work,
        });
    });
  }
  return {
    ok: true,
    value: {
      sweepId: sweepIdOf(spec),
      spec,
      link: encodeSpec(spec),
      shard,
      totalRuns: all.length,
      runs,
      stages: [...stages.values()],
    },
  };
}
