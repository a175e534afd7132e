// No preset cuts an evaluation prompt: every prompt, its answer and the answer budget fit the context.
import { describe, expect, it } from 'vitest';
import { expandSweep, PRESETS, presetSpec, resolveModel, type Spec } from '../../src/spec';
import { buildData, tokenizerOf, worldOf } from '../../src/engine/data';
import { promptBudget, promptBudgetProblem } from '../../src/engine/prompts';

/** The distinct ways a preset's runs tokenize and prompt (data, context, method, eval settings). */
function distinctRuns(id: string): Spec[] {
  const runs = expandSweep(presetSpec(id));
  if (!runs.ok) throw new Error(runs.errors.join('; '));
  const seen = new Map<string, Spec>();
  for (const { spec, stages } of runs.value) {
    const key = JSON.stringify([
      stages.data,
      resolveModel(spec).blockSize,
      spec.finetune,
      spec.eval,
    ]);
    if (!seen.has(key)) seen.set(key, spec);
  }
  return [...seen.values()];
}

describe('presets', () => {
  it('include the in-context comparison, whose few-shot prompts are the longest', () => {
    const ids = PRESETS.filter((p) =>
      distinctRuns(p.id).some((s) => s.finetune.method === 'few-shot'),
    ).map((p) => p.id);
    expect(ids.sort()).toEqual(['in-context', 'in-context-toy']);
  });

  it.each(PRESETS.map((p) => p.id))(
    '%s: every evaluation prompt and a full answer fit the context, uncut',
    (id) => {
      for (const spec of distinctRuns(id)) {
        const tok = tokenizerOf(buildData(spec));
        expect(promptBudgetProblem(spec, worldOf(spec), tok)).toBeNull();
        const b = promptBudget(spec, worldOf(spec), tok);
        expect(b.longestTotal).toBeLessThanOrEqual(resolveModel(spec).blockSize);
        expect(b.longestAnswer).toBeLessThanOrEqual(spec.eval.maxNewTokens);
      }
    },
    120_000,
  );

  it('a context too short for the prompts is refused, naming the knob', () => {
    const spec = presetSpec('plateau-toy');
    const tok = tokenizerOf(buildData(spec));
    const short = { ...spec, model: { ...spec.model, blockSize: 64 } };
    expect(promptBudgetProblem(short, worldOf(spec), tok)).toMatch(
      /model\.blockSize to at least \d+/,
    );
    const tight = { ...spec, eval: { ...spec.eval, maxNewTokens: 8 } };
    expect(promptBudgetProblem(tight, worldOf(spec), tok)).toMatch(
      /eval\.maxNewTokens to at least \d+/,
    );
  });
});
