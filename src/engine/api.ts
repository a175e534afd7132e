// The typed contract between the page (runner, UI) and the engine worker: only plain data and buffers cross.
import type { ImportKind, Spec } from '../spec';
import type { Control, LossPoint, Progress } from '../train/types';
import type { FactsSummary, ScoreSummary } from '../world/stats';
import type { Score, TaskType } from '../world/types';

// Defined in the layer that produces them; the page reads them from here.
export type { Control, FactsSummary, LossPoint, Progress, ScoreSummary };

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface WebGpuReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (e.g. SwiftShader) or fallback adapter: correct but slow. */
  isFallback: boolean;
  shaderF16: boolean;
  limits: {
    maxBufferSize: number;
    maxStorageBufferBindingSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
  };
}

export interface BackendReport {
  context: 'page' | 'worker' | 'node';
  /** null with a reason when no adapter could be had. */
  webgpu: WebGpuReport | null;
  webgpuError?: string;
  wasm: { available: boolean; simd: boolean; threads: boolean; crossOriginIsolated: boolean };
  cpu: { available: true; hardwareConcurrency: number };
  /** The backend training would use, and why. */
  chosen: BackendName;
  reason: string;
}

/** World + corpus + tokenizer: cheap to rebuild, the tokenizer is cached. */
export interface DataArtifact {
  stageId: string;
  /** The serialized tokenizer. */
  tokenizer: Uint8Array;
  stats: Record<string, number>;
  ms: number;
}

/** Weights and optimizer state, taken during or at the end of training. */
export interface Checkpoint {
  stageId: string;
  backend: BackendName;
  step: number;
  totalSteps: number;
  weights: ArrayBuffer;
  /** AdamW moments and step count; absent in a final, weights-only checkpoint. */
  optimizer?: ArrayBuffer;
  lossCurve: LossPoint[];
}

/** Pretraining's knowledge probe: held-out facts the base model completes from its training text. */
export interface KnowledgeProbe {
  /** Held-out facts completed inside the model's own biography text (an upper bound). */
  recalled: number;
  total: number;
  /**
   * Chance level of both probes' shares: stating a random person's value of the asked attribute
   * (absent in older results).
   */
  chance?: number;
  /**
   * The same facts asked as a plain-text question in a fresh context ("Q: When was … born?\nA:"):
   * what the base can state when asked, before any fine-tuning (absent in older results).
   */
  asked?: { recalled: number; total: number; chance?: number };
  /**
   * The base model answering held-out test prompts in the chat template before any fine-tuning
   * (greedy): LIMA's premise is a base that knows but is not aligned (absent in older results).
   */
  zeroShot?: ScoreSummary;
  /**
   * Held-out procedures whose steps the base states in order: continuing its own text cut before
   * the first step (recalled), and asked in plain text (asked); chance is a random procedure's
   * steps (absent in older results).
   */
  procedures?: { recalled: number; asked: number; total: number; chance: number };
}

export interface TrainResult {
  checkpoint: Checkpoint;
  lossCurve: LossPoint[];
  backend: BackendName;
  ms: number;
  tokensPerSec: number;
  /** Set when the loss became NaN/Inf: the run stopped there. */
  diverged?: { step: number; message: string };
  /**
   * Fine-tuning: the mean dev-set judge score at each candidate checkpoint; the returned
   * checkpoint is the best of them (its `step` says which), as LIMA chose on its dev set.
   */
  dev?: { step: number; score: number }[];
  /** Pretraining: the knowledge probe of the final model (see engine/knowledge.ts). */
  knowledge?: KnowledgeProbe;
}

export interface Sample {
  promptId: string;
  task: TaskType;
  /** The conversation so far; the response answers its last (user) turn. */
  turns: string[];
  sample: number;
  response: string;
  score: Score;
  reason: string;
  /** Every asked fact stated, the asked person named, no wrong value (absent in older results). */
  factsRight?: boolean;
  /** The chance of factsRight by answering about a random entity. */
  chance?: number;
  /** Ended by a stop token (EOT after SFT) rather than the token budget (absent in older results). */
  stopped?: boolean;
}

export interface EvalResult {
  stageId: string;
  backend: BackendName;
  samples: Sample[];
  summary: ScoreSummary;
  byTask: Partial<Record<TaskType, ScoreSummary>>;
  ms: number;
  /** Tokens generated per second of generation (stop tokens included; absent in older records). */
  tokensPerSec?: number;
}

/** An imported file's text, handed to the engine by the runner; the engine checks it against `hash`. */
export interface ImportFile {
  kind: ImportKind;
  /** Hex SHA-256 of the text's UTF-8 bytes, as the spec names it. */
  hash: string;
  name: string;
  text: string;
}

/** Callbacks the page passes (wrapped in comlink `proxy`). */
export interface Hooks {
  onProgress(p: Progress): void;
  /** Called with a resumable checkpoint every so often; the runner stores it. */
  onCheckpoint?(c: Checkpoint): void | Promise<void>;
}

/** The start of the message a stage ends with when its WebGPU device is lost (see Engine). */
export const DEVICE_LOST = 'the WebGPU device was lost';

/**
 * The probe worker's API: what a worker can run, a numeric self-test, and the benchmarks behind the
 * editor's estimate and `npm run bench` (each starts the backend it names).
 */
export interface ProbeApi {
  probe(wanted?: BackendName | 'auto'): Promise<BackendReport>;
  selfTest: typeof import('./selftest').selfTest;
  benchTraining: typeof import('./bench').benchTraining;
  matmulPeak: typeof import('./bench').matmulPeak;
  wasmThreads: typeof import('./bench').wasmThreads;
  benchFinetune: typeof import('./bench-finetune').benchFinetune;
  benchDispatches: typeof import('./gpu-bench').benchDispatches;
}

/**
 * What the engine worker exposes. Every stage is a function of the spec, its inputs and the
 * imported files last handed to `useImports` (which the spec names by content hash, so a stage
 * never reads a file other than the one its id was made from); on one backend, the same call
 * gives the same numbers.
 */
export interface EngineApi {
  /** The backends this context can run, and the one `wanted` resolves to (the pinned one, if any). */
  probe(wanted?: BackendName | 'auto'): Promise<BackendReport>;
  /**
   * Every stage from now on runs on this backend whatever its spec says (null: the spec's). A
   * sweep continued on wasm after its GPU was lost keeps its stage ids, so it resumes from the
   * checkpoints the GPU left; each stage still records the backend it finished on.
   */
  pin(backend: BackendName | null): Promise<void>;
  /**
   * The wasm threads this worker's backend runs, set before its first start: one each when several
   * workers share the cores (runner/pool.ts); no effect once wasm has started in this worker.
   */
  threads(n: number): Promise<void>;
  /**
   * The imported files the next stages read: each is verified against its hash and parsed once,
   * and replaces what an earlier call handed over. Returns the documents / conversations of each.
   */
  useImports(files: ImportFile[]): Promise<{ hash: string; kind: ImportKind; count: number }[]>;
  buildData(spec: Spec, hooks: Hooks): Promise<DataArtifact>;
  pretrain(
    spec: Spec,
    data: DataArtifact,
    resume: Checkpoint | null,
    hooks: Hooks,
  ): Promise<TrainResult>;
  finetune(
    spec: Spec,
    data: DataArtifact,
    base: Checkpoint,
    resume: Checkpoint | null,
    hooks: Hooks,
  ): Promise<TrainResult>;
  /** Evaluates a fine-tuned model, or (for in-context methods) the base model with a prompt. */
  evaluate(spec: Spec, data: DataArtifact, model: Checkpoint, hooks: Hooks): Promise<EvalResult>;
  /** Pause, resume or cancel the stage in progress and those after it, or reset for a new sweep; acts within one step. */
  control(command: Control): void;
}
