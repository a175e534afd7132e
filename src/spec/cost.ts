// The one cost model: parameters, FLOPs per token and the work of each stage and sweep, for the editor, the runner and the bench.
import { ffnHidden, paramCount, type ModelDims } from './models';
import { resolveModel, type Spec } from './schema';
import { expandSweep, type Run, type Stage } from './sweep';

/** Stages that cost time: the world is built inside the data stage. */
export type WorkStage = Exclude<Stage, 'world'>;

export const WORK_STAGES: readonly WorkStage[] = ['data', 'pretrain', 'finetune', 'eval'];

/** Parameters of a spec's model, after its preset and overrides. */
export function specParams(spec: Pick<Spec, 'model' | 'data'>): number {
  const m = resolveModel(spec);
  return paramCount(m, m.vocabSize, m.tiedEmbeddings);
}

/** Weights that take part in a matmul per token: q, k, v, o, the SwiGLU, and the output head (tied or not). */
function matmulParams(d: ModelDims, vocabSize: number): number {
  const c = d.nEmbd;
  return d.nLayer * (4 * c * c + 3 * c * ffnHidden(c)) + c * vocabSize;
}

/**
 * Training FLOPs per token at context `seqLen`: 6 per matmul weight (forward and backward) plus
 * 12·L·T·C for attention's two products (PaLM's appendix B count). The bench's MFU, the measured
 * speed and the editor's time all use it, so a speed measured on one model predicts another.
 */
export function trainFlopsPerToken(d: ModelDims, vocabSize: number, seqLen: number): number {
  return 6 * matmulParams(d, vocabSize) + 12 * d.nLayer * seqLen * d.nEmbd;
}

/** The same for a spec's model at its full context. */
export function specFlopsPerToken(spec: Pick<Spec, 'model' | 'data'>, seqLen?: number): number {
  const m = resolveModel(spec);
  return trainFlopsPerToken(m, m.vocabSize, seqLen ?? m.blockSize);
}

/**
 * Generating a token costs a forward pass (a third of a training token) over a KV cache, but runs
 * as many small dispatches per token: per FLOP it is this many times slower than training. The
 * factor makes time per unit of work about the same in every kind of stage, which keeps the time
 * left steady when a sweep moves from training to generating.
 */
export const GENERATION_OVERHEAD = 4;

/** Validation points per training run (see engine/validation.ts) and rows per validation batch. */
const VALIDATION = { pretrain: 20, finetune: 10, rows: 16 };
/** The knowledge probe after pretraining: held-out people × attributes, prompts of about a context's half. */
const PROBE_PROMPTS = 25 * 6;
const PROBE_NEW_TOKENS = 8;

export interface StageCost {
  /** Tokens trained on (forward and backward). */
  trainTokens: number;
  /** Tokens generated (evaluation, dev-set checkpoint choice, knowledge probe). */
  genTokens: number;
  /** Training-equivalent FLOPs: what the stage costs at a device's training FLOP/s. */
  work: number;
}

/** Work of `prompts` generations of up to `newTokens` each after a prompt of `promptTokens`. */
function generation(spec: Spec, prompts: number, promptTokens: number, newTokens: number) {
  const m = resolveModel(spec);
  const tokens = prompts * (promptTokens + newTokens);
  const fpt = trainFlopsPerToken(m, m.vocabSize, Math.min(m.blockSize, promptTokens + newTokens));
  return { genTokens: prompts * newTokens, work: GENERATION_OVERHEAD * (fpt / 3) * tokens };
}

/** Fine-tuning's steps and dev-set scorings, as engine/sft-batches.ts and the engine schedule them. */
export function finetuneSchedule(spec: Spec): { steps: number; devScorings: number } {
  const f = spec.finetune;
  if (f.method !== 'sft') return { steps: 0, devScorings: 0 };
  // A short imported file trains on all it has, however many examples were asked for.
  const rows = Math.min(f.examples, spec.data.importedSft?.count ?? Infinity) + spec.data.dialogues;
  const every = Math.max(1, Math.ceil(f.epochs / 5));
  return {
    steps: Math.ceil(rows / f.batchSize) * f.epochs,
    devScorings: spec.eval.devPrompts > 0 ? Math.ceil(f.epochs / every) : 0,
  };
}

/** What one stage costs, computed once per distinct stage by the runner. */
export function stageCost(stage: WorkStage, spec: Spec): StageCost {
  const m = resolveModel(spec);
  const T = m.blockSize;
  const fpt = (t: number) => trainFlopsPerToken(m, m.vocabSize, t);
  const e = spec.eval;
  switch (stage) {
    case 'data':
      // Building the world, corpus and BPE tokenizer: roughly proportional to the corpus (a
      // biography of ~300 characters costs about 2e6, so an imported character about 7e3).
      return {
        trainTokens: 0,
        genTokens: 0,
        work:
          2e6 * spec.world.people * spec.data.augmentation +
          1e6 * spec.world.procedures +
          7e3 * (spec.data.importedCorpus?.bytes ?? 0),
      };
    case 'pretrain': {
      const p = spec.pretrain;
      const trainTokens = p.steps * p.batchSize * T;
      const validation = VALIDATION.pretrain * VALIDATION.rows * T * (fpt(T) / 3);
      const probe = generation(spec, PROBE_PROMPTS, T / 2, PROBE_NEW_TOKENS);
      return {
        trainTokens,
        genTokens: probe.genTokens,
        work: trainTokens * fpt(T) + validation + probe.work,
      };
    }
    case 'finetune': {
      const { steps, devScorings } = finetuneSchedule(spec);
      // In-context alignment trains nothing: no work, and no rate to learn from it.
      if (steps === 0) return { trainTokens: 0, genTokens: 0, work: 0 };
      // Each batch is cut to its longest example: about half the context.
      const t = Math.min(spec.finetune.maxLength ?? T, T) / 2;
      const trainTokens = steps * spec.finetune.batchSize * t;
      const validation = VALIDATION.finetune * e.devPrompts * t * (fpt(t) / 3);
      const dev = generation(spec, devScorings * e.devPrompts, T / 4, e.maxNewTokens);
      return {
        trainTokens,
        genTokens: dev.genTokens,
        work: trainTokens * fpt(t) + validation + dev.work,
      };
    }
    case 'eval': {
      // Few-shot prompts carry three examples: most of the context.
      const prompt = spec.finetune.method === 'few-shot' ? T / 2 : T / 4;
      const g = generation(
        spec,
        (e.prompts + e.dialoguePrompts) * e.samples,
        prompt,
        e.maxNewTokens,
      );
      return { trainTokens: 0, ...g };
    }
  }
}

export interface SweepCost {
  runs: number;
  /** Distinct stages to compute (shared ones once, in-context fine-tunes not counted). */
  pretrains: number;
  finetunes: number;
  evals: number;
  /** Tokens trained on, and generated, over the sweep. */
  tokens: { pretrain: number; finetune: number; generated: number };
  /** Stages left out because they are already done (cached, or a base the app ships). */
  ready: number;
  /** Training-equivalent FLOPs of every stage: the runner's total work. */
  work: number;
  /**
   * The work by kind of stage, and how many stages of each: stages of one kind do not wait on
   * each other, so the runner's pool of engine workers computes them at once (fine-tunes and
   * evaluations count as one kind; see runner/progress.ts).
   */
  byKind: Record<'data' | 'pretrain' | 'finetune', { work: number; count: number }>;
}

/**
 * The cost of a sweep's runs; shared stages count once, as the runner computes them once, and the
 * stages in `ready` (ids of stages already done) not at all.
 */
export function runsCost(runs: readonly Run[], ready: ReadonlySet<string> = new Set()): SweepCost {
  const seen = new Set<string>();
  const cost: SweepCost = {
    runs: runs.length,
    pretrains: 0,
    finetunes: 0,
    evals: 0,
    tokens: { pretrain: 0, finetune: 0, generated: 0 },
    ready: 0,
    work: 0,
    byKind: {
      data: { work: 0, count: 0 },
      pretrain: { work: 0, count: 0 },
      finetune: { work: 0, count: 0 },
    },
  };
  for (const run of runs) {
    for (const stage of WORK_STAGES) {
      const id = run.stages[stage];
      if (seen.has(id)) continue;
      seen.add(id);
      if (ready.has(id)) {
        cost.ready++;
        continue;
      }
      const c = stageCost(stage, run.spec);
      cost.work += c.work;
      const kind = cost.byKind[stage === 'eval' ? 'finetune' : stage];
      kind.work += c.work;
      if (c.work > 0) kind.count++;
      cost.tokens.generated += c.genTokens;
      if (stage === 'pretrain') {
        cost.pretrains++;
        cost.tokens.pretrain += c.trainTokens;
      } else if (stage === 'finetune' && c.trainTokens > 0) {
        cost.finetunes++;
        cost.tokens.finetune += c.trainTokens;
      } else if (stage === 'eval') cost.evals++;
    }
  }
  return cost;
}

/** The cost of a spec's whole sweep less the stages in `ready`, or null when the sweep is invalid. */
export function sweepCost(spec: Spec, ready?: ReadonlySet<string>): SweepCost | null {
  const runs = expandSweep(spec);
  return runs.ok ? runsCost(runs.value, ready) : null;
}

/**
 * Seconds for a sweep at a training rate in FLOP/s per engine worker (null without a rate), with
 * `workers` computing the stages of one kind at once.
 */
export function secondsAt(
  cost: Pick<SweepCost, 'byKind'>,
  flopsPerSec: number | null,
  workers = 1,
): number | null {
  if (!flopsPerSec || flopsPerSec <= 0) return null;
  let seconds = 0;
  for (const k of Object.values(cost.byKind))
    seconds += k.work / Math.max(1, Math.min(workers, k.count)) / flopsPerSec;
  return seconds;
}
