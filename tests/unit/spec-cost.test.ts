// The one cost model: the editor's estimate and the runner's plan count the same work for every preset.
import { describe, expect, it } from 'vitest';
import {
  expandSweep,
  presetSpec,
  PRESETS,
  resolveModel,
  specParams,
  secondsAt,
  stageCost,
  sweepCost,
  trainFlopsPerToken,
  MODEL_PRESETS,
  parseSpec,
  type Spec,
} from '../../src/spec';
import { planSweep } from '../../src/runner/plan';
import { modelConfig, paramShapes } from '../../src/model/llama';

describe('cost model', () => {
  it.each(PRESETS.map((p) => p.id))(
    '%s: the editor estimate is the runner’s work, stage for stage',
    (id) => {
      const spec = presetSpec(id);
      const plan = planSweep(spec);
      if (!plan.ok) throw new Error(plan.errors.join('; '));
      const cost = sweepCost(spec)!;
      const planned = plan.value.stages.reduce((n, s) => n + s.work, 0);
      expect(cost.work).toBeGreaterThan(0);
      expect(planned).toBeCloseTo(cost.work, -3);
      expect(cost.runs).toBe(plan.value.runs.length);
      const count = (stage: string) =>
        plan.value.stages.filter((s) => s.stage === stage && s.work > 0).length;
      expect([cost.pretrains, cost.finetunes, cost.evals]).toEqual([
        count('pretrain'),
        count('finetune'),
        count('eval'),
      ]);
      // By kind, as the pool shares it: the same work, the same stages.
      const k = cost.byKind;
      expect(k.data.work + k.pretrain.work + k.finetune.work).toBeCloseTo(cost.work, -3);
      expect(k.pretrain.count).toBe(count('pretrain'));
      expect(k.finetune.count).toBe(count('finetune') + count('eval'));
    },
  );

  it('a pool of workers shares each kind of stage, never more than there are stages', () => {
    const c = sweepCost(presetSpec('plateau-toy'))!;
    const one = secondsAt(c, 1e9)!;
    const two = secondsAt(c, 1e9, 2)!;
    const k = c.byKind;
    expect(one).toBeCloseTo(c.work / 1e9, 6);
    // One pretraining stays whole; the 15 fine-tunes and 15 evaluations halve.
    expect(two).toBeCloseTo((k.data.work + k.pretrain.work + k.finetune.work / 2) / 1e9, 6);
    expect(secondsAt(c, null, 2)).toBeNull();
  });

  it('the plateau shares one world and one pretraining across its 15 runs', () => {
    const spec = presetSpec('plateau-toy');
    const c = sweepCost(spec)!;
    expect([c.runs, c.pretrains, c.finetunes, c.evals]).toEqual([15, 1, 15, 15]);
    const s = expandSweep(spec);
    if (!s.ok) throw new Error('preset does not expand');
    const first = s.value[0].spec;
    expect(c.tokens.pretrain).toBe(
      first.pretrain.steps * first.pretrain.batchSize * resolveModel(first).blockSize,
    );
  });

  it('leaves out the stages already done: a shipped base costs the default experiment nothing', () => {
    const spec = presetSpec('plateau-toy');
    const plan = planSweep(spec);
    if (!plan.ok) throw new Error(plan.errors.join('; '));
    const pretrain = plan.value.stages.find((s) => s.stage === 'pretrain')!;
    const all = sweepCost(spec)!;
    const rest = sweepCost(spec, new Set([pretrain.stageId]))!;
    expect([rest.pretrains, rest.finetunes, rest.evals, rest.ready]).toEqual([0, 15, 15, 1]);
    expect(rest.tokens.pretrain).toBe(0);
    expect(rest.work).toBeCloseTo(all.work - pretrain.work, -3);
    expect(rest.byKind.pretrain).toEqual({ work: 0, count: 0 });
    // Two workers: what is left is the fine-tunes and evaluations, halved, and the world.
    expect(secondsAt(rest, 1e9, 2)!).toBeCloseTo(
      (rest.byKind.data.work + rest.byKind.finetune.work / 2) / 1e9,
      6,
    );
    // Every stage done: nothing left to wait for.
    const done = sweepCost(spec, new Set(plan.value.stages.map((s) => s.stageId)))!;
    expect([done.work, done.ready]).toEqual([0, plan.value.stages.length]);
  });

  it('counts parameters as the model builds them', () => {
    for (const preset of Object.keys(MODEL_PRESETS)) {
      const spec = parse({ model: { preset } });
      const real = paramShapes(modelConfig(spec)).reduce(
        (n, [, shape]) => n + shape.reduce((a, b) => a * b, 1),
        0,
      );
      expect(specParams(spec), preset).toBe(real);
    }
  });

  it('training FLOPs per token: 6 per matmul weight plus attention', () => {
    const d = { nLayer: 2, nEmbd: 64, nHead: 4, blockSize: 128 };
    // SwiGLU hidden of 64 is 176 (8/3·64 rounded up to 16).
    const weights = 2 * (4 * 64 * 64 + 3 * 64 * 176) + 64 * 512;
    expect(trainFlopsPerToken(d, 512, 128)).toBe(6 * weights + 12 * 2 * 128 * 64);
  });

  it('in-context alignment trains nothing; fine-tuning pays for its dev-set choice', () => {
    const few = parse({ finetune: { method: 'few-shot' } });
    expect(stageCost('finetune', few).work).toBe(0);
    const withDev = parse({ eval: { devPrompts: 50 } });
    const without = parse({ eval: { devPrompts: 0 } });
    expect(stageCost('finetune', withDev).genTokens).toBeGreaterThan(0);
    expect(stageCost('finetune', withDev).work).toBeGreaterThan(
      stageCost('finetune', without).work,
    );
    // More examples, more steps: the work grows with the data.
    const small = parse({ finetune: { examples: 64, batchSize: 32 } });
    const large = parse({ finetune: { examples: 640, batchSize: 32 } });
    expect(stageCost('finetune', large).trainTokens).toBeCloseTo(
      10 * stageCost('finetune', small).trainTokens,
      -3,
    );
  });
});

function parse(input: object): Spec {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}
