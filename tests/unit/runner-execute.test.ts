// The executor against the real Engine (tfjs cpu) and IndexedDB (fake-indexeddb): cache, share, resume, cancel.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../../src/engine/engine';
import type { Spec, SpecInput } from '../../src/spec';
import { Store } from '../../src/store/store';
import { isCancelled } from '../../src/util/cancel';
import { classifyStages } from '../../src/runner/cache';
import { Executor, type ExecEvent, type WideEngine } from '../../src/runner/execute';
import type { SweepPlan } from '../../src/runner/plan';
import type { RunResult } from '../../src/runner/types';
import { MICRO_SPEC, planOf, specOf } from '../fixtures/micro-spec';

const micro = { ...MICRO_SPEC, pretrain: { ...MICRO_SPEC.pretrain, steps: 60, batchSize: 2 } };

const spec = (over: SpecInput = micro): Spec => specOf(over);
const plan = planOf;

let dbCount = 0;
async function freshStore(): Promise<Store<RunResult>> {
  return Store.open<RunResult>({ name: `exec-test-${dbCount++}` });
}

/** Runs a plan to its end (or until `stopWhen` cancels it) and records what happened. */
async function execute(
  store: Store<RunResult>,
  p: SweepPlan,
  stopWhen?: (e: ExecEvent) => boolean,
  engines = 1,
  wide?: () => Promise<WideEngine | null>,
) {
  const events: ExecEvent[] = [];
  const results: RunResult[] = [];
  const pool = Array.from({ length: engines }, () => new Engine());
  const ex: Executor = new Executor(pool, store, {
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'run-done') results.push(e.result);
      if (stopWhen?.(e)) ex.cancel();
    },
    wide,
  });
  const statuses = await classifyStages(p, store);
  let outcome = 'done';
  try {
    await ex.run(p, statuses);
  } catch (e) {
    outcome = isCancelled(e) ? 'cancelled' : `failed: ${(e as Error).message}`;
  }
  const started = events.filter((e) => e.type === 'stage-start');
  return { events, results, statuses, outcome, started };
}

const scoresOf = (rs: RunResult[]) =>
  rs.map((r) => ({
    run: r.runId,
    mean: r.summary.mean,
    responses: r.samples.map((s) => s.response),
  }));

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('executor', () => {
  it('refuses a sweep whose evaluation prompts do not fit before any training, naming the knob', async () => {
    const store = await freshStore();
    const p = plan(spec({ ...micro, model: { ...micro.model, blockSize: 64 } }));
    const r = await execute(store, p);
    expect(r.outcome).toMatch(/^failed: all, 4 examples: .*raise model\.blockSize to at least \d+/);
    // Only the data stage ran: the tokenizer is what counts the prompts' tokens.
    expect(r.started.map((e) => (e as { stageId: string }).stageId)).toEqual([p.stages[0].stageId]);
    expect(r.events.some((e) => e.type === 'run-failed')).toBe(true);
  });

  it('computes shared stages once, then the same spec again computes nothing', async () => {
    const store = await freshStore();
    const p = plan(spec());
    // Two runs share world/data and pretraining: 1 data + 1 pretrain + 2 finetune + 2 eval.
    expect(p.stages.map((s) => s.stage)).toEqual([
      'data',
      'pretrain',
      'finetune',
      'eval',
      'finetune',
      'eval',
    ]);
    const first = await execute(store, p);
    expect(first.outcome).toBe('done');
    expect(first.started).toHaveLength(6);
    expect(first.results).toHaveLength(2);
    for (const r of first.results) {
      expect(r.summary.n).toBe(10);
      expect(r.lossCurves.pretrain).toHaveLength(60);
    }
    const second = await execute(store, p);
    expect([...second.statuses.values()].every((s) => s === 'cached')).toBe(true);
    expect(second.started).toHaveLength(0);
    expect(scoresOf(second.results)).toEqual(scoresOf(first.results));
    // Another sweep holding the same run (same content hash) shows it under its own condition.
    const other = plan(
      spec({ ...micro, sweep: { axes: [{ path: 'data.quality', values: ['filtered'] }] } }),
    );
    expect(other.runs[0].id).toBe(p.runs[1].id);
    const third = await execute(store, other);
    expect(third.started).toHaveLength(0);
    expect(third.results.map((r) => [r.condition, r.point])).toEqual([
      ['quality=filtered', { 'data.quality': 'filtered' }],
    ]);
    store.close();
  });

  it('two engines compute the independent stages at once and give the same numbers as one', async () => {
    const p = plan(
      spec({ ...micro, sweep: { axes: [{ path: 'finetune.examples', values: [4, 6, 8] }] } }),
    );
    const one = await execute(await freshStore(), p);
    const two = await execute(await freshStore(), p, undefined, 2);
    expect(two.outcome).toBe('done');
    expect(two.started).toHaveLength(one.started.length);
    const byRun = (rs: RunResult[]) =>
      scoresOf([...rs].sort((a, b) => a.runId.localeCompare(b.runId)));
    expect(byRun(two.results)).toEqual(byRun(one.results));
    const curves = (rs: RunResult[]) =>
      Object.fromEntries(rs.map((r) => [r.runId, r.lossCurves.finetune.map((x) => x.loss)]));
    expect(curves(two.results)).toEqual(curves(one.results));
    // Some stage started while another was still running: the pool was used, not queued through one.
    let running = 0;
    let most = 0;
    for (const e of two.events) {
      if (e.type === 'stage-start') most = Math.max(most, ++running);
      if (e.type === 'stage-done' || e.type === 'stage-failed') running--;
    }
    expect(most).toBe(2);
    // With one engine, a run's evaluation comes before the next run's fine-tuning.
    const kinds = one.started.map(
      (e) => p.stages.find((s) => s.stageId === (e as { stageId: string }).stageId)!.stage,
    );
    const eachRun = ['finetune', 'eval'];
    expect(kinds).toEqual(['data', 'pretrain', ...eachRun, ...eachRun, ...eachRun]);
  });

  it('a stage that runs alone gets the wide engine, ended after it; the numbers are those of the pool', async () => {
    const p = plan(spec());
    const log: string[] = [];
    // A wide engine as the runner makes one (there: a worker with a wasm thread per core).
    const wide = async (): Promise<WideEngine> => {
      log.push('start');
      const e = Object.create(new Engine()) as Engine;
      return Object.assign(e, { threads: 3, end: () => void log.push('end') });
    };
    const pooled = await execute(await freshStore(), p, undefined, 2);
    const widened = await execute(await freshStore(), p, undefined, 2, async () => {
      const w = await wide();
      const pretrain = w.pretrain.bind(w);
      w.pretrain = async (...a) => (log.push('pretrain'), pretrain(...a));
      return w;
    });
    expect(widened.outcome).toBe('done');
    // Started for the pretraining, which every fine-tune reads, and ended before those ran.
    expect(log).toEqual(['start', 'pretrain', 'end']);
    const threadsOf = (r: typeof widened) =>
      r.started.map((e) => [
        p.stages.find((s) => s.stageId === (e as { stageId: string }).stageId)!.stage,
        (e as { threads?: number }).threads,
      ]);
    expect(widened.started).toHaveLength(6);
    expect(threadsOf(widened).filter(([, t]) => t !== undefined)).toEqual([['pretrain', 3]]);
    expect(threadsOf(pooled).every(([, t]) => t === undefined)).toBe(true);
    const byRun = (rs: RunResult[]) =>
      scoresOf([...rs].sort((a, b) => a.runId.localeCompare(b.runId)));
    expect(byRun(widened.results)).toEqual(byRun(pooled.results));
    // None to be had (no threads here), or one that fails to start: the pool runs it.
    for (const none of [async () => null, async () => Promise.reject(new Error('no worker'))]) {
      const r = await execute(await freshStore(), p, undefined, 2, none);
      expect(r.outcome).toBe('done');
      expect(threadsOf(r).every(([, t]) => t === undefined)).toBe(true);
      expect(byRun(r.results)).toEqual(byRun(pooled.results));
    }
  });

  it('a failing stage stops the stages running beside it, and the sweep reports that failure', async () => {
    const p = plan(
      spec({
        ...micro,
        finetune: { ...micro.finetune, epochs: 50 },
        sweep: { axes: [{ path: 'finetune.examples', values: [4, 8] }] },
      }),
    );
    const store = await freshStore();
    const events: ExecEvent[] = [];
    const trained = () =>
      events.some(
        (e) => e.type === 'progress' && e.progress.stage === 'finetune' && e.progress.step > 2,
      );
    // The second fine-tune to start fails once the first is well under way.
    let started = 0;
    const pool = [new Engine(), new Engine()].map((engine) => {
      const e = Object.create(engine) as Engine;
      e.finetune = async (...args: Parameters<Engine['finetune']>) => {
        if (++started === 2) {
          await vi.waitFor(() => expect(trained()).toBe(true), { timeout: 30_000 });
          throw new Error('out of memory in fine-tuning');
        }
        return engine.finetune(...args);
      };
      return e;
    });
    const ex = new Executor(pool, store, { onEvent: (e) => void events.push(e) });
    await expect(ex.run(p, await classifyStages(p, store))).rejects.toThrow(
      'out of memory in fine-tuning',
    );
    const failed = events.filter((e) => e.type === 'stage-failed') as Extract<
      ExecEvent,
      { type: 'stage-failed' }
    >[];
    expect(failed.map((e) => e.cancelled).sort()).toEqual([false, true]);
    expect(events.filter((e) => e.type === 'run-failed')).toHaveLength(1);
    expect(events.some((e) => e.type === 'run-done')).toBe(false);
    store.close();
  });

  it('a sweep cancelled mid-pretraining resumes from its checkpoint and ends with the same numbers', async () => {
    const p = plan(spec());
    const whole = await execute(await freshStore(), p);
    const store = await freshStore();
    const cut = await execute(
      store,
      p,
      (e) => e.type === 'progress' && e.progress.stage === 'pretrain' && e.progress.step >= 30,
    );
    expect(cut.outcome).toBe('cancelled');
    expect(cut.results).toHaveLength(0);
    // A new executor and engine, as after a reload: data is cached, pretraining resumes at step 25.
    const again = await execute(store, p);
    expect(again.outcome).toBe('done');
    expect(again.statuses.get(p.stages[0].stageId)).toBe('cached');
    expect(again.started[0]).toMatchObject({ stageId: p.stages[1].stageId, resumedFrom: 25 });
    expect(scoresOf(again.results)).toEqual(scoresOf(whole.results));
    expect(again.results[0].lossCurves.pretrain.map((x) => x.loss)).toEqual(
      whole.results[0].lossCurves.pretrain.map((x) => x.loss),
    );
    store.close();
  });

  it('recomputes evicted weights only where a stage still needs them', async () => {
    const store = await freshStore();
    const p = plan(spec());
    await execute(store, p, (e) => e.type === 'run-done');
    // Run 1 is done, run 2 is not; evict every checkpoint: run 2's fine-tune needs pretraining again.
    for (const s of p.stages) await store.deleteCheckpoint(s.stageId);
    const again = await execute(store, p);
    expect(again.outcome).toBe('done');
    expect(again.started.map((e) => p.stages.find((s) => s.stageId === e.stageId)!.stage)).toEqual([
      'pretrain',
      'finetune',
      'eval',
    ]);
    expect(again.results).toHaveLength(2);
    store.close();
  });

  it('pause holds the running stage and the queue; resume carries on to the end', async () => {
    const store = await freshStore();
    const p = plan(spec({ ...micro, sweep: { axes: [] } }));
    const steps: number[] = [];
    let paused = false;
    const ex: Executor = new Executor(new Engine(), store, {
      onEvent: (e) => {
        if (e.type !== 'progress' || e.progress.stage !== 'pretrain') return;
        steps.push(e.progress.step);
        if (!paused && e.progress.step >= 10) {
          paused = true;
          ex.pause();
        }
      },
    });
    const done = ex.run(p, await classifyStages(p, store));
    await vi.waitFor(() => expect(paused).toBe(true), { timeout: 30_000 });
    await new Promise((r) => setTimeout(r, 300));
    const atPause = steps.length;
    await new Promise((r) => setTimeout(r, 700));
    // At most the step in flight reports after the pause; then nothing moves.
    expect(steps.length - atPause).toBeLessThanOrEqual(1);
    ex.resume();
    await done;
    expect(steps.at(-1)).toBe(60);
    store.close();
  });
});
