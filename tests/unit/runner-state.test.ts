// The runner's state reducer in Node: a plan from the cache, then executor events, then the words that explain them.
import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../src/spec';
import { planSweep, type SweepPlan } from '../../src/runner/plan';
import {
  applyEvent,
  failureText,
  keptText,
  plannedState,
  type Tracked,
} from '../../src/runner/state';
import type { ExecEvent } from '../../src/runner/execute';
import type { RunResult } from '../../src/runner/types';

function plan(): SweepPlan {
  const p = planSweep(presetSpec('plateau-toy'));
  if (!p.ok) throw new Error(p.errors.join('; '));
  return p.value;
}

/** The plan with its data and pretraining cached, as after a finished first run of the world. */
function start(p: SweepPlan): Tracked {
  const statuses = new Map(
    p.stages.map((s) => [
      s.stageId,
      s.stage === 'data' || s.stage === 'pretrain' ? ('cached' as const) : ('queued' as const),
    ]),
  );
  return { state: plannedState(p, statuses, {}, null), spent: {} };
}

function replay(t: Tracked, events: [number, ExecEvent][]): Tracked {
  return events.reduce((acc, [at, e]) => applyEvent(acc, e, at), t);
}

describe('runner state', () => {
  it('a plan from the cache: cached stages done and counted, the rest queued', () => {
    const p = plan();
    const { state } = start(p);
    expect(state.counters.data.cached).toBe(1);
    expect(state.counters.pretrain.cached).toBe(1);
    expect(state.stages.filter((s) => s.status === 'queued')).toHaveLength(30);
    const done = state.stages.filter((s) => s.status === 'cached');
    const work = (ss: typeof state.stages) => ss.reduce((n, s) => n + s.work, 0);
    expect(state.fraction).toBeCloseTo(work(done) / work(state.stages), 12);
    expect(state.runs.every((r) => r.status === 'queued')).toBe(true);
    expect(state.etaSec).toBeNull();
  });

  it('keeps results in plan order whatever order the queue finishes them in', () => {
    const p = plan();
    const done = (i: number): [number, ExecEvent] => [
      i,
      { type: 'run-done', result: { runId: p.runs[i]!.id } as RunResult },
    ];
    // As runOrder finishes them: the cheapest, the largest three, then the rest from the top.
    const order = [0, 12, 13, 14, 9, 10, 11, 6, 7, 8, 3, 4, 5, 1, 2];
    const { state } = replay(start(p), order.map(done));
    expect(Object.keys(state.results)).toEqual(p.runs.map((r) => r.id));
    expect(Object.keys(replay(start(p), [done(14), done(0)]).state.results)).toEqual([
      p.runs[0]!.id,
      p.runs[14]!.id,
    ]);
  });

  it('follows a fine-tune from start to a finished run, and never mutates what it was given', () => {
    const p = plan();
    const t0 = start(p);
    const frozen = structuredClone(t0);
    const ft = p.stages.find((s) => s.stage === 'finetune')!;
    const ev = p.stages.find((s) => s.stage === 'eval' && s.parent === ft.stageId)!;
    const run = p.runs.find((r) => r.stages.finetune === ft.stageId)!;
    const progress = (step: number, loss: number, message?: string): ExecEvent => ({
      type: 'progress',
      stageId: ft.stageId,
      progress: { stage: 'finetune', stageId: ft.stageId, step, totalSteps: 20, loss, message },
    });
    const mid = replay(t0, [
      [1_000, { type: 'stage-start', stageId: ft.stageId }],
      [3_000, progress(5, 2.5)],
      [6_000, progress(10, 2.0, 'only 8 conversations in the file')],
    ]);
    expect(t0).toEqual(frozen);
    const stage = mid.state.stages.find((s) => s.stageId === ft.stageId)!;
    expect(stage).toMatchObject({ status: 'running', step: 10, totalSteps: 20, fraction: 0.5 });
    expect(mid.state.counters.finetune.computed).toBe(1);
    expect(mid.state.runs.find((r) => r.id === run.id)!.status).toBe('running');
    expect(mid.state.curves[ft.stageId].map((x) => [x.step, x.loss])).toEqual([
      [5, 2.5],
      [10, 2.0],
    ]);
    expect(mid.spent[ft.stageId]).toEqual({ start: 1_000, ms: 5_000 });
    expect(mid.state.etaSec).toBeGreaterThan(0);
    expect(mid.state.messages.map((m) => m.text)).toEqual([
      `finetune ${ft.stageId.slice(0, 8)}: only 8 conversations in the file`,
    ]);

    const result = { runId: run.id } as RunResult;
    const end = replay(mid, [
      [11_000, { type: 'stage-done', stageId: ft.stageId, ms: 10_000, tokensPerSec: 900 }],
      [12_000, { type: 'stage-start', stageId: ev.stageId }],
      [
        15_000,
        { type: 'stage-done', stageId: ev.stageId, ms: 3_000, backend: 'wasm', tokensPerSec: 50 },
      ],
      [15_001, { type: 'run-done', result }],
    ]);
    expect(end.state.stages.find((s) => s.stageId === ft.stageId)).toMatchObject({
      status: 'done',
      fraction: 1,
      ms: 10_000,
    });
    expect(end.state.results[run.id]).toBe(result);
    expect(end.state.runs.find((r) => r.id === run.id)!.status).toBe('done');
    // Eval's generation rate stays on its stage: the sweep's rate is training speed.
    expect([end.state.tokensPerSec, end.state.backend]).toEqual([900, 'wasm']);
    expect(end.state.stages.find((s) => s.stageId === ev.stageId)!.tokensPerSec).toBe(50);
    expect(end.state.fraction).toBeGreaterThan(mid.state.fraction);
  });

  it('says where a stage resumes, counts it, and keeps failures and warnings apart', () => {
    const p = plan();
    const ft = p.stages.find((s) => s.stage === 'finetune')!;
    const t = replay(start(p), [
      [0, { type: 'stage-start', stageId: ft.stageId, resumedFrom: 12 }],
      [5, { type: 'warning', text: 'storage is full' }],
      [9, { type: 'stage-failed', stageId: ft.stageId, error: 'boom', cancelled: false }],
    ]);
    expect(t.state.counters.finetune).toEqual({ computed: 1, cached: 0, resumed: 1 });
    expect(t.state.messages.map((m) => [m.level, m.text, m.at])).toEqual([
      ['info', `finetune ${ft.stageId.slice(0, 8)} resumes from step 12.`, 0],
      ['warning', 'storage is full', 5],
    ]);
    expect(t.state.stages.find((s) => s.stageId === ft.stageId)).toMatchObject({
      status: 'failed',
      error: 'boom',
      step: 12,
    });
    expect(keptText(t.state)).toBe('2 of 32 stages and 0 finished runs are kept.');
    expect(failureText(t.state, new Error('the engine worker stopped'), 'worker-lost')).toBe(
      'the engine worker stopped. Nothing is lost: 2 of 32 stages and 0 finished runs are kept. Press Run to resume from the last checkpoint.',
    );
    expect(failureText(t.state, new Error('out of memory'), 'error')).toBe(
      'The sweep stopped: out of memory. 2 of 32 stages and 0 finished runs are kept.',
    );
    expect(
      failureText(
        t.state,
        new Error('the WebGPU device was lost (destroyed: gone)'),
        'device-lost',
      ),
    ).toBe(
      'The sweep stopped: the WebGPU device was lost (destroyed: gone). Nothing is lost: 2 of 32 stages and 0 finished runs are kept. Continue on wasm to resume from the last checkpoint there, or press Run to try the GPU again.',
    );
  });
});
