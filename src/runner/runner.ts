// The sweep runner on the main thread: plan, cache, one engine worker, progress and time left, one tab per sweep.
import type { BackendName, Progress } from '../engine/api';
import type { Spec } from '../spec';
import { Store, requestPersistence } from '../store/store';
import { MissingImportError } from '../spec';
import { asPlanned, CancelledSweep, Executor, type ExecEvent } from './execute';
import { missingImports, neededImports } from './imports';
import { PLAN_STAGES, planSweep, type SweepPlan } from './plan';
import { sweepEta, sweepFraction } from './progress';
import { resultsFileOf } from './results';
import type {
  Listener,
  Message,
  ResultsFile,
  RunResult,
  Runner,
  Shard,
  StageCounters,
  StageState,
  StartOptions,
  SweepState,
} from './types';
import { WorkerHost, WorkerLostError } from './worker-host';

export interface RunnerOptions {
  /** IndexedDB name (tests use their own). */
  dbName?: string;
  /** Checkpoint budget in bytes. */
  budget?: number;
  /** Silence after which the engine worker counts as dead (see WorkerHost). */
  stallMs?: number;
}

const CHANNEL = 'lima-lab-runner';

function emptyCounters(): StageCounters {
  return Object.fromEntries(
    PLAN_STAGES.map((s) => [s, { computed: 0, cached: 0, resumed: 0 }]),
  ) as StageCounters;
}

export function idleState(): SweepState {
  return {
    sweepId: null,
    spec: null,
    link: null,
    shard: null,
    status: 'idle',
    runs: [],
    stages: [],
    fraction: 0,
    etaSec: null,
    tokensPerSec: null,
    backend: null,
    device: null,
    curves: {},
    results: {},
    counters: emptyCounters(),
    messages: [],
    storage: null,
  };
}

type ChannelMessage =
  | { type: 'state'; sweepId: string; state: SweepState }
  | { type: 'command'; sweepId: string; command: 'pause' | 'resume' | 'cancel' };

const FINAL = new Set(['done', 'cancelled', 'failed']);

export class SweepRunner implements Runner {
  state: SweepState = idleState();
  private readonly listeners = new Set<Listener>();
  private store: Promise<Store<RunResult>> | null = null;
  private host: WorkerHost | null = null;
  private executor: Executor | null = null;
  private channel: BroadcastChannel | null = null;
  /** Per stage: ms spent computing it in this session (for the time-left estimate). */
  private readonly spent = new Map<string, { start: number; ms: number }>();
  private lastBroadcast = 0;

  constructor(private readonly o: RunnerOptions = {}) {
    if (typeof BroadcastChannel !== 'undefined') {
      this.channel = new BroadcastChannel(CHANNEL);
      this.channel.onmessage = (e: MessageEvent<ChannelMessage>) => this.onChannel(e.data);
    }
  }

  /** The engine worker, for diagnostics (and for tests that kill it); null between sweeps. */
  get engineWorker(): Worker | null {
    return this.host?.worker ?? null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<SweepState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
    this.broadcast();
  }

  private say(level: Message['level'], text: string): void {
    this.set({ messages: [...this.state.messages, { level, text, at: Date.now() }] });
  }

  private openStore(): Promise<Store<RunResult>> {
    this.store ??= Store.open<RunResult>({
      name: this.o.dbName,
      budget: this.o.budget,
      onDropped: (text) => this.say('warning', text),
    });
    return this.store;
  }

  /** The sweep this browser was running when the page was closed or reloaded, if any. */
  async interrupted(): Promise<{ spec: Spec; shard: Shard | null } | null> {
    const rec = await (await this.openStore()).latestSweep();
    return rec && (rec.status === 'running' || rec.status === 'paused')
      ? { spec: rec.spec, shard: rec.shard }
      : null;
  }

  /** Plans a sweep and fills the state from the cache, computing nothing. */
  private async prepare(spec: Spec, shard: Shard | null): Promise<SweepPlan | null> {
    const planned = planSweep(spec, shard);
    if (!planned.ok) {
      this.state = idleState();
      this.set({ spec, shard, status: 'failed' });
      for (const e of planned.errors) this.say('error', e);
      return null;
    }
    const plan = planned.value;
    const store = await this.openStore();
    const classifier = new Executor(
      {
        useImports: never,
        buildData: never,
        pretrain: never,
        finetune: never,
        evaluate: never,
        control: () => {},
      },
      store,
      { onEvent: () => {} },
    );
    const statuses = await classifier.classify(plan);
    const counters = emptyCounters();
    const stages: StageState[] = plan.stages.map((s) => {
      const cached = statuses.get(s.stageId) === 'cached';
      if (cached) counters[s.stage].cached++;
      return {
        stage: s.stage,
        stageId: s.stageId,
        status: cached ? 'cached' : 'queued',
        runs: s.runs,
        step: 0,
        totalSteps: 0,
        fraction: cached ? 1 : 0,
        work: s.work,
      };
    });
    const results: Record<string, RunResult> = {};
    for (const r of plan.runs) {
      if (statuses.get(r.stages.eval) !== 'cached') continue;
      const rec = await store.getRun(r.id);
      if (rec) results[r.id] = asPlanned(rec.result, r);
    }
    this.spent.clear();
    this.state = {
      ...idleState(),
      sweepId: plan.sweepId,
      spec,
      link: plan.link,
      shard,
      runs: plan.runs.map((r) => ({
        id: r.id,
        point: r.point,
        condition: r.condition,
        stages: r.stages,
        status: results[r.id] ? 'cached' : 'queued',
      })),
      stages,
      results,
      counters,
      storage: await store.storageInfo(),
    };
    this.set({ fraction: sweepFraction(this.state.stages) });
    return plan;
  }

  async loadCached(spec: Spec, options: StartOptions = {}): Promise<SweepState> {
    const plan = await this.prepare(spec, options.shard ?? null);
    if (plan && this.state.runs.every((r) => r.status === 'cached')) this.set({ status: 'done' });
    return this.state;
  }

  async start(spec: Spec, options: StartOptions = {}): Promise<SweepState> {
    if (this.state.status === 'running' || this.state.status === 'paused')
      throw new Error('a sweep is already running in this tab');
    const shard = options.shard ?? null;
    const plan = await this.prepare(spec, shard);
    if (!plan) return this.state;
    const locks = (globalThis as { navigator?: Navigator }).navigator?.locks;
    if (!locks) return this.execute(plan);
    const name = `lima-lab:sweep:${plan.sweepId}:${shard ? `${shard.k}/${shard.n}` : 'all'}`;
    let mine = false;
    await locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) return;
      mine = true;
      await this.execute(plan);
    });
    if (mine) return this.state;
    // Another tab runs this sweep: show its progress, and take over if it goes away unfinished.
    this.set({ status: 'locked-elsewhere' });
    this.say('info', 'This sweep is running in another tab; this tab shows its progress.');
    await locks.request(name, async () => {
      const after = await this.prepare(spec, shard);
      if (after && after.runs.some((r) => !this.state.results[r.id])) await this.execute(after);
      else if (after) this.set({ status: 'done' });
    });
    return this.state;
  }

  private async execute(plan: SweepPlan): Promise<SweepState> {
    const store = await this.openStore();
    if (!this.state.storage?.persisted) void requestPersistence();
    const todo = this.state.stages.filter((s) => s.status !== 'cached');
    // The sweep record only offers a resume after a reload: failing to write it must not stop the sweep.
    const record = async (status: 'running' | 'paused' | 'done' | 'cancelled' | 'failed') => {
      try {
        await store.putSweep({
          sweepId: plan.sweepId,
          spec: plan.spec,
          shard: plan.shard,
          status,
          updatedAt: Date.now(),
        });
      } catch (e) {
        this.say(
          'warning',
          `could not note the sweep for a resume after reload: ${(e as Error).message}`,
        );
      }
    };
    if (todo.length === 0) {
      this.set({ status: 'done', fraction: 1, etaSec: 0 });
      this.say('info', 'Everything in this sweep was already computed: shown from the cache.');
      await record('done');
      return this.state;
    }
    const statuses = new Map(
      this.state.stages.map((s) => [s.stageId, s.status as 'cached' | 'queued']),
    );
    // A file named by a shared link may never have been imported here: say which, before any work.
    const missing = await missingImports(store, neededImports(plan, statuses));
    if (missing.length) {
      this.set({ status: 'failed', etaSec: null });
      this.say('error', new MissingImportError(missing).message);
      return this.state;
    }
    await record('running');
    this.set({ status: 'running' });
    if (!this.host?.alive) this.host = new WorkerHost({ stallMs: this.o.stallMs ?? 300_000 });
    const engine = this.host.engine();
    try {
      const report = await engine.probe(plan.spec.backend);
      this.set({ backend: report.chosen, device: deviceOf(report.chosen, report) });
      this.executor = new Executor(engine, store, { onEvent: (e) => this.onEvent(e) });
      await this.executor.run(plan, statuses);
      this.set({ status: 'done', fraction: 1, etaSec: 0 });
      await record('done');
    } catch (e) {
      if (e instanceof CancelledSweep || (e as Error).name === 'CancelledSweep') {
        this.set({ status: 'cancelled', etaSec: null });
        this.say('info', `Cancelled. ${this.keptText()}`);
        await record('cancelled');
      } else {
        this.set({ status: 'failed', etaSec: null });
        const lost = e instanceof WorkerLostError || (e as Error).name === 'WorkerLostError';
        this.say(
          'error',
          lost
            ? `${(e as Error).message}. Nothing is lost: ${this.keptText()} Press Run to resume from the last checkpoint.`
            : `The sweep stopped: ${(e as Error).message || (e as Error).name || String(e)}. ${this.keptText()}`,
        );
        await record('failed');
        if (lost) this.host = null;
      }
    } finally {
      this.executor = null;
      this.set({ storage: await store.storageInfo() });
    }
    return this.state;
  }

  private keptText(): string {
    const done = this.state.stages.filter((s) => s.status === 'done' || s.status === 'cached');
    const runs = Object.keys(this.state.results).length;
    return `${done.length} of ${this.state.stages.length} stages and ${runs} finished runs are kept.`;
  }

  private patchStage(stageId: string, patch: Partial<StageState>): StageState[] {
    return this.state.stages.map((s) => (s.stageId === stageId ? { ...s, ...patch } : s));
  }

  private onEvent(e: ExecEvent): void {
    const now = performance.now();
    switch (e.type) {
      case 'stage-start': {
        const stage = this.state.stages.find((s) => s.stageId === e.stageId)!;
        this.spent.set(e.stageId, { start: now, ms: 0 });
        const counters = structuredClone(this.state.counters);
        counters[stage.stage].computed++;
        if (e.resumedFrom !== undefined) counters[stage.stage].resumed++;
        this.set({
          counters,
          stages: this.patchStage(e.stageId, {
            status: 'running',
            resumedFrom: e.resumedFrom,
            step: e.resumedFrom ?? 0,
          }),
          runs: this.state.runs.map((r) =>
            Object.values(r.stages).includes(e.stageId) && r.status === 'queued'
              ? { ...r, status: 'running' }
              : r,
          ),
        });
        if (e.resumedFrom !== undefined)
          this.say(
            'info',
            `${stage.stage} ${e.stageId.slice(0, 8)} resumes from step ${e.resumedFrom}.`,
          );
        break;
      }
      case 'progress':
        this.onProgress(e.stageId, e.progress, now);
        break;
      case 'stage-done': {
        const t = this.spent.get(e.stageId);
        if (t) t.ms = now - t.start;
        this.set({
          stages: this.patchStage(e.stageId, { status: 'done', fraction: 1, ms: e.ms }),
          ...(e.tokensPerSec ? { tokensPerSec: e.tokensPerSec } : {}),
          ...(e.backend ? { backend: e.backend } : {}),
          ...(e.lossCurve ? { curves: { ...this.state.curves, [e.stageId]: e.lossCurve } } : {}),
        });
        this.set({
          fraction: sweepFraction(this.state.stages),
          etaSec: sweepEta(this.state.stages, this.spent),
        });
        break;
      }
      case 'stage-failed':
        this.set({
          stages: this.patchStage(e.stageId, {
            status: e.cancelled ? 'cancelled' : 'failed',
            error: e.cancelled ? undefined : e.error,
          }),
        });
        break;
      case 'run-done':
        this.set({
          results: { ...this.state.results, [e.result.runId]: e.result },
          runs: this.state.runs.map((r) =>
            r.id === e.result.runId
              ? { ...r, status: r.status === 'cached' ? 'cached' : 'done' }
              : r,
          ),
        });
        break;
      case 'warning':
        this.say('warning', e.text);
        break;
      case 'run-failed':
        this.set({
          runs: this.state.runs.map((r) => (r.id === e.runId ? { ...r, status: 'failed' } : r)),
        });
        break;
    }
  }

  private onProgress(stageId: string, p: Progress, now: number): void {
    // Training stages speak only when something needs saying (a checkpoint not stored, a short import).
    if (p.message && (p.stage === 'pretrain' || p.stage === 'finetune'))
      this.say('info', `${p.stage} ${stageId.slice(0, 8)}: ${p.message}`);
    const t = this.spent.get(stageId);
    if (t) t.ms = now - t.start;
    const fraction = p.totalSteps > 0 ? Math.min(1, p.step / p.totalSteps) : 0;
    let curves = this.state.curves;
    if (p.loss !== undefined && (p.stage === 'pretrain' || p.stage === 'finetune')) {
      // Live points carry the step and loss; the stored curve (lr, tokens) replaces them when the stage ends.
      curves = {
        ...curves,
        [stageId]: [
          ...(curves[stageId] ?? []),
          { step: p.step, loss: p.loss, lr: NaN, tokens: NaN },
        ],
      };
    }
    this.state = {
      ...this.state,
      curves,
      stages: this.patchStage(stageId, {
        step: p.step,
        totalSteps: p.totalSteps,
        fraction,
        loss: p.loss,
        tokensPerSec: p.tokensPerSec,
      }),
      tokensPerSec: p.tokensPerSec ?? this.state.tokensPerSec,
    };
    this.set({
      fraction: sweepFraction(this.state.stages),
      etaSec: sweepEta(this.state.stages, this.spent),
    });
  }

  pause(): void {
    if (this.state.status === 'locked-elsewhere') return this.relay('pause');
    if (this.state.status !== 'running' || !this.executor) return;
    this.executor.pause();
    this.set({ status: 'paused' });
  }

  resume(): void {
    if (this.state.status === 'locked-elsewhere') return this.relay('resume');
    if (this.state.status !== 'paused' || !this.executor) return;
    this.executor.resume();
    this.set({ status: 'running' });
  }

  cancel(): void {
    if (this.state.status === 'locked-elsewhere') return this.relay('cancel');
    this.executor?.cancel();
  }

  exportResults(): ResultsFile | null {
    const { spec, shard, results } = this.state;
    if (!spec) return null;
    return resultsFileOf(spec, shard, Object.values(results));
  }

  private relay(command: 'pause' | 'resume' | 'cancel'): void {
    if (this.state.sweepId)
      this.channel?.postMessage({ type: 'command', sweepId: this.state.sweepId, command });
  }

  /** Tells other tabs how this tab's sweep goes (at most 4 times a second, always at the end). */
  private broadcast(): void {
    const s = this.state;
    if (!this.channel || !s.sweepId || s.status === 'locked-elsewhere' || s.status === 'idle')
      return;
    const now = Date.now();
    if (now - this.lastBroadcast < 250 && !FINAL.has(s.status)) return;
    this.lastBroadcast = now;
    // Results travel through IndexedDB (shared by the tabs), not the channel.
    this.channel.postMessage({ type: 'state', sweepId: s.sweepId, state: { ...s, results: {} } });
  }

  private onChannel(m: ChannelMessage): void {
    if (m.sweepId !== this.state.sweepId) return;
    if (m.type === 'command') {
      if (m.command === 'pause') this.pause();
      else if (m.command === 'resume') this.resume();
      else if (this.state.status === 'running' || this.state.status === 'paused') this.cancel();
      return;
    }
    if (this.state.status !== 'locked-elsewhere') return;
    const theirs = m.state;
    this.set({
      ...theirs,
      status: 'locked-elsewhere',
      results: this.state.results,
      messages: this.state.messages,
      counters: this.state.counters,
    });
    void this.fetchResults(theirs);
  }

  /** A mirroring tab reads finished runs from the shared store. */
  private async fetchResults(theirs: SweepState): Promise<void> {
    const store = await this.openStore();
    const missing = theirs.runs.filter(
      (r) => (r.status === 'done' || r.status === 'cached') && !this.state.results[r.id],
    );
    for (const r of missing) {
      const rec = await store.getRun(r.id);
      if (rec)
        this.set({
          results: {
            ...this.state.results,
            [r.id]: { ...rec.result, point: r.point, condition: r.condition },
          },
        });
    }
  }
}

function never(): Promise<never> {
  return Promise.reject(new Error('classifying a plan computes nothing'));
}

/** What runs the backend, without its name (the views print "wasm (SIMD, threads)"). */
export function deviceOf(
  backend: BackendName,
  report: {
    webgpu: { description: string; device: string; vendor: string } | null;
    wasm: { simd: boolean; threads: boolean };
  },
): string {
  if (backend === 'webgpu' && report.webgpu)
    return report.webgpu.description || report.webgpu.device || report.webgpu.vendor || 'WebGPU';
  if (backend === 'wasm')
    return `${report.wasm.simd ? 'SIMD' : 'no SIMD'}, ${report.wasm.threads ? 'threads' : '1 thread'}`;
  return 'JavaScript';
}

let runner: SweepRunner | null = null;

/** The page's one runner. */
export function getRunner(): SweepRunner {
  runner ??= new SweepRunner();
  return runner;
}
