// Every preset that prompts a base model with examples gives it a context that holds them, the question and the answer.
import { describe, expect, it } from 'vitest';
import { expandSweep, PRESETS, presetSpec, resolveModel } from '../../src/spec';
import { buildData, tokenizerOf, worldOf } from '../../src/engine/data';
import { encodePrompt } from '../../src/data/chat';
import { evalSet } from '../../src/world/eval';
import { fewShotExamples } from '../../src/world/sft';

const fewShot = PRESETS.filter((p) => {
  const runs = expandSweep(presetSpec(p.id));
  return runs.ok && runs.value.some((r) => r.spec.finetune.method === 'few-shot');
});

describe('in-context presets', () => {
  it('exist (the URIAL comparison is in the gallery)', () => {
    expect(fewShot.map((p) => p.id).sort()).toEqual(['in-context', 'in-context-toy']);
  });

  it.each(fewShot.map((p) => p.id))(
    '%s: the longest few-shot prompt plus the answer budget fits the context',
    (id) => {
      const spec = presetSpec(id);
      const tok = tokenizerOf(buildData(spec));
      const shots = fewShotExamples(worldOf(spec), spec);
      const longest = Math.max(
        ...evalSet(worldOf(spec), spec).test.map(
          (item) => encodePrompt(item.turns, tok, 'few-shot', shots).length,
        ),
      );
      expect(longest + spec.eval.maxNewTokens).toBeLessThanOrEqual(resolveModel(spec).blockSize);
    },
    60_000,
  );
});
