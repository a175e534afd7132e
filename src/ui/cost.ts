// What a sweep will cost before it starts: runs, distinct stages, tokens and FLOPs, and time at a measured speed.
import { expandSweep, paramCount, resolveModel, type Run, type Spec } from '../spec';
import { duration, si } from './format';
import type { DeviceSpeed, SpeedSource } from './speed';

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

export interface TimeEstimate {
  /** "about 4 min on wasm", or what stands in for it when no speed is known. */
  text: string;
  /** Where the speed came from, in words; empty when there is no time. */
  note: string;
  source: SpeedSource | null;
}

/** The time line of the estimate: which backend, and whether its speed was measured or calibrated. */
export function timeEstimate(cost: SweepCost, device: DeviceSpeed): TimeEstimate {
  const seconds = device.backend ? secondsAt(cost, device.speed?.flopsPerSec ?? null) : null;
  if (seconds !== null && device.speed) {
    const rate = `${si(device.speed.flopsPerSec)} FLOP/s`;
    const note =
      device.speed.source === 'measured'
        ? `measured: ${rate} while a run trained on this device`
        : `calibrated: ${rate} from a few training steps of the toy model, a rough figure; larger models usually use more of the device's peak`;
    return {
      text: `about ${duration(seconds)} on ${device.backend}`,
      note,
      source: device.speed.source,
    };
  }
  if (device.calibrating && device.backend)
    return {
      text: `time: measuring the training speed of ${device.backend} on this device…`,
      note: '',
      source: null,
    };
  return { text: 'time: measured once a run has trained on this device', note: '', source: null };
}

export { params as specParams };
