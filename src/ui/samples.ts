// The samples view's choices: which run it opens on, and the exact prompt each answer continued.
import type { RunResult } from '../runner/types';
import { examplesOf } from '../runner/plan';
import { promptText } from '../data/chat';
import { buildWorld } from '../world';
import { fewShotExamples } from '../world/sft';
import type { Conversation } from '../world/types';

/**
 * The run a newcomer learns most from: the most fine-tuning (or in-context) examples, and of
 * those the best-scoring; the earliest in plan order when they tie.
 */
export function mostInformativeRun(results: readonly RunResult[]): RunResult | undefined {
  let best: RunResult | undefined;
  for (const r of results) {
    if (!best) best = r;
    else {
      const d = examplesOf(r.spec) - examplesOf(best.spec);
      if (d > 0 || (d === 0 && r.summary.mean > best.summary.mean)) best = r;
    }
  }
  return best;
}

const shotsCache = new WeakMap<RunResult['spec'], Conversation[]>();

/** The context the model continued for these turns, as the engine built it (template, shots and all). */
export function promptSeen(run: RunResult, turns: readonly string[]): string {
  const spec = run.spec;
  const method = spec.finetune.method;
  let shots: Conversation[] = [];
  if (method === 'few-shot') {
    shots = shotsCache.get(spec) ?? fewShotExamples(buildWorld(spec), spec);
    shotsCache.set(spec, shots);
  }
  return promptText(turns, method, shots, spec.data.template);
}
