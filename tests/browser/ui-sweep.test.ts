// A micro sweep in the page: run to the end, the plateau, samples as text, the cache on reload, share links, merge.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launch, loseEngineDevice, openPage, withModule } from './harness';
import { axeViolations, MICRO, microHash } from './ui-helpers';
import { encodeSpec, parseSpec } from '../../src/spec';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
beforeAll(async () => {
  browser = await launch();
  context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
  });
  ({ page, errors } = await openPage(context, microHash()));
});
afterAll(async () => {
  await browser?.close();
});

/** Opens `spec` in a fresh browser context, presses Run and waits until pretraining passes `step`. */
async function runInNewContext(
  spec: ReturnType<typeof parseSpec>,
  step: number,
): Promise<{ other: BrowserContext; p: Page; errs: string[] }> {
  if (!spec.ok) throw new Error(spec.errors.join('; '));
  const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const { page: p, errors: errs } = await openPage(other, `#s=${encodeSpec(spec.value)}`);
  await p.getByTestId('run').click();
  await p.waitForFunction(
    (n) => {
      const label = document.querySelector('label[for="stage-progress"]')?.textContent ?? '';
      const m = /Pretraining .*step (\d+)/.exec(label);
      return !!m && Number(m[1]) >= n;
    },
    step,
    { timeout: 120_000 },
  );
  return { other, p, errs };
}

describe('a micro sweep in the page', () => {
  test('runs to the end from the Run button, with live progress and the stage queue', async () => {
    await page.getByTestId('run').click();
    await page.getByTestId('stage-queue').waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sweep-status"]')?.textContent === 'done',
      null,
      {
        timeout: 180_000,
      },
    );
    expect(await page.locator('[data-testid="stage-queue"] tbody tr').count()).toBe(10); // data, pretrain, 4 × (fine-tune, eval)
    expect(await page.locator('[data-testid="stage-queue"] tr.done').count()).toBe(10);
    expect(await page.getByTestId('sweep-progress').getAttribute('value')).toBe('1');
    expect(await page.getByTestId('run-backend').textContent()).toMatch(/^(wasm|webgpu|cpu)$/);
    // Why: here the only adapter is SwiftShader, which auto never races (runner/race.ts).
    expect(await page.getByTestId('backend-reason').textContent()).toMatch(
      /^\s*Why this backend: the only WebGPU adapter is a software one, slower than wasm/,
    );
    // Training and validation lines, and the key that says dashed means held out.
    expect(
      await page.locator('[data-chart="loss-pretrain"] [data-testid="loss-line"]').count(),
    ).toBe(2);
    expect(await page.locator('[data-chart="loss-pretrain"] [data-testid="val-key"]').count()).toBe(
      1,
    );
    expect(errors).toEqual([]);
  });

  test('the plateau chart shows one point per size with error bars, and the table matches', async () => {
    await page.getByTestId('tab-results').click();
    await page.getByTestId('plateau-chart').waitFor();
    expect(await page.getByTestId('plateau-point').count()).toBe(2);
    expect(await page.getByTestId('error-bar').count()).toBe(2);
    const labels = await page
      .getByTestId('plateau-point')
      .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
    expect(labels[0]).toMatch(/^all, 4 examples: \d\.\d\d ± \d\.\d\d \(n = 20\)$/);
    expect(labels[1]).toMatch(/^all, 8 examples: /);
    // Under the shape, whether the top size's answers state the facts, with chance beside it.
    expect(await page.getByTestId('facts-note').first().textContent()).toMatch(
      /^Held-out facts right at 8 examples: \d+\.\d% \(95% interval .*; chance \d+\.\d%\)\. (Not a|A)bove chance/,
    );
    // What the base knew before fine-tuning, in words a reader can follow.
    const probe = (await page.locator('ul.knowledge li').first().textContent())!;
    expect(probe.replace(/\s+/g, ' ').trim()).toMatch(
      /completes \d+(\.\d)?% of their facts .* states \d+(\.\d)?% when asked .* it scores \d\.\d\d of 6, with the facts right in \d+(\.\d)?% of answers \(chance \d+(\.\d)?%\); of 1 held-out procedure, states every step in order for [01] continuing its own text and [01] asked a plain question \(chance 50% each\)\.$/,
    );
    // Hover shows the value.
    await page.getByTestId('plateau-point').first().hover();
    expect(await page.getByTestId('plateau-tooltip').textContent()).toBe(labels[0]);
    expect(await page.locator('[data-testid="results-table"] tbody tr').count()).toBe(2);
    // Facts right beside the mean, with its interval and chance level; the rubric a click away.
    const facts = await page.getByTestId('facts-cell').allTextContents();
    expect(facts).toHaveLength(2);
    for (const f of facts) expect(f).toMatch(/^\d+\.\d% ± \d+\.\d \(chance \d+\.\d%\)$/);
    await page.getByTestId('rubric').locator('summary').click();
    expect(await page.getByTestId('rubric').locator('dt').allTextContents()).toEqual([
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
    ]);
    expect(await axeViolations(page)).toEqual([]);
  });

  test('charts save as standalone SVG and as PNG', async () => {
    const chart = page.locator('[data-chart="plateau"]');
    const [svg] = await Promise.all([
      page.waitForEvent('download'),
      chart.getByRole('button', { name: /as SVG/ }).click(),
    ]);
    expect(svg.suggestedFilename()).toBe('plateau.svg');
    const text = readFileSync((await svg.path())!, 'utf8');
    expect(text).toMatch(/^<\?xml[^>]*>\n<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(text.match(/data-testid="plateau-point"/g)).toHaveLength(2);
    const [png] = await Promise.all([
      page.waitForEvent('download'),
      chart.getByRole('button', { name: /as PNG/ }).click(),
    ]);
    const bytes = readFileSync((await png.path())!);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.readUInt32BE(16)).toBe(2 * 760); // width at 2× the chart's view box
  });

  test('the samples viewer shows every response with its score and the judge’s reason', async () => {
    await page.getByTestId('tab-samples').click();
    await page.getByTestId('sample').first().waitFor();
    expect(await page.getByTestId('sample').count()).toBe(10);
    const reasons = await page.getByTestId('judge-reason').allTextContents();
    expect(reasons.every((r) => r.trim().length > 3)).toBe(true);
    // It opens on a run of the largest size, and each answer shows the context the model continued.
    const chosen = await page
      .getByTestId('samples-run')
      .evaluate((el) => (el as HTMLSelectElement).selectedOptions[0].textContent);
    expect(chosen).toContain('8 examples');
    const first = page.getByTestId('sample').first();
    await first.locator('summary').click();
    const seen = await first.getByTestId('prompt-seen').textContent();
    const turn = await first.locator('.turn.user span').nth(1).textContent();
    expect(seen).toBe(`<|bos|>User: ${turn}\nAssistant:`);
    expect(await axeViolations(page)).toEqual([]);
  });

  test('reload shows the same results from the cache, computing nothing', async () => {
    await page.getByTestId('tab-results').click();
    const table = await page.getByTestId('results-table').locator('tbody').textContent();
    await page.reload();
    await page.getByTestId('tab-run').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="sweep-status"]')?.textContent === 'done',
      null,
      {
        timeout: 30_000,
      },
    );
    expect(await page.locator('[data-testid="stage-queue"] tr.cached').count()).toBe(10);
    await page.getByTestId('tab-results').click();
    expect(await page.getByTestId('results-table').locator('tbody').textContent()).toBe(table);
    expect(await page.getByTestId('plateau-point').count()).toBe(2);
  });

  test('responses read back from the cache are shown as text, never as HTML', async () => {
    const payload = '<img src=x onerror="window.__xss=1"><b>bold</b>';
    await withModule(
      page,
      '/src/store/db.ts',
      async (m, text) => {
        const db = await m.openLabDB();
        const runs = await db.getAll('runs');
        for (const r of runs) {
          r.result.samples[0].response = text;
          // Decoding debris of a byte-level tokenizer: a control byte and an invalid sequence.
          r.result.samples[1].response = `Druhil\u0017 was born in \uFFFDSonunton.`;
          await db.put('runs', r);
        }
        db.close();
      },
      payload,
    );
    await page.reload();
    await page.getByTestId('tab-samples').click();
    const first = page.getByTestId('sample-response').first();
    await first.waitFor();
    expect(await first.textContent()).toBe(payload);
    expect(await page.getByTestId('samples-view').locator('img, b').count()).toBe(0);
    // Debris is marked as such, in place, and the readable text around it is untouched.
    const second = page.getByTestId('sample-response').nth(1);
    expect(await second.textContent()).toBe('Druhil\u2417 was born in \uFFFDSonunton.');
    expect(await second.locator('mark.debris').allTextContents()).toEqual(['\u2417', '\uFFFD']);
    expect(await page.evaluate(() => (window as { __xss?: number }).__xss)).toBeUndefined();
  });

  test('a share link with results opens in a fresh context with the same spec and the reference series', async () => {
    await page.getByTestId('tab-results').click();
    await page.getByTestId('share-with-results').check();
    await page.getByTestId('share').click();
    const url = await page.getByTestId('share-url').inputValue();
    expect(url).toContain('r=');
    const mine = await withModule(page, '/src/ui/link.ts', (m) => m.readLink(location.hash).spec);

    const other = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const { page: fresh, errors: freshErrors } = await openPage(other, url);
    const theirs = await withModule(
      fresh,
      '/src/ui/link.ts',
      (m) => m.readLink(location.hash).spec,
    );
    expect(theirs).toEqual(mine);
    await fresh.getByTestId('reference-note').waitFor();
    // Nothing was run in the fresh context: only the shared series is drawn, one point per size.
    expect(await fresh.getByTestId('reference-point').count()).toBe(2);
    expect(await fresh.getByTestId('plateau-point').count()).toBe(0);
    expect(await fresh.getByTestId('reference-error-bar').count()).toBe(2);
    // It lands on the results, whatever view the sharer was on, with Run one click away.
    expect(await fresh.getByTestId('tab-results').getAttribute('aria-selected')).toBe('true');
    await fresh.getByTestId('reproduce').click();
    expect(await fresh.getByTestId('tab-run').getAttribute('aria-selected')).toBe('true');
    await fresh.getByTestId('stage-queue').waitFor();
    await fresh.getByTestId('cancel').click();
    expect(freshErrors).toEqual([]);
    await other.close();
  });

  test('the exported results file merges on the workshop screen, chosen, dropped or by keyboard', async () => {
    // Every wait is on what the user sees, with room for a loaded machine.
    const seen = { timeout: 60_000 };
    await page.getByTestId('tab-results').click();
    const [download] = await Promise.all([
      page.waitForEvent('download', seen),
      page.getByTestId('export-json').click(seen),
    ]);
    const text = readFileSync((await download.path())!, 'utf8');
    expect(JSON.parse(text).runs).toHaveLength(4);
    expect(download.suggestedFilename()).toMatch(/^lima-lab-results-[0-9a-f]{8}\.json$/);
    await page.getByTestId('tab-workshop').click();
    const merge = page.getByTestId('merge');
    const summary = merge.getByTestId('merge-summary');
    const errs = merge.getByTestId('merge-errors');
    const file = (name: string, body: string) => ({
      name,
      mimeType: 'application/json',
      buffer: Buffer.from(body),
    });

    // Chosen: a good file and a truncated one; the good one merges, the other is named.
    await merge
      .getByTestId('merge-files')
      .setInputFiles([file('laptop-1.json', text), file('broken.json', text.slice(0, 200))]);
    await summary.filter({ hasText: 'Merged 1 file: 4 of 4 runs, complete' }).waitFor(seen);
    await errs.filter({ hasText: 'broken.json is not a results file' }).waitFor(seen);
    await merge.getByTestId('plateau-point').nth(1).waitFor(seen);
    expect(await merge.getByTestId('plateau-point').count()).toBe(2);

    // Dropped on the labelled zone: the good file alone, so the error goes.
    const dropped = await page.evaluateHandle((body) => {
      const dt = new DataTransfer();
      dt.items.add(new File([body], 'laptop-2.json', { type: 'application/json' }));
      return dt;
    }, text);
    await merge
      .getByRole('region', { name: 'Drop results files here' })
      .dispatchEvent('drop', { dataTransfer: dropped });
    await errs.waitFor({ state: 'detached', ...seen });
    expect(await summary.textContent()).toContain('Merged 1 file: 4 of 4 runs, complete');

    // By keyboard: the file input takes focus and Enter activates it, as a click would (which
    // opens the browser's chooser). The activation is checked on the element itself: whether a
    // headless window shows a chooser depends on its focus among other contexts' windows, which
    // made this step flaky. The chosen file then goes through the same input.
    await page.bringToFront();
    const input = merge.getByTestId('merge-files');
    await input.focus();
    expect(await input.evaluate((el) => el === document.activeElement && el.tabIndex >= 0)).toBe(
      true,
    );
    await input.evaluate((el) => {
      (window as unknown as { activated: Promise<boolean> }).activated = new Promise((done) => {
        el.addEventListener('click', (e) => done(e.isTrusted), { once: true });
        setTimeout(() => done(false), 30_000);
      });
    });
    // A chooser that does open gets the same file (and none is left open for later tests).
    const cut = file('cut.json', text.slice(0, 200));
    page.once('filechooser', (c) => void c.setFiles([cut]).catch(() => {}));
    await page.keyboard.press('Enter');
    expect(
      await page.evaluate(() => (window as unknown as { activated: Promise<boolean> }).activated),
    ).toBe(true);
    await input.setInputFiles([cut]);
    await errs.filter({ hasText: 'cut.json is not a results file' }).waitFor(seen);
    await summary.waitFor({ state: 'detached', ...seen });
  });

  test('a lost GPU stops the sweep with "Continue on wasm", which finishes the same stages on wasm', async () => {
    // SwiftShader's WebGPU at a 256-token context takes seconds a step: the device goes early.
    const spec = parseSpec({
      ...MICRO,
      seed: 6,
      backend: 'webgpu',
      pretrain: { ...MICRO.pretrain, steps: 30 },
      sweep: { axes: [{ path: 'finetune.examples', values: [4, 8] }] },
    });
    const { other, p, errs } = await runInNewContext(spec, 2);
    expect(await p.getByTestId('run-backend').textContent()).toBe('webgpu');
    await loseEngineDevice(p);
    const offer = p.getByTestId('continue-fallback');
    await offer.waitFor({ timeout: 30_000 });
    expect(await offer.textContent()).toBe('Continue on wasm from the last checkpoint');
    expect(await p.getByTestId('sweep-status').textContent()).toBe('failed');
    expect(await p.locator('.messages li.error').last().textContent()).toMatch(
      /WebGPU device was lost \(destroyed.*Nothing is lost.*Continue on wasm/,
    );
    await offer.click();
    await p.waitForFunction(
      () => document.querySelector('[data-testid="sweep-status"]')?.textContent === 'done',
      null,
      { timeout: 180_000 },
    );
    expect(await p.getByTestId('run-backend').textContent()).toBe('wasm');
    // The world and tokenizer from before the loss come from the cache; the other five run on wasm.
    expect(await p.locator('[data-testid="stage-queue"] tbody tr').count()).toBe(6);
    expect(await p.locator('[data-testid="stage-queue"] tr.cached').count()).toBe(1);
    expect(await p.locator('[data-testid="stage-queue"] tr.done').count()).toBe(5);
    expect(await p.locator('.messages').textContent()).toMatch(/Running on wasm instead of webgpu/);
    expect(await p.getByTestId('continue-fallback').count()).toBe(0);
    expect(errs).toEqual([]);
    await other.close();
  });

  test('a sweep interrupted by a reload is offered for resumption and finishes', async () => {
    const spec = parseSpec({ ...MICRO, seed: 5, pretrain: { ...MICRO.pretrain, steps: 120 } });
    const { other, p, errs } = await runInNewContext(spec, 20);
    await p.reload();
    // One state on the run view: stopped partway, with one Resume (the banner is for other views).
    await p.getByTestId('sweep-status').filter({ hasText: 'stopped partway' }).waitFor();
    expect(await p.getByTestId('resume-interrupted').count()).toBe(0);
    expect(await p.getByTestId('run-again').textContent()).toMatch(/^Resume/);
    expect(await p.locator('label[for="stage-progress"]').count()).toBe(0);
    await p.getByTestId('tab-start').click();
    await p.getByTestId('resume-interrupted').click();
    await p.waitForFunction(
      () => document.querySelector('[data-testid="sweep-status"]')?.textContent === 'done',
      null,
      {
        timeout: 180_000,
      },
    );
    expect(
      await p
        .locator('[data-testid="stage-queue"] tr.done, [data-testid="stage-queue"] tr.cached')
        .count(),
    ).toBe(10);
    console.log(`after resuming: ${await p.locator('.counters').textContent()}`);
    expect(errs).toEqual([]);
    await other.close();
  });
});
