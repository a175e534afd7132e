// Replays a recorded sweep's progress (npm run lab -- plateau-toy --trace) against the time-left estimate.
// The fixture: plateau-toy from an empty cache, wasm, 2-core machine with another lab run beside it
// (569 s: pretraining 189 s, 15 fine-tunes 300 s, 15 evaluations 72 s). Its stage works are the cost
// model's at recording time, so this checks the estimator (rates per kind of stage, resumes) on
// real timings; the cost model's shares are what make one sweep's rates predict its later stages.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sweepEta, sweepFraction } from '../../src/runner/progress';
import type { PlanStage, StageState, StageStatus } from '../../src/runner/types';

interface Trace {
  stages: { id: string; stage: PlanStage; work: number }[];
  /** [ms since start, [stage index, status, fraction, total steps][]] — only what changed. */
  frames: [number, [number, StageStatus, number, number][]][];
  end: number;
}

/** Each frame's stages and time spent per stage, as the runner had them, with the true time left. */
export function replay(trace: Trace) {
  const stages: StageState[] = trace.stages.map((s) => ({
    stage: s.stage,
    stageId: s.id,
    work: s.work,
    status: 'queued',
    fraction: 0,
    runs: [],
    step: 0,
    totalSteps: 0,
  }));
  const started = new Map<number, number>();
  const finished = new Map<number, number>();
  const points: { t: number; fraction: number; eta: number | null; truth: number }[] = [];
  for (const [t, changes] of trace.frames) {
    for (const [i, status, fraction, totalSteps] of changes) {
      const s = stages[i];
      if (status === 'running' && !started.has(i)) started.set(i, t);
      if ((status === 'done' || status === 'failed') && !finished.has(i)) finished.set(i, t);
      stages[i] = { ...s, status, fraction, totalSteps };
    }
    const spent: Record<string, { ms: number }> = {};
    for (const [i, t0] of started) spent[stages[i].stageId] = { ms: (finished.get(i) ?? t) - t0 };
    points.push({
      t,
      fraction: sweepFraction(stages),
      eta: sweepEta(stages, spent),
      truth: (trace.end - t) / 1000,
    });
  }
  return points;
}

const trace = JSON.parse(
  readFileSync(new URL('../fixtures/trace-plateau-toy.json', import.meta.url), 'utf8'),
) as Trace;

describe('time left, replayed on a recorded plateau-toy sweep', () => {
  const points = replay(trace);
  it('the trace is a whole sweep: every stage runs and finishes', () => {
    expect(trace.stages.length).toBeGreaterThan(10);
    expect(points.at(-1)!.fraction).toBeCloseTo(1, 6);
  });

  it('holds within ±25% of the truth from 10% progress on (±10 s in the last seconds)', () => {
    const off = points
      .filter((p) => p.fraction >= 0.1 && p.truth > 0)
      .map((p) => ({ ...p, error: p.eta === null ? Infinity : Math.abs(p.eta - p.truth) }))
      .filter((p) => p.error > Math.max(0.25 * p.truth, 10));
    const worst = [...off].sort((a, b) => b.error / b.truth - a.error / a.truth)[0];
    expect(
      off.length,
      worst &&
        `${off.length} frames off; worst at ${(100 * worst.fraction).toFixed(0)}%: estimate ${worst.eta?.toFixed(0)} s, truth ${worst.truth.toFixed(0)} s`,
    ).toBe(0);
  });
});
