// The sweep state the page shows, as a pure reducer: a planned sweep, the executor's events, and the words that explain them.
import type { LossPoint, Progress } from '../engine/api';
import type { StagePlanStatus } from './cache';
import type { ExecEvent } from './execute';
import { PLAN_STAGES, type SweepPlan } from './plan';
import { sweepEta, sweepFraction } from './progress';
import type {
  Message,
  RunResult,
  StageCounters,
  StageState,
  StorageInfo,
  SweepState,
} from './types';

/** Per stage computed in this session: when it started and the milliseconds spent on it so far. */
export type Spent = Readonly<Record<string, { start: number; ms: number }>>;

/** What the reducer carries: the state the page sees, and the clock behind its time left. */
export interface Tracked {
  state: SweepState;
  spent: Spent;
}

export function emptyCounters(): StageCounters {
  return Object.fromEntries(
    PLAN_STAGES.map((s) => [s, { computed: 0, cached: 0, resumed: 0 }]),
  ) as StageCounters;
}

export function idleState(): SweepState {
  return {
    sweepId: null,
    spec: null,
    link: null,
    shard: null,
    status: 'idle',
    runs: [],
    stages: [],
    fraction: 0,
    etaSec: null,
    tokensPerSec: null,
    backend: null,
    fallback: null,
    device: null,
    backendReason: null,
    workers: 1,
    curves: {},
    results: {},
    counters: emptyCounters(),
    messages: [],
    storage: null,
  };
}

export function withMessage(
  s: SweepState,
  level: Message['level'],
  text: string,
  at: number,
): SweepState {
  return { ...s, messages: [...s.messages, { level, text, at }] };
}

/** A sweep as the cache leaves it before anything runs: cached stages done, the rest queued. */
export function plannedState(
  plan: SweepPlan,
  statuses: ReadonlyMap<string, StagePlanStatus>,
  results: Record<string, RunResult>,
  storage: StorageInfo | null,
): SweepState {
  const counters = emptyCounters();
  const stages: StageState[] = plan.stages.map((s) => {
    const cached = statuses.get(s.stageId) === 'cached';
    if (cached) counters[s.stage].cached++;
    return {
      stage: s.stage,
      stageId: s.stageId,
      status: cached ? 'cached' : 'queued',
      runs: s.runs,
      step: 0,
      totalSteps: 0,
      fraction: cached ? 1 : 0,
      work: s.work,
    };
  });
  return {
    ...idleState(),
    sweepId: plan.sweepId,
    spec: plan.spec,
    link: plan.link,
    shard: plan.shard,
    runs: plan.runs.map((r) => ({
      id: r.id,
      point: r.point,
      condition: r.condition,
      stages: r.stages,
      status: results[r.id] ? 'cached' : 'queued',
    })),
    stages,
    results,
    counters,
    storage,
    fraction: sweepFraction(stages),
  };
}

/** "3 of 7 stages and 2 finished runs are kept.": what survives a cancel or a failure. */
export function keptText(s: SweepState): string {
  const done = s.stages.filter((x) => x.status === 'done' || x.status === 'cached');
  const runs = Object.keys(s.results).length;
  return `${done.length} of ${s.stages.length} stages and ${runs} finished runs are kept.`;
}

/**
 * Why a sweep stopped: its worker ended (resumable on a new one), its WebGPU device was lost
 * (resumable, on wasm if the GPU does not come back), or a stage failed.
 */
export type Failure = 'worker-lost' | 'device-lost' | 'error';

/** The message that ends a sweep stopped by an error; a resumable stop says how to resume. */
export function failureText(s: SweepState, e: unknown, failure: Failure): string {
  const err = e as Error;
  if (failure === 'worker-lost')
    return `${err.message}. Nothing is lost: ${keptText(s)} Press Run to resume from the last checkpoint.`;
  if (failure === 'device-lost')
    return `The sweep stopped: ${err.message}. Nothing is lost: ${keptText(s)} Continue on wasm to resume from the last checkpoint there, or press Run to try the GPU again.`;
  return `The sweep stopped: ${err.message || err.name || String(e)}. ${keptText(s)}`;
}

function patchStage(s: SweepState, stageId: string, patch: Partial<StageState>): StageState[] {
  return s.stages.map((x) => (x.stageId === stageId ? { ...x, ...patch } : x));
}

/** Fraction and time left after a change to the stages. */
function withProgress(s: SweepState, spent: Spent): SweepState {
  return {
    ...s,
    fraction: sweepFraction(s.stages),
    etaSec: sweepEta(s.stages, spent, s.workers),
  };
}

/** The state after one executor event at time `now` (ms); pure, so a recorded sweep replays in Node. */
export function applyEvent(t: Tracked, e: ExecEvent, now: number): Tracked {
  const s = t.state;
  switch (e.type) {
    case 'stage-start': {
      const stage = s.stages.find((x) => x.stageId === e.stageId);
      if (!stage) return t;
      const counters = structuredClone(s.counters);
      counters[stage.stage].computed++;
      if (e.resumedFrom !== undefined) counters[stage.stage].resumed++;
      let state: SweepState = {
        ...s,
        counters,
        stages: patchStage(s, e.stageId, {
          status: 'running',
          resumedFrom: e.resumedFrom,
          threads: e.threads,
          step: e.resumedFrom ?? 0,
        }),
        runs: s.runs.map((r) =>
          Object.values(r.stages).includes(e.stageId) && r.status === 'queued'
            ? { ...r, status: 'running' }
            : r,
        ),
      };
      if (e.resumedFrom !== undefined)
        state = withMessage(
          state,
          'info',
          `${stage.stage} ${e.stageId.slice(0, 8)} resumes from step ${e.resumedFrom}.`,
          now,
        );
      return { state, spent: { ...t.spent, [e.stageId]: { start: now, ms: 0 } } };
    }
    case 'progress':
      return onProgress(t, e.stageId, e.progress, now);
    case 'stage-done': {
      const spent = tick(t.spent, e.stageId, now);
      const rate = e.tokensPerSec ? { tokensPerSec: e.tokensPerSec } : {};
      // The sweep's rate is training speed (the time estimates scale it); eval's is generation.
      const stage = s.stages.find((x) => x.stageId === e.stageId)?.stage;
      const training = stage === 'pretrain' || stage === 'finetune';
      const state: SweepState = {
        ...s,
        stages: patchStage(s, e.stageId, { status: 'done', fraction: 1, ms: e.ms, ...rate }),
        ...(training ? rate : {}),
        ...(e.backend ? { backend: e.backend } : {}),
        ...(e.lossCurve ? { curves: { ...s.curves, [e.stageId]: e.lossCurve } } : {}),
      };
      return { state: withProgress(state, spent), spent };
    }
    case 'stage-failed':
      return {
        ...t,
        state: {
          ...s,
          stages: patchStage(s, e.stageId, {
            status: e.cancelled ? 'cancelled' : 'failed',
            error: e.cancelled ? undefined : e.error,
          }),
        },
      };
    case 'run-done':
      return {
        ...t,
        state: {
          ...s,
          results: inRunOrder(s, { ...s.results, [e.result.runId]: e.result }),
          runs: s.runs.map((r) =>
            r.id === e.result.runId
              ? { ...r, status: r.status === 'cached' ? 'cached' : 'done' }
              : r,
          ),
        },
      };
    case 'warning':
      return { ...t, state: withMessage(s, 'warning', e.text, now) };
    case 'run-failed':
      return {
        ...t,
        state: {
          ...s,
          runs: s.runs.map((r) => (r.id === e.runId ? { ...r, status: 'failed' } : r)),
        },
      };
  }
}

function tick(spent: Spent, stageId: string, now: number): Spent {
  const t = spent[stageId];
  return t ? { ...spent, [stageId]: { start: t.start, ms: now - t.start } } : spent;
}

function onProgress(t: Tracked, stageId: string, p: Progress, now: number): Tracked {
  let s = t.state;
  // Training stages speak only when something needs saying (a checkpoint not stored, a short import).
  if (p.message && (p.stage === 'pretrain' || p.stage === 'finetune'))
    s = withMessage(s, 'info', `${p.stage} ${stageId.slice(0, 8)}: ${p.message}`, now);
  const spent = tick(t.spent, stageId, now);
  const fraction = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
  let curves = s.curves;
  if (p.loss !== undefined && (p.stage === 'pretrain' || p.stage === 'finetune')) {
    // Live points carry the step and loss; the stored curve (lr, tokens) replaces them when the stage ends.
    const live: LossPoint = { step: p.step, loss: p.loss, lr: NaN, tokens: NaN };
    curves = { ...curves, [stageId]: [...(curves[stageId] ?? []), live] };
  }
  const state: SweepState = {
    ...s,
    curves,
    stages: patchStage(s, stageId, {
      step: p.step,
      totalSteps: p.totalSteps,
      fraction,
      loss: p.loss,
      tokensPerSec: p.tokensPerSec,
    }),
    tokensPerSec: p.tokensPerSec ?? s.tokensPerSec,
  };
  return { state: withProgress(state, spent), spent };
}

/**
 * Results keyed in the plan's run order, whatever order the queue finished them in (runOrder):
 * the table and the sample views read them in this order. Results of runs the state does not list
 * (none in practice) are kept, last.
 */
function inRunOrder(s: SweepState, results: Record<string, RunResult>): Record<string, RunResult> {
  const out: Record<string, RunResult> = {};
  for (const r of s.runs) if (results[r.id]) out[r.id] = results[r.id];
  return { ...out, ...results };
}
