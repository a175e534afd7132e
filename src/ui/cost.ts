// What a sweep will cost before it starts: runs, distinct stages, tokens and FLOPs, and time at a measured speed.
import { expandSweep, paramCount, resolveModel, type Run, type Spec } from '../spec';

export interface SweepCost {
  runs: number;
  /** Distinct stages to compute (shared ones once). */
  pretrains: number;
  finetunes: number;
  evals: number;
  /** Tokens processed: pretraining, fine-tuning (an upper bound: full-length rows) and generated at evaluation (up to the limit). */
  tokens: { pretrain: number; finetune: number; eval: number };
  /** Training FLOPs (6·N per token) and generation FLOPs (2·N per token). */
  trainFlops: number;
  evalFlops: number;
}

function params(spec: Spec): number {
  const m = resolveModel(spec);
  return paramCount(m, m.vocabSize, m.tiedEmbeddings);
}

/** The cost of a plan; shared stages count once, as the runner computes them once. */
export function planCost(runs: readonly Run[]): SweepCost {
  const seen = new Set<string>();
  const cost: SweepCost = {
    runs: runs.length,
    pretrains: 0,
    finetunes: 0,
    evals: 0,
    tokens: { pretrain: 0, finetune: 0, eval: 0 },
    trainFlops: 0,
    evalFlops: 0,
  };
  for (const run of runs) {
    const s = run.spec;
    const n = params(s);
    const block = resolveModel(s).blockSize;
    if (!seen.has(run.stages.pretrain)) {
      seen.add(run.stages.pretrain);
      cost.pretrains++;
      const t = s.pretrain.steps * s.pretrain.batchSize * block;
      cost.tokens.pretrain += t;
      cost.trainFlops += 6 * n * t;
    }
    if (!seen.has(run.stages.finetune)) {
      seen.add(run.stages.finetune);
      if (s.finetune.method === 'sft') {
        cost.finetunes++;
        const t = s.finetune.examples * s.finetune.epochs * (s.finetune.maxLength ?? block);
        cost.tokens.finetune += t;
        cost.trainFlops += 6 * n * t;
      }
    }
    if (!seen.has(run.stages.eval)) {
      seen.add(run.stages.eval);
      cost.evals++;
      const e = s.eval;
      const t = (e.prompts + e.devPrompts + e.dialoguePrompts) * e.samples * e.maxNewTokens;
      cost.tokens.eval += t;
      cost.evalFlops += 2 * n * t;
    }
  }
  return cost;
}

export function sweepCost(spec: Spec): SweepCost | null {
  const runs = expandSweep(spec);
  return runs.ok ? planCost(runs.value) : null;
}

/** Seconds at a measured FLOP rate (null when nothing was measured on this device yet). */
export function secondsAt(cost: SweepCost, flopsPerSec: number | null): number | null {
  if (!flopsPerSec || flopsPerSec <= 0) return null;
  return (cost.trainFlops + cost.evalFlops) / flopsPerSec;
}

export { params as specParams };
