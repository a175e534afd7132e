// `backend: auto` by measurement: wasm against a hardware GPU on the experiment's own model, the winner cached per device and model size.
import * as v from 'valibot';
import { resolveModel, type Spec } from '../spec';
import type { BackendName, BackendReport } from '../engine/api';
import type { SweepPlan } from './plan';
import { poolSize } from './workers/pool';
import { startProbeWorker } from './workers/start';

/** The backends a race compares: cpu is never faster than wasm, so it only serves where wasm is missing. */
export type Racer = 'wasm' | 'webgpu';

/**
 * Times one backend training the spec's model at its pretraining batch, in tokens/s (or throws).
 * `threads`: the wasm threads one engine worker will run (undefined: wasm's own default).
 */
export type Measure = (backend: Racer, spec: Spec, threads: number | undefined) => Promise<number>;

/** What the cache needs of the page's storage. */
export type KeyValue = Pick<Storage, 'getItem' | 'setItem'>;

/** Tokens/s of one candidate, or why it could not train (it then loses). */
export type Outcome = { tokensPerSec: number } | { error: string };

export interface AutoChoice {
  backend: BackendName;
  /** One sentence for the run view: what was timed (now or on a cached date), or why nothing raced. */
  reason: string;
  /** `probe`: no race (no hardware adapter, or no wasm); `race`: timed now; `cache`: an earlier race's winner. */
  how: 'probe' | 'race' | 'cache';
}

/** Two untimed steps compile shaders and fill caches; three timed ones give the rate. */
export const RACE_STEPS = 3;

/** Longest a candidate may take to time (start, warm-up and timed steps) before it loses. */
export const RACE_LIMIT_MS = 60_000;

const KEY_PREFIX = 'lima-lab:auto-backend:';

const Cached = v.object({
  winner: v.picklist(['wasm', 'webgpu']),
  wasm: v.pipe(v.number(), v.finite(), v.minValue(0)),
  webgpu: v.pipe(v.number(), v.finite(), v.minValue(0)),
  at: v.pipe(v.number(), v.finite()),
});
type Cached = v.InferOutput<typeof Cached>;

/**
 * Whether auto races here: wasm and a GPU adapter, a hardware one. A software adapter (SwiftShader,
 * llvmpipe) is far slower than wasm on any model, so it never races, except in a test that says so.
 */
export function racesHere(report: BackendReport, raceSoftware = false): boolean {
  return report.wasm.available && !!report.webgpu && (!report.webgpu.isFallback || raceSoftware);
}

/**
 * The cache key: a timing holds for this adapter, this wasm build on these cores, and this model
 * at this batch; change any of them and auto races again.
 */
export function cacheKey(report: BackendReport, spec: Spec, threads?: number): string {
  const gpu = report.webgpu;
  const m = resolveModel(spec);
  return (
    KEY_PREFIX +
    JSON.stringify({
      gpu: gpu ? [gpu.vendor, gpu.architecture, gpu.description] : null,
      wasm: [report.wasm.simd, report.wasm.threads, report.cpu.hardwareConcurrency, threads ?? 0],
      model: [m.nLayer, m.nEmbd, m.nHead, m.vocabSize, m.blockSize, m.tiedEmbeddings],
      batch: spec.pretrain.batchSize,
    })
  );
}

/** An earlier race's result, or null when there is none, or the storage fails or holds junk. */
export function readCached(storage: KeyValue | null, key: string): Cached | null {
  try {
    const raw = storage?.getItem(key);
    if (!raw) return null;
    const parsed = v.safeParse(Cached, JSON.parse(raw));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}

function writeCached(storage: KeyValue | null, key: string, value: Cached): void {
  try {
    storage?.setItem(key, JSON.stringify(value));
  } catch {
    // Full, disabled or private: the next sweep simply races again.
  }
}

/** The faster candidate; a failed one loses; null when both failed. Equal rates go to wasm. */
export function pick(wasm: Outcome, webgpu: Outcome): Racer | null {
  const rate = (o: Outcome) => ('tokensPerSec' in o ? o.tokensPerSec : -1);
  if (rate(wasm) < 0 && rate(webgpu) < 0) return null;
  return rate(webgpu) > rate(wasm) ? 'webgpu' : 'wasm';
}

function tokensText(x: number): string {
  return x >= 10 ? Math.round(x).toLocaleString('en-US') : x.toPrecision(2);
}

function gpuName(report: BackendReport): string {
  const g = report.webgpu;
  return (g && ([g.vendor, g.architecture].filter(Boolean).join(' ') || g.description)) || 'WebGPU';
}

/** "wasm trained at 3,100 tokens/s and the GPU (intel gen-12lp) trained at 900 tokens/s". */
function outcomesText(report: BackendReport, wasm: Outcome, webgpu: Outcome): string {
  const part = (name: string, o: Outcome) =>
    'tokensPerSec' in o
      ? `${name} trained at ${tokensText(o.tokensPerSec)} tokens/s`
      : `${name} failed (${o.error})`;
  return `${part('wasm', wasm)} and ${part(`the GPU (${gpuName(report)})`, webgpu)}`;
}

/** "B16×T128": the batch a race times, in sequences × tokens. */
export function shapeText(spec: Spec): string {
  return `B${spec.pretrain.batchSize}×T${resolveModel(spec).blockSize}`;
}

/** The first line of an error, short enough for a sentence. */
function errorText(e: unknown): string {
  const text = String((e as Error)?.message ?? e).split('\n')[0];
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}

async function outcomeOf(run: () => Promise<number>): Promise<Outcome> {
  try {
    const tokensPerSec = await run();
    if (!Number.isFinite(tokensPerSec) || tokensPerSec <= 0)
      return { error: `no rate (${tokensPerSec} tokens/s)` };
    return { tokensPerSec };
  } catch (e) {
    return { error: errorText(e) };
  }
}

/**
 * What `backend: auto` trains on. With wasm and a hardware GPU adapter, both train the spec's
 * model for a few steps and the faster by tokens/s wins (an integrated GPU can lose to the CPU on
 * a small model); the result is cached in `storage` and reused without timing. Otherwise the
 * probe's choice stands. `onRace` hears when a timing starts (it takes seconds).
 */
export async function chooseAuto(o: {
  report: BackendReport;
  spec: Spec;
  measure: Measure;
  storage: KeyValue | null;
  raceSoftware?: boolean;
  threads?: number;
  now?: number;
  onRace?: (text: string) => void;
}): Promise<AutoChoice> {
  const { report, spec } = o;
  if (!racesHere(report, o.raceSoftware))
    return { backend: report.chosen, reason: report.reason, how: 'probe' };
  const key = cacheKey(report, spec, o.threads);
  const shape = shapeText(spec);
  const cached = readCached(o.storage, key);
  if (cached) {
    const date = new Date(cached.at).toISOString().slice(0, 10);
    const figures = outcomesText(
      report,
      { tokensPerSec: cached.wasm },
      { tokensPerSec: cached.webgpu },
    );
    return {
      backend: cached.winner,
      reason: `auto chose ${cached.winner}: on this model (${shape}) ${figures} (measured on ${date}, cached)`,
      how: 'cache',
    };
  }
  o.onRace?.(`auto: timing wasm and the GPU (${gpuName(report)}) on this model (${shape})…`);
  // One after the other: side by side they would share the cores (a GPU's driver uses them too).
  const wasm = await outcomeOf(() => o.measure('wasm', spec, o.threads));
  const webgpu = await outcomeOf(() => o.measure('webgpu', spec, o.threads));
  const winner = pick(wasm, webgpu);
  const figures = outcomesText(report, wasm, webgpu);
  if (!winner)
    return {
      backend: report.chosen,
      reason: `auto could not time this model (${shape}): ${figures}; using ${report.chosen} (${report.reason})`,
      how: 'race',
    };
  // Only a race both finished is kept: a failure may be passing (a busy GPU), so it is tried again.
  if ('tokensPerSec' in wasm && 'tokensPerSec' in webgpu)
    writeCached(o.storage, key, {
      winner,
      wasm: wasm.tokensPerSec,
      webgpu: webgpu.tokensPerSec,
      at: o.now ?? Date.now(),
    });
  return {
    backend: winner,
    reason: `auto chose ${winner}: on this model (${shape}) ${figures}`,
    how: 'race',
  };
}

/**
 * The model a sweep races on: that of its stage with the most work still to do, where its time goes
 * (a cached or shipped pretraining costs nothing, so its batch must not decide).
 */
export function raceSpecOf(
  plan: Pick<SweepPlan, 'spec' | 'stages'>,
  cached: ReadonlySet<string> = new Set(),
): Spec {
  const most = plan.stages
    .filter((s) => !cached.has(s.stageId))
    .reduce<SweepPlan['stages'][number] | null>((a, s) => (a && a.work >= s.work ? a : s), null);
  return most?.spec ?? plan.spec;
}

/** The wasm threads one engine worker runs: one each when a pool of `workers` shares the cores (runner.ts). */
export function raceThreads(workers = poolSize('wasm')): number | undefined {
  return workers > 1 ? 1 : undefined;
}

/** The page's localStorage, or null where it is missing or refused (the race then runs every time). */
export function pageStorage(): KeyValue | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null;
  }
}

/**
 * Times one candidate in a fresh probe worker, ended afterwards, so neither backend's memory or
 * compiled state touches the other's; wasm runs the threads an engine worker of the pool will.
 */
export const measureInWorker: Measure = async (backend, spec, threads) => {
  const w = startProbeWorker(`race ${backend}`);
  // A candidate that hangs (a stuck GPU driver) or crawls loses instead of holding the sweep's start.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no result within ${RACE_LIMIT_MS / 1000} s`)),
      RACE_LIMIT_MS,
    );
  });
  const call = <T>(p: Promise<T>) => Promise.race([p, w.failed, limit]);
  try {
    if (backend === 'wasm' && threads) await call(w.remote.wasmThreads(threads));
    const r = await call(
      w.remote.benchTraining({
        backend,
        spec: { model: spec.model, data: spec.data },
        batchSize: spec.pretrain.batchSize,
        steps: RACE_STEPS,
      }),
    );
    return r.tokensPerSec;
  } finally {
    clearTimeout(timer);
    w.terminate();
  }
};
