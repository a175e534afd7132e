// Whether every evaluation prompt and its answer fit the context: a prompt is never cut, so a spec that does not fit is refused.
import { encodePrompt } from '../data/chat';
import type { Tokenizer } from '../data/tokenizer';
import { resolveModel, type Spec } from '../spec';
import { evalSet } from '../world/eval';
import type { World } from '../world/generate';
import { fewShotExamples } from '../world/sft';
import type { DataArtifact } from './api';
import { tokenizerOf, worldOf } from './data';

export interface PromptBudget {
  /** Tokens of the longest prompt the model is asked to continue. */
  longestPrompt: number;
  /** Tokens of the longest reference answer, its end-of-turn token included. */
  longestAnswer: number;
  /** The most a prompt plus its own reference answer needs. */
  longestTotal: number;
}

/** Token counts of the evaluation and dev prompts and their reference answers, as the model sees them. */
export function promptBudget(spec: Spec, world: World, tok: Tokenizer): PromptBudget {
  const method = spec.finetune.method;
  const shots = method === 'few-shot' ? fewShotExamples(world, spec) : [];
  const sets = evalSet(world, spec);
  let longestPrompt = 0;
  let longestAnswer = 0;
  let longestTotal = 0;
  for (const item of [...sets.test, ...sets.dialogue, ...sets.dev]) {
    const prompt = encodePrompt(item.turns, tok, method, shots, spec.data.template).length;
    const answer = tok.encode(` ${item.truth.reference}`).length + 1;
    longestPrompt = Math.max(longestPrompt, prompt);
    longestAnswer = Math.max(longestAnswer, answer);
    longestTotal = Math.max(longestTotal, prompt + answer);
  }
  return { longestPrompt, longestAnswer, longestTotal };
}

/**
 * Why the spec's evaluation cannot be run as asked, naming the knob to change, or null when every
 * prompt and a full reference-length answer fit the context and the answer budget.
 */
export function promptBudgetProblem(spec: Spec, world: World, tok: Tokenizer): string | null {
  const b = promptBudget(spec, world, tok);
  const blockSize = resolveModel(spec).blockSize;
  if (b.longestTotal > blockSize)
    return `an evaluation prompt and its answer need ${b.longestTotal} tokens but the context (model.blockSize) holds ${blockSize}: raise model.blockSize to at least ${b.longestTotal}${spec.eval.dialoguePrompts > 0 ? ', or set eval.dialoguePrompts to 0 (multi-turn prompts are the longest)' : ''}`;
  if (b.longestAnswer > spec.eval.maxNewTokens)
    return `the longest reference answer takes ${b.longestAnswer} tokens but eval.maxNewTokens is ${spec.eval.maxNewTokens}: raise eval.maxNewTokens to at least ${b.longestAnswer}`;
  return null;
}

/**
 * The same check from the data stage's artifact: the runner asks it for every run before any
 * training starts, so a spec whose prompts do not fit is refused in seconds, not after pretraining.
 */
export function promptFitProblem(spec: Spec, data: DataArtifact): string | null {
  return promptBudgetProblem(spec, worldOf(spec), tokenizerOf(data));
}
