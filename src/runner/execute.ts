// Executes a sweep plan on an engine: skips what the store holds, resumes partial checkpoints, stores each result at once.
import type {
  BackendName,
  Checkpoint,
  Control,
  DataArtifact,
  EngineApi,
  Hooks,
  LossPoint,
  Progress,
  TrainResult,
} from '../engine/api';
import { stageIds } from '../spec';
import { CancelledError, isCancelled } from '../util/cancel';
import { isQuotaError, type Store } from '../store/store';
import type { StageRecord, TrainRecord } from '../store/db';
import { asPlanned, type StagePlanStatus } from './cache';
import { loadImports, neededImports } from './imports';
import type { PlannedRun, PlannedStage, SweepPlan } from './plan';
import { Pool } from './workers/pool';
import { firstPromptMisfit, stageQueue } from './queue';
import type { PlanStage, RunResult } from './types';

/**
 * What the executor needs of the engine: the worker's API, or the Engine class itself in Node.
 * Through comlink `control` answers with a promise, so it may return one.
 */
export type EngineLike = Pick<
  EngineApi,
  'useImports' | 'buildData' | 'pretrain' | 'finetune' | 'evaluate'
> & {
  control(command: Control): void | Promise<void>;
};

export type ExecEvent =
  | { type: 'stage-start'; stageId: string; resumedFrom?: number; threads?: number }
  | { type: 'progress'; stageId: string; progress: Progress }
  | {
      type: 'stage-done';
      stageId: string;
      ms: number;
      backend?: BackendName;
      tokensPerSec?: number;
      lossCurve?: LossPoint[];
    }
  | { type: 'stage-failed'; stageId: string; error: string; cancelled: boolean }
  | { type: 'run-done'; result: RunResult }
  | { type: 'run-failed'; runId: string; error: string }
  /** Something the user must know that does not stop the sweep (e.g. a result kept in memory only). */
  | { type: 'warning'; text: string };

export interface ExecOptions {
  /** Wraps hooks before they cross to a worker (comlink `proxy`); identity in Node. */
  wrapHooks?: (hooks: Hooks) => Hooks;
  onEvent: (e: ExecEvent) => void;
  /**
   * Starts an engine that runs on every core the pool's workers share (one thread each there),
   * for the stages that run alone; null where it cannot (the pool's engines run them then).
   */
  wide?: () => Promise<WideEngine | null>;
}

/** An engine of its own for the stages that run alone, ended once the last of them is done. */
export type WideEngine = EngineLike & { end(): void; threads: number };

const isTraining = (s: PlanStage): s is 'pretrain' | 'finetune' =>
  s === 'pretrain' || s === 'finetune';

export class Executor {
  private paused = false;
  /**
   * Set when the sweep stops: cancelled (no failure), or by its first failing stage, whose error
   * is what the sweep reports. Either way the stages still running stop and no other starts.
   */
  private stopped: { failure: unknown } | null = null;
  private waiters: (() => void)[] = [];
  private readonly pool: Pool<EngineLike>;
  private readonly data = new Map<string, Promise<DataArtifact>>();
  /** Results of this session: the sweep goes on from memory when storage is full. */
  private readonly records = new Map<string, StageRecord>();
  /** Final weights computed this session that a stage still to run reads, by stage id. */
  private readonly models = new Map<string, Checkpoint>();
  /** Each stage's place in the queue for an engine, and how many stages to run read its weights. */
  private queue: ReturnType<typeof stageQueue> = {
    runs: [],
    rank: new Map(),
    readers: new Map(),
    alone: new Set(),
  };
  /** The engine of the stages that run alone, once started (see `onEngine`). */
  private wide: Promise<WideEngine | null> | null = null;
  private wideEngine: WideEngine | null = null;
  /** The stages that run alone still to finish: the wide engine ends after the last. */
  private aloneLeft = 0;
  private files: Awaited<ReturnType<typeof loadImports>> = [];

  /** One engine, or several (a pool of workers) that compute independent stages at once. */
  constructor(
    engines: EngineLike | readonly EngineLike[],
    private readonly store: Store<RunResult>,
    private readonly o: ExecOptions,
  ) {
    this.pool = new Pool(Array.isArray(engines) ? engines : [engines as EngineLike]);
  }

  private tell(command: Control): void {
    for (const engine of this.pool.items) void engine.control(command);
    if (this.wideEngine) void this.wideEngine.control(command);
  }

  pause(): void {
    this.paused = true;
    this.tell('pause');
  }

  resume(): void {
    this.paused = false;
    this.wakeAll();
    this.tell('resume');
  }

  cancel(): void {
    this.stop(null);
  }

  /** Cancels what still runs; the first stop says why (a user's cancel, or a stage's failure). */
  private stop(failure: unknown): void {
    if (this.stopped) return;
    this.stopped = { failure };
    this.wakeAll();
    this.tell('cancel');
  }

  private wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Before a stage: waits while paused, stops when cancelled. */
  private async gate(): Promise<void> {
    while (this.paused && !this.stopped) await new Promise<void>((r) => this.waiters.push(r));
    if (this.stopped) throw new CancelledError();
  }

  /**
   * Runs the plan to the end; throws CancelledError when cancelled, or the first stage error. The
   * imported files it reads go to the engines first: a missing one stops the sweep before any stage.
   * Independent stages (the fine-tunes and evaluations of different runs) run at once, one per engine.
   */
  async run(plan: SweepPlan, statuses: Map<string, StagePlanStatus>): Promise<void> {
    // The engines may carry an earlier sweep's cancel or pause: this sweep starts from neither.
    this.tell('reset');
    const files = await loadImports(this.store, neededImports(plan, statuses));
    this.files = files;
    await Promise.all(this.pool.items.map((engine) => engine.useImports(files)));
    const byId = new Map(plan.stages.map((s) => [s.stageId, s]));
    this.queue = stageQueue(plan, statuses);
    this.aloneLeft = this.o.wide ? this.queue.alone.size : 0;
    const results = new Map<string, Promise<unknown>>();
    const ensure = (s: PlannedStage): Promise<unknown> => {
      let p = results.get(s.stageId);
      if (!p) {
        p = this.ensure(s, statuses.get(s.stageId) === 'cached', (id) => ensure(byId.get(id)!));
        results.set(s.stageId, p);
      }
      return p;
    };
    // Every prompt must fit with its answer: refuse before any training, not when evaluation starts.
    const misfit = await firstPromptMisfit(plan, statuses, (s) => this.dataOf(this.dataStageOf(s)));
    if (misfit) {
      this.o.onEvent({ type: 'run-failed', runId: misfit.runId, error: misfit.error });
      throw new Error(misfit.error);
    }
    const todo: PlannedRun[] = [];
    // In queue order: when a shared stage finishes, the stages it frees ask for engines in this
    // order, and free engines go to the first to ask.
    for (const run of this.queue.runs) {
      if (statuses.get(run.stages.eval) === 'cached') {
        const rec = await this.store.getRun(run.id);
        if (rec) {
          this.o.onEvent({ type: 'run-done', result: asPlanned(rec.result, run) });
          continue;
        }
      }
      todo.push(run);
    }
    try {
      await Promise.all(
        todo.map(async (run) => {
          try {
            await ensure(byId.get(run.stages.eval)!);
            this.o.onEvent({ type: 'run-done', result: await this.assemble(run) });
          } catch (e) {
            if (isCancelled(e)) return;
            this.o.onEvent({ type: 'run-failed', runId: run.id, error: (e as Error).message });
            this.stop(e);
          }
        }),
      );
    } finally {
      this.endWide();
    }
    if (this.stopped) throw this.stopped.failure ?? new CancelledError();
  }

  /** An engine for one stage, once one is free and the sweep is neither paused nor stopped. */
  private withEngine<T>(s: PlannedStage, f: (engine: EngineLike) => Promise<T>): Promise<T> {
    return this.pool.use(this.queue.rank.get(s.stageId) ?? 0, async (engine) => {
      await this.gate();
      return f(engine);
    });
  }

  /**
   * The engine a computed stage runs on: the wide engine for a stage that runs alone (started
   * for the first of them, ended after the last), else the pool's next free one.
   */
  private async onEngine<T>(
    s: PlannedStage,
    f: (engine: EngineLike, threads?: number) => Promise<T>,
  ): Promise<T> {
    if (!this.o.wide || !this.queue.alone.has(s.stageId)) return this.withEngine(s, f);
    try {
      await this.gate();
      // One that fails to start leaves the stage to the pool, as where none can start.
      this.wide ??= this.o
        .wide()
        .then(async (engine) => {
          try {
            await engine?.useImports(this.files);
          } catch (e) {
            engine?.end();
            throw e;
          }
          return (this.wideEngine = engine);
        })
        .catch(() => null);
      const engine = await this.wide;
      if (!engine) return await this.withEngine(s, f);
      await this.gate();
      return await f(engine, engine.threads);
    } finally {
      if (--this.aloneLeft === 0) this.endWide();
    }
  }

  private endWide(): void {
    // Still starting (a sweep cancelled meanwhile): it ends once started.
    void this.wide?.then((engine) => engine?.end());
    this.wide = null;
    this.wideEngine = null;
  }

  /** A stage's output: from the store when cached, else computed (resuming a partial checkpoint). */
  private async ensure(
    s: PlannedStage,
    cached: boolean,
    parentOf: (id: string) => Promise<unknown>,
  ): Promise<unknown> {
    if (s.stage === 'data') return this.dataOf(s);
    if (cached && s.stage === 'eval') return undefined;
    if (cached && isTraining(s.stage)) {
      await this.divergedCheck(s.stageId);
      return undefined;
    }
    if (s.parent) await parentOf(s.parent);
    const data = await this.dataOf(this.dataStageOf(s));
    await this.onEngine(s, async (engine, threads) => {
      const resume = isTraining(s.stage) ? await this.store.getCheckpoint(s.stageId) : undefined;
      const resumeFrom = resume?.kind === 'partial' ? resume.checkpoint : null;
      this.o.onEvent({
        type: 'stage-start',
        stageId: s.stageId,
        resumedFrom: resumeFrom?.step,
        threads,
      });
      const hooks = this.hooks(s);
      this.store.pinned.add(s.stageId);
      try {
        if (s.stage === 'pretrain') {
          const r = await engine.pretrain(s.spec, data, resumeFrom, hooks);
          await this.finishTraining(s, r);
        } else if (s.stage === 'finetune') {
          const base = await this.modelOf('pretrain', s.parent!);
          const r = await engine.finetune(s.spec, data, base, resumeFrom, hooks);
          await this.finishTraining(s, r);
        } else {
          const model = await this.modelOf('finetune', s.parent!);
          const r = await engine.evaluate(s.spec, data, model, hooks);
          await this.saveStage({
            stageId: s.stageId,
            stage: 'eval',
            eval: r,
            finishedAt: Date.now(),
          });
          this.stageDone(s.stageId, r);
        }
      } catch (e) {
        throw this.stageFailed(s.stageId, e);
      } finally {
        this.store.pinned.delete(s.stageId);
      }
    });
    if (s.parent) this.doneReading(s.parent);
    return undefined;
  }

  /** Says a stage failed (or was stopped), and gives what the sweep should throw for it. */
  private stageFailed(stageId: string, e: unknown): unknown {
    const cancelled = this.stopped !== null || isCancelled(e);
    this.o.onEvent({ type: 'stage-failed', stageId, error: (e as Error).message, cancelled });
    return cancelled ? new CancelledError() : e;
  }

  private stageDone(
    stageId: string,
    r: { ms: number; backend?: BackendName; tokensPerSec?: number; lossCurve?: LossPoint[] },
  ): void {
    const { ms, backend, tokensPerSec, lossCurve } = r;
    this.o.onEvent({ type: 'stage-done', stageId, ms, backend, tokensPerSec, lossCurve });
  }

  /** A model no stage still to run reads leaves memory (the store keeps it). */
  private doneReading(stageId: string): void {
    const left = (this.queue.readers.get(stageId) ?? 1) - 1;
    this.queue.readers.set(stageId, left);
    if (left <= 0) this.models.delete(stageId);
  }

  /** A stage's hooks: progress to the sweep's events, partial checkpoints to the store. */
  private hooks(s: PlannedStage): Hooks {
    const hooks: Hooks = {
      onProgress: (progress) => this.o.onEvent({ type: 'progress', stageId: s.stageId, progress }),
      onCheckpoint: isTraining(s.stage)
        ? async (c) => {
            await this.store.putCheckpoint(s.stage as 'pretrain' | 'finetune', 'partial', c);
          }
        : undefined,
    };
    return this.o.wrapHooks ? this.o.wrapHooks(hooks) : hooks;
  }

  /** Weights first, then the result: a crash in between leaves a result whose weights can be recomputed. */
  private async finishTraining(s: PlannedStage, r: TrainResult): Promise<void> {
    const stage = s.stage as 'pretrain' | 'finetune';
    if ((this.queue.readers.get(s.stageId) ?? 0) > 0) this.models.set(s.stageId, r.checkpoint);
    await this.store.putCheckpoint(stage, 'final', r.checkpoint);
    const record: TrainRecord = {
      stageId: s.stageId,
      stage,
      backend: r.backend,
      lossCurve: r.lossCurve,
      ms: r.ms,
      tokensPerSec: r.tokensPerSec,
      diverged: r.diverged,
      ...(r.knowledge ? { knowledge: r.knowledge } : {}),
      finishedAt: Date.now(),
    };
    await this.saveStage(record);
    this.stageDone(s.stageId, r);
    await this.divergedCheck(s.stageId, record);
  }

  private async divergedCheck(stageId: string, known?: StageRecord): Promise<void> {
    const rec = known ?? (await this.stageRecord(stageId));
    if (rec && (rec.stage === 'pretrain' || rec.stage === 'finetune') && rec.diverged) {
      throw new Error(
        `${rec.stage} ${stageId.slice(0, 8)} ${rec.diverged.message}; its runs cannot be evaluated (try a lower learning rate)`,
      );
    }
  }

  /** Every run of a stage shares its upstream stages, so the stage's own spec names its data. */
  private dataStageOf(s: PlannedStage): PlannedStage {
    return { ...s, stage: 'data', stageId: stageIds(s.spec).data, parent: null };
  }

  /** The data artifact of a data stage: built once per sweep, however many stages ask at once. */
  private dataOf(s: PlannedStage): Promise<DataArtifact> {
    let p = this.data.get(s.stageId);
    if (!p) {
      p = this.buildData(s);
      this.data.set(s.stageId, p);
    }
    return p;
  }

  private async buildData(s: PlannedStage): Promise<DataArtifact> {
    const rec = await this.stageRecord(s.stageId);
    if (rec?.stage === 'data') return rec.data;
    return this.withEngine(s, async (engine) => {
      this.o.onEvent({ type: 'stage-start', stageId: s.stageId });
      try {
        const data = await engine.buildData(s.spec, this.hooks(s));
        await this.saveStage({
          stageId: s.stageId,
          stage: 'data',
          data,
          finishedAt: Date.now(),
        });
        this.stageDone(s.stageId, data);
        return data;
      } catch (e) {
        throw this.stageFailed(s.stageId, e);
      }
    });
  }

  /** Final weights of a training stage: in memory if just computed, else from the store. */
  private async modelOf(kind: 'pretrain' | 'finetune', stageId: string): Promise<Checkpoint> {
    const mem = this.models.get(stageId);
    if (mem) return mem;
    const rec = await this.store.getCheckpoint(stageId);
    if (rec?.kind !== 'final')
      throw new Error(`the ${kind} weights ${stageId.slice(0, 8)} are missing from storage`);
    if ((this.queue.readers.get(stageId) ?? 0) > 1) this.models.set(stageId, rec.checkpoint);
    return rec.checkpoint;
  }

  private stageRecord(stageId: string): Promise<StageRecord | undefined> {
    const known = this.records.get(stageId);
    return known ? Promise.resolve(known) : this.store.getStage(stageId);
  }

  /** Stores a result at once; if storage is full even after evicting checkpoints, keeps it in memory and says so. */
  private async saveStage(record: StageRecord): Promise<void> {
    this.records.set(record.stageId, record);
    try {
      await this.store.putStage(record);
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      this.o.onEvent({
        type: 'warning',
        text: `storage is full: the ${record.stage} result ${record.stageId.slice(0, 8)} is kept in this tab only — export the results before closing it`,
      });
    }
  }

  private async saveRun(record: Parameters<Store<RunResult>['putRun']>[0]): Promise<void> {
    try {
      await this.store.putRun(record);
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      this.o.onEvent({
        type: 'warning',
        text: `storage is full: run ${record.runId.slice(0, 8)} (${record.result.condition}) is kept in this tab only — export the results before closing it`,
      });
    }
  }

  /** A finished run's result, from its stages' records (which the store keeps forever). */
  private async assemble(run: PlannedRun): Promise<RunResult> {
    const get = async (stage: PlanStage): Promise<StageRecord> => {
      const rec = await this.stageRecord(run.stages[stage]);
      if (rec?.stage !== stage) throw new Error(`the ${stage} result of run ${run.id} is missing`);
      return rec;
    };
    const data = (await get('data')) as Extract<StageRecord, { stage: 'data' }>;
    const pre = (await get('pretrain')) as TrainRecord;
    const ft = (await get('finetune')) as TrainRecord;
    const ev = ((await get('eval')) as Extract<StageRecord, { stage: 'eval' }>).eval;
    const result: RunResult = {
      runId: run.id,
      point: run.point,
      condition: run.condition,
      spec: run.spec,
      stages: run.stages,
      backend: ev.backend,
      summary: ev.summary,
      byTask: ev.byTask,
      samples: ev.samples,
      lossCurves: { pretrain: pre.lossCurve, finetune: ft.lossCurve },
      ...(pre.knowledge ? { knowledge: pre.knowledge } : {}),
      timings: { data: data.data.ms, pretrain: pre.ms, finetune: ft.ms, eval: ev.ms },
      finishedAt: Date.now(),
    };
    await this.saveRun({
      runId: run.id,
      status: 'done',
      result,
      updatedAt: result.finishedAt,
    });
    return result;
  }
}
