// The sweep runner on the main thread: the store, the engine worker and one sweep's lifecycle (state: state.ts, tabs: tabs.ts).
import type { Spec } from '../spec';
import { DEVICE_LOST, type BackendName, type BackendReport } from '../engine/api';
import { Store, requestPersistence } from '../store/store';
import { MissingImportError } from '../spec';
import { deviceOf } from '../engine/device';
import { cachedResults, classifyStages } from './cache';
import { Executor, type ExecEvent, type WideEngine } from './execute';
import { isCancelled } from '../util/cancel';
import { neededImports } from './imports';
import { planSweep, type SweepPlan } from './plan';
import {
  chooseAuto,
  measureInWorker,
  pageStorage,
  raceSpecOf,
  raceThreads,
  type AutoChoice,
} from './race';
import { resultsFileOf } from './results';
import { pageAssets, seedShippedBases, type AssetSource } from './shipped';
import {
  applyEvent,
  failureText,
  idleState,
  type Failure,
  keptText,
  plannedState,
  withMessage,
  type Spent,
} from './state';
import { runExclusive, sweepLockName, TabChannel, type TabCommand } from './tabs';
import type {
  Listener,
  Message,
  ResultsFile,
  RunResult,
  Runner,
  Shard,
  StartOptions,
  SweepState,
} from './types';
import { WorkerHost, WorkerLostError } from './workers/host';
import { poolSize } from './workers/pool';

export { idleState };
export { shippedBaseIds } from './shipped';

export interface RunnerOptions {
  /** IndexedDB name (tests use their own). */
  dbName?: string;
  /** Checkpoint budget in bytes. */
  budget?: number;
  /** Silence after which the engine worker counts as dead (see WorkerHost). */
  stallMs?: number;
  /** Engine workers to run at once; by default one per core on wasm and cpu, one on webgpu (workers/pool.ts). */
  workers?: number;
  /**
   * Stages that run alone (the one pretraining every fine-tune reads) get a worker with a wasm
   * thread per pool worker, where the pool's one-thread workers would leave cores idle; false
   * keeps them on the pool (to compare). The numbers are the same either way (a browser test).
   */
  wide?: boolean;
  /** Tests only: let `auto` race a software GPU adapter too (the only kind a headless test has). */
  raceSoftware?: boolean;
  /**
   * Where shipped base models come from (the page's assets by default); false pretrains every base
   * here, as `npm run ship-bases` must to make them.
   */
  shippedBases?: AssetSource | false;
}

export class SweepRunner implements Runner {
  state: SweepState = idleState();
  private readonly listeners = new Set<Listener>();
  private store: Promise<Store<RunResult>> | null = null;
  /** The engine workers: independent stages run on them at once. */
  private hosts: WorkerHost[] = [];
  /** The worker of the stages that run alone, while one lives (see `wideEngine`). */
  private wideHost: WorkerHost | null = null;
  private executor: Executor | null = null;
  private readonly tabs: TabChannel;
  /** Per stage: time spent computing it in this session (for the time-left estimate). */
  private spent: Spent = {};

  constructor(private readonly o: RunnerOptions = {}) {
    this.tabs = new TabChannel({
      onState: (id, state) => this.onMirror(id, state),
      onCommand: (id, command) => this.onCommand(id, command),
    });
  }

  /**
   * The engine worker of a stage that runs alone, while there is one, else the pool's first: for
   * diagnostics (and for tests that kill it); null before a sweep.
   */
  get engineWorker(): Worker | null {
    return (this.wideHost?.alive ? this.wideHost : this.hosts[0])?.worker ?? null;
  }

  /** Engine workers for this sweep: the live ones kept, one per core on the CPU backends. */
  private async startEngines(plan: SweepPlan, backend?: BackendName) {
    if (!this.hosts.every((h) => h.alive)) this.stopEngines();
    const host = () => new WorkerHost({ stallMs: this.o.stallMs ?? 300_000 });
    if (this.hosts.length === 0) this.hosts.push(host());
    const first = this.hosts[0].engine();
    await first.pin(backend ?? null);
    const report = await first.probe(plan.spec.backend);
    const auto =
      !backend && plan.spec.backend === 'auto' ? await this.chooseAuto(plan, report) : null;
    // Every engine trains on the race's winner: a stage's id names no backend, so none differs.
    const pinned = backend ?? (auto && auto.how !== 'probe' ? auto.backend : null);
    const chosen = pinned ?? report.chosen;
    const size = this.o.workers ?? poolSize(chosen);
    while (this.hosts.length < size) this.hosts.push(host());
    for (const extra of this.hosts.splice(size)) extra.terminate();
    const engines = this.hosts.map((h) => h.engine());
    // Several workers share the cores: each runs one wasm thread (no effect where wasm already started).
    await Promise.all(
      engines.map(async (e) => {
        if (size > 1) await e.threads(1);
        await e.pin(pinned);
      }),
    );
    this.set({
      backend: chosen,
      device: deviceOf(chosen, report, size),
      backendReason:
        backend && backend !== plan.spec.backend
          ? `${backend}, asked for instead of the spec's ${plan.spec.backend}`
          : (auto?.reason ?? report.reason),
      workers: size,
    });
    const wide =
      chosen === 'wasm' && size > 1 && this.o.wide !== false && globalThis.crossOriginIsolated
        ? this.wideEngine(size, pinned)
        : undefined;
    return { engines, wide };
  }

  /**
   * Starts a worker with `threads` wasm threads for the stages that run alone: a pool of
   * one-thread workers runs them on one core while the others wait (a second thread made a toy
   * pretraining 1.1–1.2× faster on 2 cores, with the same weights bit for bit).
   */
  private wideEngine(threads: number, pinned: BackendName | null): () => Promise<WideEngine> {
    return async () => {
      const host = new WorkerHost({ stallMs: this.o.stallMs ?? 300_000 });
      this.wideHost = host;
      const engine = host.engine();
      const end = () => {
        host.terminate();
        if (this.wideHost === host) this.wideHost = null;
      };
      try {
        await engine.threads(threads);
        await engine.pin(pinned ?? 'wasm');
      } catch (e) {
        end();
        throw e;
      }
      return { ...engine, end, threads };
    };
  }

  /** `backend: auto`: wasm against a hardware GPU on this sweep's model, timed or cached (race.ts). */
  private chooseAuto(plan: SweepPlan, report: BackendReport): Promise<AutoChoice> {
    return chooseAuto({
      report,
      spec: raceSpecOf(
        plan,
        new Set(this.state.stages.filter((s) => s.status === 'cached').map((s) => s.stageId)),
      ),
      measure: measureInWorker,
      storage: pageStorage(),
      raceSoftware: this.o.raceSoftware,
      // Time wasm with the threads each worker of its pool will run.
      threads: raceThreads(this.o.workers),
      onRace: (text) => this.set({ backendReason: text }),
    });
  }

  private stopEngines(): void {
    for (const h of this.hosts) h.terminate();
    this.hosts = [];
    this.wideHost?.terminate();
    this.wideHost = null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    listener(this.state);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<SweepState>): void {
    this.state = { ...this.state, ...patch };
    for (const l of this.listeners) l(this.state);
    this.tabs.publish(this.state);
  }

  private say(level: Message['level'], text: string): void {
    this.set(withMessage(this.state, level, text, Date.now()));
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
  private async prepare(spec: Spec, shard: Shard | null, seed = false): Promise<SweepPlan | null> {
    const planned = planSweep(spec, shard);
    if (!planned.ok) {
      this.state = idleState();
      this.set({ spec, shard, status: 'failed' });
      for (const e of planned.errors) this.say('error', e);
      return null;
    }
    const plan = planned.value;
    const store = await this.openStore();
    const assets = this.o.shippedBases === false ? null : (this.o.shippedBases ?? pageAssets);
    // Only a sweep that starts puts a shipped base into the store: opening the app writes nothing.
    const shipped = assets && seed ? await seedShippedBases(plan, store, assets) : null;
    const statuses = await classifyStages(plan, store);
    const results = await cachedResults(plan, statuses, store);
    this.spent = {};
    this.state = idleState();
    this.set(plannedState(plan, statuses, results, await store.storageInfo()));
    for (const id of shipped?.loaded ?? [])
      this.say(
        'info',
        `The base model ${id.slice(0, 8)} came with the app: the project pretrained it from this same spec (npm run ship-bases), so it is not pretrained here.`,
      );
    for (const w of shipped?.warnings ?? []) this.say('warning', w);
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
    const plan = await this.prepare(spec, shard, true);
    if (!plan) return this.state;
    await runExclusive(
      sweepLockName(plan.sweepId, shard),
      async () => void (await this.execute(plan, options.backend)),
      // Another tab runs this sweep: show its progress, and take over if it goes away unfinished.
      () => {
        this.set({ status: 'locked-elsewhere' });
        this.say('info', 'This sweep is running in another tab; this tab shows its progress.');
      },
      async () => {
        const after = await this.prepare(spec, shard, true);
        if (after && after.runs.some((r) => !this.state.results[r.id]))
          await this.execute(after, options.backend);
        else if (after) this.set({ status: 'done' });
      },
    );
    return this.state;
  }

  /** Runs what the cache lacks; `backend` (if set) replaces the spec's for every stage. */
  private async execute(plan: SweepPlan, backend?: BackendName): Promise<SweepState> {
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
    const missing = await store.missingImports(neededImports(plan, statuses));
    if (missing.length) {
      this.set({ status: 'failed', etaSec: null });
      this.say('error', new MissingImportError(missing).message);
      return this.state;
    }
    await record('running');
    this.set({ status: 'running' });
    try {
      const { engines, wide } = await this.startEngines(plan, backend);
      if (backend && backend !== plan.spec.backend)
        this.say(
          'info',
          `Running on ${backend} instead of ${plan.spec.backend}: stages resume from their last checkpoints, and each stage records the backend it finished on.`,
        );
      this.executor = new Executor(engines, store, { onEvent: (e) => this.onEvent(e), wide });
      await this.executor.run(plan, statuses);
      this.set({ status: 'done', fraction: 1, etaSec: 0 });
      await record('done');
    } catch (e) {
      if (isCancelled(e)) {
        this.set({ status: 'cancelled', etaSec: null });
        this.say('info', `Cancelled. ${keptText(this.state)}`);
        await record('cancelled');
      } else {
        const failure = failureOf(e);
        this.set({
          status: 'failed',
          etaSec: null,
          fallback: failure === 'device-lost' ? 'wasm' : null,
        });
        this.say('error', failureText(this.state, e, failure));
        await record('failed');
        // Fresh workers for the next try: one is dead, or its GPU backend is.
        if (failure !== 'error') this.stopEngines();
      }
    } finally {
      this.executor = null;
      this.set({ storage: await store.storageInfo() });
    }
    return this.state;
  }

  private onEvent(e: ExecEvent): void {
    const next = applyEvent({ state: this.state, spent: this.spent }, e, Date.now());
    this.spent = next.spent;
    this.set(next.state);
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

  private relay(command: TabCommand): void {
    if (this.state.sweepId) this.tabs.relay(this.state.sweepId, command);
  }

  /** A mirroring tab's commands act on the sweep this tab computes. */
  private onCommand(sweepId: string, command: TabCommand): void {
    if (sweepId !== this.state.sweepId || this.state.status === 'locked-elsewhere') return;
    if (command === 'pause') this.pause();
    else if (command === 'resume') this.resume();
    else if (this.state.status === 'running' || this.state.status === 'paused') this.cancel();
  }

  /** The computing tab's state, shown here with this tab's own results, messages and counters. */
  private onMirror(sweepId: string, theirs: SweepState): void {
    if (sweepId !== this.state.sweepId || this.state.status !== 'locked-elsewhere') return;
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

let runner: SweepRunner | null = null;

/** The page's one runner. */
export function getRunner(): SweepRunner {
  runner ??= new SweepRunner();
  return runner;
}

function failureOf(e: unknown): Failure {
  const err = e as Error;
  if (e instanceof WorkerLostError || err.name === 'WorkerLostError') return 'worker-lost';
  return String(err.message).includes(DEVICE_LOST) ? 'device-lost' : 'error';
}
