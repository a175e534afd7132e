// The runner in real Chromium with the real engine worker: reload and resume, cache, second tab, shards, killed worker, quota.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { baseUrl, launch, openPage, withModule } from './harness';
import { parseSpec, type Spec } from '../../src/spec';
import { MICRO_SPEC } from '../fixtures/micro-spec';
import type { SweepState } from '../../src/runner/types';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * Two runs sharing one world and one pretraining. 150 steps (a partial checkpoint every 25) last
 * long enough, even on an idle machine, for a test to interrupt pretraining in the middle; the
 * 256-token context is what the evaluation prompts need, so the rows stay few and short.
 */
const micro: Spec = (() => {
  const r = parseSpec({
    ...MICRO_SPEC,
    pretrain: { steps: 150, batchSize: 2, warmupSteps: 2 },
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
})();

const RUNNER = '/src/runner/index.ts';

/** Loads the runner and the engine worker once: a cold Vite server may reload the page while it pre-bundles. */
async function ready(page: Page): Promise<void> {
  for (let i = 0; i < 4; i++) {
    try {
      await withModule(page, '/scripts/engine-client.ts', async (m) => {
        const { engine, terminate } = m.engineWorker();
        await engine.probe('wasm');
        terminate();
      });
      await withModule(page, RUNNER, async () => {
        (globalThis as { runnerReady?: boolean }).runnerReady = true;
      });
      await page.waitForTimeout(1500);
      if (await page.evaluate(() => (globalThis as { runnerReady?: boolean }).runnerReady === true))
        return;
    } catch {
      await page.waitForLoadState('load');
    }
  }
  throw new Error('the page kept reloading');
}

interface Summary {
  status: string;
  counters: SweepState['counters'];
  results: Record<string, { mean: number; responses: string[] }>;
  messages: string[];
  stages: { stage: string; status: string; resumedFrom?: number; threads?: number }[];
  workers: number;
}

/** Starts (or re-starts) the sweep with a runner kept on `globalThis`, without waiting for it. */
function startSweep(page: Page, spec: Spec, opts: object = {}): Promise<void> {
  return withModule(
    page,
    RUNNER,
    async (m, a) => {
      const g = globalThis as { runner?: unknown; done?: Promise<unknown> };
      g.runner ??= new m.SweepRunner(a.opts);
      g.done = (g.runner as { start: (s: unknown, o: unknown) => Promise<unknown> }).start(a.spec, {
        ...(a.shard ? { shard: a.shard } : {}),
        ...(a.backend ? { backend: a.backend } : {}),
      });
    },
    { spec, ...opts } as { spec: Spec; opts?: object; shard?: object; backend?: string },
  );
}

/** Waits for the sweep to end and returns what a user would see of it. */
async function finish(page: Page): Promise<Summary> {
  return withModule(page, RUNNER, async () => {
    const g = globalThis as unknown as { runner: { state: SweepState }; done: Promise<unknown> };
    await g.done;
    const s = g.runner.state;
    return {
      status: s.status,
      counters: s.counters,
      results: Object.fromEntries(
        Object.values(s.results).map((r) => [
          r.runId,
          { mean: r.summary.mean, responses: r.samples.map((x) => x.response) },
        ]),
      ),
      messages: s.messages.map((x) => `${x.level}: ${x.text}`),
      stages: s.stages.map((x) => ({
        stage: x.stage,
        status: x.status,
        resumedFrom: x.resumedFrom,
        threads: x.threads,
      })),
      workers: s.workers,
    };
  });
}

/** Waits until the running pretraining has passed `step` (a partial checkpoint at a multiple of 25 below it is then stored). */
async function waitForPretrainStep(page: Page, step: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const r = (globalThis as { runner?: { state: SweepState } }).runner;
      const s = r?.state.stages.find((x) => x.stage === 'pretrain');
      return !!s && s.status === 'running' && s.step >= n;
    },
    step,
    { timeout: 120_000, polling: 100 },
  );
}

async function freshPage(context?: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const w = await openPage(context ?? browser);
  await ready(w.page);
  return w;
}

let whole: Summary;

describe('runner', () => {
  test('a second tab mirrors the sweep instead of running it; running it again computes nothing', async () => {
    const context = await browser.newContext();
    const a = await freshPage(context);
    const b = await freshPage(context);
    await startSweep(a.page, micro);
    await a.page.waitForFunction(
      () => (globalThis as { runner?: { state: SweepState } }).runner?.state.status === 'running',
    );
    await startSweep(b.page, micro);
    await b.page.waitForFunction(
      () =>
        (globalThis as { runner?: { state: SweepState } }).runner?.state.status ===
        'locked-elsewhere',
    );
    whole = await finish(a.page);
    const mirrored = await finish(b.page);
    expect(whole.status).toBe('done');
    expect(Object.keys(whole.results)).toHaveLength(2);
    expect(whole.counters.pretrain).toEqual({ computed: 1, cached: 0, resumed: 0 });
    expect(whole.counters.finetune.computed).toBe(2);
    // The second tab computed nothing and ends with the same results.
    expect(mirrored.status).toBe('done');
    expect(Object.values(mirrored.counters).every((c) => c.computed === 0)).toBe(true);
    expect(mirrored.results).toEqual(whole.results);

    // The same spec again in the first tab: everything is cached and shown at once.
    const t0 = Date.now();
    await startSweep(a.page, micro);
    const again = await finish(a.page);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(again.status).toBe('done');
    expect(Object.values(again.counters).every((c) => c.computed === 0)).toBe(true);
    expect(again.counters.eval.cached).toBe(2);
    expect(again.results).toEqual(whole.results);
    expect(a.errors).toEqual([]);
    await context.close();
  });

  test('one engine worker and a pool of them give the same numbers; so does a pretraining alone on a thread per core', async () => {
    // The first test ran on the default pool (one worker per core); this one on the other size.
    // With a pool, the one pretraining ran alone on a worker with a wasm thread per pool worker;
    // with one worker, on that worker's one thread (tfjs-wasm's default on two cores).
    const ran = (s: Summary) => s.stages.filter((x) => x.threads).map((x) => [x.stage, x.threads]);
    expect(ran(whole)).toEqual(whole.workers > 1 ? [['pretrain', whole.workers]] : []);
    const workers = whole.workers === 1 ? 2 : 1;
    const context = await browser.newContext();
    const { page, errors } = await freshPage(context);
    await startSweep(page, micro, { opts: { workers } });
    const other = await finish(page);
    expect(other.status).toBe('done');
    expect([other.workers, whole.workers].sort()).toEqual([1, Math.max(2, whole.workers)]);
    expect(ran(other)).toEqual(other.workers > 1 ? [['pretrain', other.workers]] : []);
    expect(other.counters.finetune.computed).toBe(2);
    expect(other.results).toEqual(whole.results);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a reload mid-pretraining resumes from the checkpoint, keeps every finished stage and gives the same numbers', async () => {
    const context = await browser.newContext();
    const { page, errors } = await freshPage(context);
    await startSweep(page, micro);
    await waitForPretrainStep(page, 60);
    await page.reload();
    await ready(page);
    // The page knows which sweep was interrupted.
    const interrupted = await withModule(page, RUNNER, async (m) => {
      const r = new m.SweepRunner();
      return (await r.interrupted())?.spec.sweep.axes[0].values ?? null;
    });
    expect(interrupted).toEqual([4, 8]);
    await startSweep(page, micro);
    const resumed = await finish(page);
    expect(resumed.status).toBe('done');
    expect(resumed.counters.data).toEqual({ computed: 0, cached: 1, resumed: 0 });
    expect(resumed.counters.pretrain).toEqual({ computed: 1, cached: 0, resumed: 1 });
    // Resumed from a partial checkpoint taken before the reload, not from step 0 or the end.
    const from = resumed.stages.find((s) => s.stage === 'pretrain')?.resumedFrom ?? 0;
    expect(from % 25).toBe(0);
    expect(from).toBeGreaterThanOrEqual(50);
    expect(from).toBeLessThan(150);
    expect(resumed.results).toEqual(whole.results);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a worker that ends, terminated from outside or closed from inside, mid-pretraining or mid-fine-tuning, is named within 20 s; nothing is lost and the sweep resumes', async () => {
    const context = await browser.newContext();
    const { page } = await freshPage(context);
    const ending = {
      outside: () =>
        page.evaluate(() =>
          (
            globalThis as unknown as { runner: { engineWorker: Worker } }
          ).runner.engineWorker.terminate(),
        ),
      inside: () =>
        withModule(page, '/src/runner/workers/life-lock.ts', (m) =>
          (
            globalThis as unknown as { runner: { engineWorker: Worker } }
          ).runner.engineWorker.postMessage({ type: m.CLOSE_YOURSELF }),
        ),
    };
    const fineTuning = () =>
      page.waitForFunction(
        () => {
          const r = (globalThis as { runner?: { state: SweepState } }).runner;
          return r?.state.stages.some((x) => x.stage === 'finetune' && x.status === 'running');
        },
        null,
        { timeout: 120_000, polling: 50 },
      );
    // The default watchdog (300 s): the worker's end must be seen by its life lock, not by silence.
    const kills = [
      { how: 'outside', reach: () => waitForPretrainStep(page, 60) },
      { how: 'inside', reach: () => waitForPretrainStep(page, 85) },
      { how: 'outside', reach: fineTuning },
      { how: 'inside', reach: fineTuning },
    ] as const;
    for (const [i, kill] of kills.entries()) {
      await startSweep(page, micro);
      await kill.reach();
      const endedAt = Date.now();
      await ending[kill.how]();
      const ended = await finish(page);
      const seenAfter = Date.now() - endedAt;
      console.log(`kill ${i + 1} (${kill.how}): named after ${seenAfter} ms`);
      expect(ended.status).toBe('failed');
      expect(ended.messages.at(-1)).toMatch(/engine worker stopped responding.*Nothing is lost/);
      expect(seenAfter).toBeLessThan(20_000);
      // The second kill hit a pretraining resumed from the first one's checkpoint.
      if (i === 1) {
        expect(ended.counters.pretrain.resumed).toBe(1);
        const from = ended.stages.find((x) => x.stage === 'pretrain')?.resumedFrom ?? 0;
        expect(from).toBeGreaterThanOrEqual(50);
      }
    }

    await startSweep(page, micro);
    const resumed = await finish(page);
    expect(resumed.status).toBe('done');
    expect(resumed.counters.data.computed).toBe(0);
    expect(resumed.counters.pretrain.computed).toBe(0);
    expect(resumed.results).toEqual(whole.results);
    await context.close();
  });

  test('two shards merged give the same table as the whole sweep; a foreign file is refused', async () => {
    const files: string[] = [];
    for (const k of [1, 2]) {
      const context = await browser.newContext();
      const { page } = await freshPage(context);
      await startSweep(page, micro, { shard: { k, n: 2 } });
      const s = await finish(page);
      expect(s.status).toBe('done');
      expect(Object.keys(s.results)).toHaveLength(1);
      files.push(
        await page.evaluate(() =>
          JSON.stringify(
            (
              globalThis as unknown as { runner: { exportResults(): unknown } }
            ).runner.exportResults(),
          ),
        ),
      );
      await context.close();
    }
    const { page } = await openPage(browser);
    const out = await withModule(
      page,
      RUNNER,
      async (m, a) => {
        const parsed = a.files.map((t: string, i: number) =>
          m.parseResultsFile(t, `shard${i + 1}.json`),
        );
        const merged = m.mergeResultsFiles(
          parsed.map((p: { value: unknown }, i: number) => ({
            name: `shard${i + 1}.json`,
            file: p.value,
          })),
        );
        const other = m.parseResultsFile(
          JSON.stringify({ ...JSON.parse(a.files[0]), sweepId: 'ffffffffffffffff' }),
          'edited.json',
        );
        const foreignSpec = structuredClone(parsed[0].value);
        foreignSpec.spec.seed = 7;
        const foreignPlan = m.planSweep(foreignSpec.spec);
        foreignSpec.sweepId = foreignPlan.value.sweepId;
        const mixed = m.mergeResultsFiles([
          { name: 'shard1.json', file: parsed[0].value },
          { name: 'other.json', file: foreignSpec },
        ]);
        return {
          ok: parsed.map((p: { ok: boolean }) => p.ok),
          missing: merged.value.missing,
          table: m.formatTable(m.resultsTable(merged.value.file.runs)),
          runs: merged.value.file.runs.map((r: { runId: string; summary: { mean: number } }) => [
            r.runId,
            r.summary.mean,
          ]),
          corrupt: m.parseResultsFile(a.files[0].slice(0, 200), 'cut.json'),
          foreign: m.parseResultsFile('{"hello": 1}', 'notes.json'),
          edited: other,
          mixed,
        };
      },
      { files },
    );
    expect(out.ok).toEqual([true, true]);
    expect(out.missing).toBe(0);
    expect(Object.fromEntries(out.runs)).toEqual(
      Object.fromEntries(Object.entries(whole.results).map(([id, r]) => [id, r.mean])),
    );
    console.log(`merged table:\n${out.table}`);
    expect(out.corrupt.errors[0]).toMatch(/cut\.json is not a results file: it is not valid JSON/);
    expect(out.foreign.errors[0]).toMatch(/notes\.json is not a LIMA Lab results file/);
    expect(out.edited.errors[0]).toMatch(/edited\.json is damaged/);
    expect(out.mixed.errors[0]).toMatch(/other\.json is from a different experiment/);
  });

  test('a quota error drops checkpoints, keeps every result and says what was dropped', async () => {
    const context = await browser.newContext();
    const { page } = await freshPage(context);
    const cdp = await context.newCDPSession(page);
    // A real QuotaExceededError: this origin may store a little more than it holds now.
    const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
    await cdp.send('Storage.overrideQuotaForOrigin', {
      origin: new URL(baseUrl()).origin,
      quotaSize: usage + 400_000,
    });
    await startSweep(page, micro);
    const s = await finish(page);
    console.log(`under a quota of usage + 400 kB:\n${s.messages.join('\n')}`);
    expect(s.status).toBe('done');
    expect(
      s.messages.some((m) => /storage is full: pretrain checkpoint .* was not saved/.test(m)),
    ).toBe(true);
    expect(s.results).toEqual(whole.results);
    // After a reload, every result is still there and nothing needs computing.
    await page.reload();
    await ready(page);
    const cached = await withModule(
      page,
      RUNNER,
      async (m, spec) => {
        const r = new m.SweepRunner();
        const st = await r.loadCached(spec);
        return { status: st.status, runs: Object.keys(st.results).length };
      },
      micro,
    );
    expect(cached).toEqual({ status: 'done', runs: 2 });
    await context.close();
  });
});
