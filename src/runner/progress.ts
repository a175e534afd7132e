// The whole sweep's progress and time left, from each stage's estimated work and the time spent on it.
import type { PlanStage, StageState } from './types';

/** Milliseconds spent computing each stage this session, by stage id. */
export type TimeSpent = Readonly<Record<string, { ms: number }>>;

/** Whole-sweep fraction, each stage weighted by its estimated work. */
export function sweepFraction(stages: readonly StageState[]): number {
  const total = stages.reduce((n, s) => n + s.work, 0);
  const done = stages.reduce((n, s) => n + s.work * s.fraction, 0);
  return total > 0 ? done / total : 0;
}

/**
 * Seconds left: the rest of each kind of stage at the rate measured on that kind (else on all).
 * A resumed stage's rate counts only the work done since the resume. Null before any rate exists.
 * With several `workers`, the stages left of one kind share them (a stage's own rate is measured
 * while it shares the cores); fine-tunes and evaluations count as one kind.
 */
export function sweepEta(
  stages: readonly StageState[],
  spent: TimeSpent,
  workers = 1,
): number | null {
  const rate = new Map<PlanStage | 'all', { ms: number; work: number }>();
  for (const s of stages) {
    const t = spent[s.stageId];
    if (!t || s.fraction <= 0 || s.work <= 0) continue;
    for (const key of [s.stage, 'all'] as const) {
      const r = rate.get(key) ?? { ms: 0, work: 0 };
      r.ms += t.ms;
      r.work +=
        s.work * (s.fraction - (s.resumedFrom && s.totalSteps ? s.resumedFrom / s.totalSteps : 0));
      rate.set(key, r);
    }
  }
  const all = rate.get('all');
  if (!all || all.work <= 0) return null;
  // Stages of one kind do not wait on each other (two pretrainings of a scale sweep, the
  // fine-tunes and evaluations of a plateau), so each kind's rest shares the workers; data is quick.
  const left = new Map<PlanStage, { ms: number; count: number }>();
  for (const s of stages) {
    if (s.status === 'cached' || s.status === 'done') continue;
    const r = rate.get(s.stage);
    const msPerWork = r && r.work > 0 ? r.ms / r.work : all.ms / all.work;
    const kind = s.stage === 'eval' ? 'finetune' : s.stage;
    const k = left.get(kind) ?? { ms: 0, count: 0 };
    k.ms += (1 - s.fraction) * s.work * msPerWork;
    k.count++;
    left.set(kind, k);
  }
  let ms = 0;
  for (const k of left.values()) ms += k.ms / Math.max(1, Math.min(workers, k.count));
  return ms / 1000;
}
