// Evaluation: generate answers to eval prompts in batches, judge each, and summarise the scores.
import type { Tokenizer } from '../data/tokenizer';
import {
  cleanResponse,
  encodePrompt,
  stopIds,
  type AlignMethod,
  type ChatTemplate,
} from '../data/chat';
import { generate } from '../model/generate';
import type { Llama } from '../model/llama';
import { judge, statesFacts } from '../world/judge';
import type { Conversation, EvalItem } from '../world/types';
import { deriveSeed } from '../util/rng';
import type { Spec } from '../spec';
import type { Sample } from './api';

/** Prompts per generation batch: enough to amortise each step, small enough for the attention maps. */
const GEN_BATCH = 64;

export interface EvalPlan {
  method: AlignMethod;
  template: ChatTemplate;
  shots: Conversation[];
  sampling: Spec['eval'];
  samples: number;
  seed: number;
}

/** Generated tokens (stop tokens included) and the milliseconds spent generating them. */
export interface GenerationStats {
  tokens: number;
  ms: number;
}

/**
 * Every item answered `plan.samples` times, judged; the order of the items is kept. `stats`, if
 * given, accumulates the generation work.
 */
export async function answerAndJudge(
  model: Llama,
  tok: Tokenizer,
  items: EvalItem[],
  plan: EvalPlan,
  onBatch?: (done: number, total: number) => Promise<void> | void,
  stats?: GenerationStats,
): Promise<Sample[]> {
  const prompts = items.map((it) =>
    encodePrompt(it.turns, tok, plan.method, plan.shots, plan.template),
  );
  // Similar lengths together: less padding per batch.
  const order = items
    .map((_, i) => i)
    .sort((a, b) => prompts[a].length - prompts[b].length || a - b);
  const out: Sample[] = [];
  const total = items.length * plan.samples;
  for (let s = 0; s < plan.samples; s++) {
    for (let start = 0; start < order.length; start += GEN_BATCH) {
      const idx = order.slice(start, start + GEN_BATCH);
      const t0 = performance.now();
      const gens = await generate(
        model,
        idx.map((i) => prompts[i]),
        {
          temperature: plan.sampling.temperature,
          topP: plan.sampling.topP,
          repetitionPenalty: plan.sampling.repetitionPenalty,
          maxNewTokens: plan.sampling.maxNewTokens,
          stopIds: stopIds(tok, plan.method),
          seed: deriveSeed(plan.seed, 'generate', s, start),
        },
      );
      if (stats) {
        stats.ms += performance.now() - t0;
        for (const g of gens) stats.tokens += g.ids.length + (g.stopped ? 1 : 0);
      }
      gens.forEach((g, k) => {
        const item = items[idx[k]];
        const response = cleanResponse(tok.decode(g.ids), plan.method, g.stopped);
        const v = judge(item, response);
        const factsRight = statesFacts(item, response);
        out.push({
          promptId: item.id,
          task: item.task,
          turns: item.turns,
          sample: s,
          response,
          score: v.score,
          reason: v.reason,
          factsRight,
          chance: item.chance,
          stopped: g.stopped,
        });
      });
      await onBatch?.(out.length, total);
    }
  }
  const pos = new Map(items.map((it, i) => [it.id, i]));
  return out.sort((a, b) => pos.get(a.promptId)! - pos.get(b.promptId)! || a.sample - b.sample);
}
