// The runner's public contract: sweep state for the UI, run results, the results file and the runner interface.
import type {
  BackendName,
  FactsSummary,
  KnowledgeProbe,
  LossPoint,
  Sample,
  ScoreSummary,
} from '../engine/api';
import type { Spec, StageIds, WorkStage } from '../spec';
import type { TaskType } from '../world/types';
import type { StorageInfo } from '../store/store';

/*
 * Where things live (import from `src/runner`):
 * - `runner.ts`  — `SweepRunner implements Runner`; `getRunner()` gives the page's single runner.
 * - `results.ts` — `parseResultsFile`, `mergeResultsFiles`, `resultsTable`, `resultsFileOf`.
 * - `link.ts`    — `summarizeForLink`, `decodeLinkSummary`.
 * - `plan.ts`    — `planSweep`, `shardRuns` (pure: also used by the command line and in Node).
 */

/** A deterministic slice of a sweep: shard k of n (1-based), so a room of laptops can split it. */
export interface Shard {
  k: number;
  n: number;
}

/**
 * One stage of the plan. Shared stages (one world, one pretraining for five fine-tuning sizes)
 * appear once, keyed by stage id, and list every run that needs them.
 */
/** Stages the runner schedules: the world is built inside the data stage (with the corpus and tokenizer). */
export type PlanStage = WorkStage;

export type StageStatus = 'cached' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface StageState {
  stage: PlanStage;
  stageId: string;
  status: StageStatus;
  /** Runs (ids) that need this stage. */
  runs: string[];
  step: number;
  totalSteps: number;
  /** 0..1 of this stage. */
  fraction: number;
  /** Estimated cost (training-equivalent FLOPs, spec/cost.ts): weights whole-sweep progress and time left. */
  work: number;
  /** Step it resumed from after a reload or crash (absent when it started fresh). */
  resumedFrom?: number;
  /** Set when it ran alone on a worker of its own with this many wasm threads (runner.ts). */
  threads?: number;
  loss?: number;
  tokensPerSec?: number;
  ms?: number;
  error?: string;
}

export type RunStatus = 'cached' | 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface RunState {
  id: string;
  /** The value each sweep axis took for this run, keyed by spec path. */
  point: Record<string, number | string | boolean>;
  /** Human-readable condition, e.g. "data.quality=unfiltered" (the examples axis has its own column). */
  condition: string;
  stages: StageIds;
  status: RunStatus;
}

export type SweepStatus =
  | 'idle'
  | 'running'
  | 'paused'
  | 'done'
  | 'cancelled'
  | 'failed'
  /** Another tab holds this sweep's lock: this tab mirrors its progress and runs nothing. */
  | 'locked-elsewhere';

export interface Message {
  level: 'info' | 'warning' | 'error';
  text: string;
  /** ms since epoch. */
  at: number;
}

export type { StorageInfo };

/** Stages computed vs taken from the cache in this session: proof that nothing was recomputed. */
export type StageCounters = Record<
  PlanStage,
  { computed: number; cached: number; resumed: number }
>;

/** Everything the UI shows about a sweep; replaced (never mutated) on every change. */
export interface SweepState {
  /** Content hash of the spec (sweep included): the same experiment always has the same id. */
  sweepId: string | null;
  spec: Spec | null;
  /** The spec's share-link payload (`encodeSpec`). */
  link: string | null;
  shard: Shard | null;
  status: SweepStatus;
  runs: RunState[];
  /** Keyed by stage id, in plan (execution) order. */
  stages: StageState[];
  /** 0..1 of the whole sweep's work, cached stages counting as done. */
  fraction: number;
  /** Estimated seconds left for the whole sweep; null until a rate is known. */
  etaSec: number | null;
  tokensPerSec: number | null;
  backend: BackendName | null;
  /**
   * Set when the sweep stopped because its WebGPU device was lost: the backend it can continue on
   * from the last checkpoints (start again with `{ backend: fallback }`).
   */
  fallback: 'wasm' | null;
  /** What runs the backend, e.g. "SIMD, 1 thread" for wasm or a GPU's name. */
  device: string | null;
  /** Why this backend: what `auto` timed (runner/race.ts) or the probe's reason. */
  backendReason: string | null;
  /** Engine workers computing independent stages at once (time left divides their work). */
  workers: number;
  /** Loss curves of training stages, keyed by stage id: live points (lr and tokens NaN) while running, the stored curve once done. */
  curves: Record<string, LossPoint[]>;
  /** Results of finished runs, keyed by run id (cached ones included). */
  results: Record<string, RunResult>;
  counters: StageCounters;
  messages: Message[];
  storage: StorageInfo | null;
}

/** One finished run: everything needed to chart, table, compare and re-check it. */
export interface RunResult {
  runId: string;
  point: Record<string, number | string | boolean>;
  condition: string;
  spec: Spec;
  stages: StageIds;
  /** Backend the training and evaluation actually ran on. */
  backend: BackendName;
  summary: ScoreSummary;
  byTask: Partial<Record<TaskType, ScoreSummary>>;
  samples: Sample[];
  lossCurves: { pretrain: LossPoint[]; finetune: LossPoint[] };
  /** The pretrained model's knowledge probe (absent in results from before it existed). */
  knowledge?: KnowledgeProbe;
  /** Milliseconds per stage when it was computed (a cached stage keeps its original time). */
  timings: Partial<Record<PlanStage, number>>;
  /** Set when a training stage's loss became NaN/Inf. */
  diverged?: { stage: PlanStage; step: number; message: string };
  finishedAt: number;
}

export const RESULTS_FORMAT = 'lima-lab-results';
export const RESULTS_VERSION = 1;

/**
 * What `npm run lab` writes, the UI exports, workshop participants send and `merge` combines.
 * Validated with valibot on load (`parseResultsFile`).
 */
export interface ResultsFile {
  format: typeof RESULTS_FORMAT;
  version: typeof RESULTS_VERSION;
  /** The spec's share-link payload: files merge only when it is the same. */
  link: string;
  sweepId: string;
  spec: Spec;
  /** null = the whole sweep; a merged file has the shards it combines. */
  shard: Shard | null;
  /** Runs the sweep has in all (so a merge can say what is missing). */
  totalRuns: number;
  runs: RunResult[];
  createdAt: string;
}

/** A line of the plain results table: one condition (seeds pooled). */
export interface TableRow {
  condition: string;
  /** Fine-tuning examples (0 for in-context methods). */
  examples: number;
  mean: number;
  ci95: number;
  /** Judged responses pooled over seeds. */
  n: number;
  /** Share of responses scored 6. */
  excellent: number;
  seeds: number;
  /** Held-out facts right over the pooled answers (absent for results from before it existed). */
  facts?: FactsSummary;
  /** Multi-turn prompts alone (LIMA §6 reports their share of excellent responses). */
  dialogue?: { mean: number; excellent: number; n: number };
}

/** A few numbers per run, small enough to ride in a share link beside the spec. */
export interface LinkSummary {
  sweepId: string;
  backend: BackendName;
  runs: { runId: string; mean: number; ci95: number; n: number; excellent: number }[];
}

export interface StartOptions {
  shard?: Shard | null;
  /**
   * Run every stage on this backend, whatever the spec says; stage ids stay the spec's, so a
   * sweep whose GPU was lost resumes from its checkpoints (see `SweepState.fallback`).
   */
  backend?: BackendName;
}

export type Listener = (state: SweepState) => void;

/** The runner the UI talks to (main thread). */
export interface Runner {
  readonly state: SweepState;
  /** Called at once with the current state, then on every change; returns the unsubscribe. */
  subscribe(listener: Listener): () => void;
  /**
   * Plans the sweep, takes what the cache holds, computes the rest; resolves when the sweep
   * ends (done, cancelled or failed — see `state`). If another tab runs the same sweep, this
   * tab mirrors it (status 'locked-elsewhere') and resolves when that tab finishes.
   */
  start(spec: Spec, options?: StartOptions): Promise<SweepState>;
  pause(): void;
  resume(): void;
  cancel(): void;
  /** Shows what the cache already holds for this spec, computing nothing. */
  loadCached(spec: Spec, options?: StartOptions): Promise<SweepState>;
  /** The sweep this browser was running when the page closed or reloaded (to offer a resume). */
  interrupted(): Promise<{ spec: Spec; shard: Shard | null } | null>;
  /** The finished runs of the current sweep as a results file. */
  exportResults(): ResultsFile | null;
}
