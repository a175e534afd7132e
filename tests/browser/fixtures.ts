// Results files built in Node for UI tests: real run ids from the app's plan, scores chosen to give known means.
import { planSweep } from '../../src/runner/plan';
import { resultsFileOf } from '../../src/runner/results';
import type { RunResult } from '../../src/runner/types';
import type { Sample } from '../../src/engine/api';
import { summarize } from '../../src/world/stats';
import { parseSpec } from '../../src/spec';
import { MICRO } from './ui-helpers';

/** `n` scores whose mean is `mean` to within 1/n: a mix of the two integers around it. */
function scoresFor(mean: number, n: number): Sample['score'][] {
  const lo = Math.floor(mean);
  const up = Math.round((mean - lo) * n);
  return Array.from({ length: n }, (_, i) => Math.min(6, i < up ? lo + 1 : lo) as Sample['score']);
}

/**
 * A whole sweep's results file: MICRO's model with the given axes, each run scored so its mean is
 * `meanOf(run)`; `response(i)` writes each answer; every run has a short fine-tuning curve.
 */
export function resultsFixture(
  axes: { path: string; values: (number | string)[] }[],
  meanOf: (point: Record<string, unknown>) => number,
  response: (i: number) => string = (i) => `Answer ${i}.`,
  n = 20,
): string {
  const spec = parseSpec({ ...MICRO, sweep: { axes } });
  if (!spec.ok) throw new Error(spec.errors.join('; '));
  const plan = planSweep(spec.value, null);
  if (!plan.ok) throw new Error(plan.errors.join('; '));
  const runs: RunResult[] = plan.value.runs.map((r) => {
    const samples: Sample[] = scoresFor(meanOf(r.point), n).map((score, i) => ({
      promptId: `fact-${i}`,
      task: 'fact',
      turns: [`What is fact ${i}?`],
      sample: 0,
      response: response(i),
      score,
      reason: `score ${score}`,
    }));
    const curve = [1, 2, 3].map((step) => ({
      step,
      loss: 3 - step / 2 - r.spec.finetune.seed / 10,
      lr: 1e-3,
      tokens: step * 100,
    }));
    return {
      runId: r.id,
      point: r.point,
      condition: r.condition,
      spec: r.spec,
      stages: r.stages,
      backend: 'wasm',
      summary: summarize(samples.map((s) => s.score)),
      byTask: {},
      samples,
      lossCurves: { pretrain: [], finetune: curve },
      timings: {},
      finishedAt: 0,
    };
  });
  return JSON.stringify(resultsFileOf(spec.value, null, runs));
}
