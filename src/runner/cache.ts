// What the store already holds of a plan: which stages to compute, and the finished runs to show at once.
import type { Store } from '../store/store';
import type { PlannedRun, SweepPlan } from './plan';
import type { RunResult } from './types';

export type StagePlanStatus = 'cached' | 'queued';

const isTraining = (s: string) => s === 'pretrain' || s === 'finetune';

/**
 * Which stages the store already covers. A stage is computed when its result is missing, or when a
 * stage still to compute needs its weights and they were evicted.
 */
export async function classifyStages(
  plan: SweepPlan,
  store: Store<unknown>,
): Promise<Map<string, StagePlanStatus>> {
  const out = new Map<string, StagePlanStatus>();
  const needed = new Set<string>();
  for (const s of [...plan.stages].reverse()) {
    const hasResult = await store.hasStage(s.stageId);
    const childNeeded = plan.stages.some((c) => c.parent === s.stageId && needed.has(c.stageId));
    let need = !hasResult;
    if (hasResult && childNeeded && isTraining(s.stage)) {
      const ckpt = await store.getCheckpoint(s.stageId);
      need = ckpt?.kind !== 'final';
    }
    if (need) needed.add(s.stageId);
    out.set(s.stageId, need ? 'queued' : 'cached');
  }
  return new Map(plan.stages.map((s) => [s.stageId, out.get(s.stageId)!]));
}

/** The stored results of the runs whose evaluation is cached, seen through this plan. */
export async function cachedResults(
  plan: SweepPlan,
  statuses: ReadonlyMap<string, StagePlanStatus>,
  store: Store<RunResult>,
): Promise<Record<string, RunResult>> {
  const results: Record<string, RunResult> = {};
  for (const r of plan.runs) {
    if (statuses.get(r.stages.eval) !== 'cached') continue;
    const rec = await store.getRun(r.id);
    if (rec) results[r.id] = asPlanned(rec.result, r);
  }
  return results;
}

/**
 * A stored result seen through this sweep: the same run (same content hash) may belong to other
 * sweeps too, where its point and condition read differently.
 */
export function asPlanned(result: RunResult, run: PlannedRun): RunResult {
  return { ...result, point: run.point, condition: run.condition };
}
