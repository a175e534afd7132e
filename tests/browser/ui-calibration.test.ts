// The editor's time estimate before any run: a background calibration on the detected backend, stopped by a sweep.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page, Route, Worker } from 'playwright-core';
import { baseUrl, launch, openPage } from './harness';
import { microHash } from './ui-helpers';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

interface Stored {
  flopsPerSec: number;
  at: number;
  source?: string;
}
const stored = (page: Page) =>
  page.evaluate(
    () => JSON.parse(localStorage.getItem('lima-lab:speed') ?? '{}') as Record<string, Stored>,
  );

describe('the time estimate on a fresh browser', () => {
  test('the editor shows a calibrated time without running any experiment', async () => {
    const t0 = Date.now();
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    let started = 0;
    let probes = 0;
    context.on('page', (p) =>
      p.on('worker', (w) => {
        if (w.url().includes('probe.worker') && ++probes === 2) started = Date.now();
      }),
    );
    const { page, errors } = await openPage(context, '#view=editor');
    const time = page.locator('[data-testid="cost-time"][data-source="calibrated"]');
    await time.waitFor({ timeout: 90_000 });
    console.log(
      `calibrated ${Date.now() - t0} ms after the page opened, ${Date.now() - started} ms after its worker started`,
    );
    const text = (await time.textContent())!.replace(/\s+/g, ' ').trim();
    expect(text).toMatch(/^about \d+(\.\d)? (s|min|h) on (wasm|webgpu|cpu) \(calibrated: .*rough/);
    const backend = /on (\w+)/.exec(text)![1];
    // The default experiment's base model ships with the app: the estimate leaves its
    // pretraining out, as a start will (and says so).
    await page.getByTestId('cost-ready').waitFor({ timeout: 30_000 });
    expect((await page.getByTestId('cost').textContent())!.replace(/\s+/g, ' ')).toContain(
      '0 pretrainings, 15 fine-tunings, 15 evaluations (1 more stage is already done: cached, or a base model that came with the app)',
    );
    // The start page promises the same time as the editor.
    const now = (await time.textContent())!.replace(/\s+/g, ' ').trim();
    const editorTime = /^about [^(]+/.exec(now)![0].trim();
    await page.getByTestId('tab-start').click();
    expect((await page.getByTestId('start-time').textContent())!.trim()).toBe(editorTime);
    const speeds = await stored(page);
    expect(speeds[backend]?.source).toBe('calibrated');
    expect(speeds[backend]?.flopsPerSec).toBeGreaterThan(0);
    // Then the small model, on its own: its larger products use more of the device than the
    // toy's, so the small presets' times (the knowledge experiment's card) use its own speed.
    await expect
      .poll(async () => (await stored(page))[`${backend}:small`]?.source, { timeout: 90_000 })
      .toBe('calibrated');
    const small = (await stored(page))[`${backend}:small`]!.flopsPerSec;
    console.log(
      `calibrated the small model at ${small / 1e9} GFLOP/s, the toy at ${speeds[backend]!.flopsPerSec / 1e9}`,
    );
    expect(small).toBeGreaterThan(speeds[backend]!.flopsPerSec);
    // Nothing ran: no engine worker was ever started, and the Run tab shows no sweep.
    expect(page.workers().some((w) => w.url().includes('engine.worker'))).toBe(false);
    await page.getByTestId('tab-run').click();
    await page.getByTestId('run-view').waitFor();
    expect(await page.locator('[data-testid="sweep-status"]:not(:text-is("idle"))').count()).toBe(
      0,
    );
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a sweep that starts ends the calibration at once; the run then measures the real speed', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // Hold the wasm binaries until the sweep has started, so that the calibration is surely
    // still running when Run is pressed.
    const held: Route[] = [];
    let holding = true;
    await context.route(/\.wasm$/, (route) => {
      if (holding) held.push(route);
      else void route.continue();
    });
    const { page, errors } = await openPage(context, null);
    const calibration = new Promise<Worker>((resolve) => {
      let probes = 0;
      page.on('worker', (w) => {
        // The probe worker answers the backend probe; the second one is the calibration's.
        if (w.url().includes('probe.worker') && ++probes === 2) resolve(w);
      });
    });
    await page.goto(new URL(microHash(), baseUrl()).toString());
    const worker = await calibration;
    const closed = new Promise<number>((resolve) => worker.on('close', () => resolve(Date.now())));
    // The calibration asked for the wasm binary: it is under way.
    await expect.poll(() => held.length, { timeout: 60_000 }).toBeGreaterThan(0);
    const clicked = Date.now();
    await page.getByTestId('run').click();
    const end = await Promise.race([closed, new Promise<null>((r) => setTimeout(r, 15_000, null))]);
    expect(end, 'the calibration worker was not ended when the sweep started').not.toBeNull();
    console.log(`calibration worker ended ${end! - clicked} ms after Run was pressed`);
    holding = false;
    for (const r of held.splice(0)) await r.continue().catch(() => {});
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sweep-status"]')?.textContent === 'done',
      null,
      { timeout: 180_000 },
    );
    const speeds = await stored(page);
    // The run measured the toy's speed; the small model's may be calibrated once the sweep ends.
    expect(speeds.wasm?.source).toBe('measured');
    expect(Object.keys(speeds).filter((k) => k !== 'wasm:small')).toEqual(['wasm']);
    await page.getByTestId('tab-editor').click();
    expect(
      await page.locator('[data-testid="cost-time"][data-source="measured"]').textContent(),
    ).toMatch(/about .* on wasm \(measured: /);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('the quick test measures training, not just a matmul, and stores it as a calibration', async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const { page, errors } = await openPage(context, '#view=device');
    // An older calibration, as if from an earlier visit.
    await page.evaluate(() =>
      localStorage.setItem(
        'lima-lab:speed',
        JSON.stringify({ wasm: { flopsPerSec: 1, at: 1, source: 'calibrated' } }),
      ),
    );
    await page.getByRole('button', { name: 'Run the quick test' }).click();
    const line = page.getByTestId('quick-bench-training');
    await line.waitFor({ timeout: 120_000 });
    expect(await line.textContent()).toMatch(/Training the toy model on wasm: .* tokens\/s/);
    expect(await line.textContent()).toContain('uses it as a calibrated speed');
    const wasm = (await stored(page)).wasm!;
    expect(wasm.source).toBe('calibrated');
    expect(wasm.flopsPerSec).toBeGreaterThan(1e6);
    expect(wasm.at).toBeGreaterThan(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
