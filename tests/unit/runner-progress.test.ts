// Whole-sweep progress and time left: work-weighted, per kind of stage, honest about resumed stages.
import { describe, expect, it } from 'vitest';
import { sweepEta, sweepFraction } from '../../src/runner/progress';
import type { StageState } from '../../src/runner/types';

function stage(over: Partial<StageState> & Pick<StageState, 'stage' | 'stageId'>): StageState {
  return {
    status: 'queued',
    runs: [],
    step: 0,
    totalSteps: 100,
    fraction: 0,
    work: 1,
    ...over,
  };
}

describe('sweep progress', () => {
  it('weights each stage by its work', () => {
    const stages = [
      stage({ stage: 'pretrain', stageId: 'p', work: 3, fraction: 1, status: 'done' }),
      stage({ stage: 'finetune', stageId: 'f', work: 1, fraction: 0.5, status: 'running' }),
    ];
    expect(sweepFraction(stages)).toBeCloseTo(3.5 / 4, 12);
    expect(sweepFraction([])).toBe(0);
  });

  it('times the rest of each kind at that kind’s own rate, else at the overall rate', () => {
    const stages = [
      // Pretraining: 2 units of work done in 20 s → 10 s per unit; 2 units left.
      stage({ stage: 'pretrain', stageId: 'p', work: 4, fraction: 0.5, status: 'running' }),
      // Fine-tuning: 1 unit done in 2 s → 2 s per unit; a queued one of 3 units left.
      stage({ stage: 'finetune', stageId: 'f1', work: 1, fraction: 1, status: 'done' }),
      stage({ stage: 'finetune', stageId: 'f2', work: 3 }),
      // Evaluation has no rate of its own: it takes the overall one, 22 s / 3 units.
      stage({ stage: 'eval', stageId: 'e', work: 3 }),
    ];
    const spent = Object.fromEntries([
      ['p', { ms: 20_000 }],
      ['f1', { ms: 2_000 }],
    ]);
    expect(sweepEta(stages, spent)).toBeCloseTo(2 * 10 + 3 * 2 + 3 * (22 / 3), 9);
    // Two workers share the fine-tune and the evaluation left; pretraining, which they wait on, not.
    expect(sweepEta(stages, spent, 2)).toBeCloseTo(2 * 10 + (3 * 2 + 3 * (22 / 3)) / 2, 9);
    // More workers than independent stages left cannot share them further.
    expect(sweepEta(stages, spent, 4)).toBeCloseTo(sweepEta(stages, spent, 2)!, 9);
  });

  it('lets two pretrainings left (a scale sweep) share the workers too', () => {
    const stages = [
      stage({ stage: 'pretrain', stageId: 'p1', work: 4, fraction: 0.5, status: 'running' }),
      stage({ stage: 'pretrain', stageId: 'p2', work: 4, fraction: 0.5, status: 'running' }),
    ];
    const spent = Object.fromEntries([
      ['p1', { ms: 20_000 }],
      ['p2', { ms: 20_000 }],
    ]);
    // 10 s per unit, 4 units left in all: 40 s on one worker, 20 s on two.
    expect(sweepEta(stages, spent, 1)).toBeCloseTo(40, 9);
    expect(sweepEta(stages, spent, 2)).toBeCloseTo(20, 9);
  });

  it('counts only the work done since a resume, and has no estimate before any rate', () => {
    // Resumed at step 40 of 100, now at 50: 10% of 10 units in 5 s → 5 s per unit, 5 units left.
    const resumed = stage({
      stage: 'pretrain',
      stageId: 'p',
      work: 10,
      fraction: 0.5,
      resumedFrom: 40,
      status: 'running',
    });
    expect(sweepEta([resumed], Object.fromEntries([['p', { ms: 5_000 }]]))).toBeCloseTo(25, 9);
    expect(sweepEta([stage({ stage: 'pretrain', stageId: 'p' })], {})).toBeNull();
  });
});
