// Screenshots of each main view at 1366×768 for the README: `node scripts/screenshots.mjs [--static]` (runs a short sweep).
import { mkdirSync } from 'node:fs';
import { createServer } from 'vite';
import { launchChromium } from './chromium.mjs';

const OUT = 'docs/screenshots';
/** The default experiment (the plateau-toy preset) with two seeds instead of three, to save time. */
const SEEDS = [1, 2];

const server = await createServer({
  configFile: 'vite.config.ts',
  // No watcher and no HMR: edits made while the sweep runs must not reload the page.
  server: { port: 0, strictPort: false, host: '127.0.0.1', open: false, hmr: false, watch: null },
  logLevel: 'warn',
});
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}/`;
const browser = await launchChromium();
try {
  mkdirSync(OUT, { recursive: true });
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  const shot = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${OUT}/${name}.png` });
    console.log(`${OUT}/${name}.png`);
  };

  await page.goto(base);
  await page.getByTestId('run').waitFor();
  await shot('start');

  await page.goto(`${base}#view=editor`);
  await page.locator('#f-finetune-examples').waitFor();
  // The time estimate appears once the first visit's calibration has measured this device.
  await page
    .locator('[data-testid="cost-time"]:not([data-source="none"])')
    .waitFor({ timeout: 60_000 });
  await shot('editor');

  await page.goto(`${base}#view=workshop&lesson=3`);
  await page.getByTestId('lessons').waitFor();
  await shot('workshop');

  await page.goto(`${base}#view=device`);
  await page.getByTestId('chosen-worker').waitFor({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Run the quick test' }).click();
  await page.locator('[data-testid="quick-bench"] tbody tr').last().waitFor({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Run the quick test' }).waitFor({ timeout: 120_000 });
  await shot('device');

  // `--static`: only the views that need no sweep (a quick refresh after a layout change).
  if (!process.argv.includes('--static')) await sweepViews(page, shot);
} finally {
  await browser.close();
  await server.close();
}

/** Runs the short sweep and takes the run (mid-run), results, plateau and samples views. */
async function sweepViews(page, shot) {
  const hash = await page.evaluate(
    `import('/src/spec/index.ts').then((m) => {
      const spec = m.presetSpec(m.DEFAULT_PRESET);
      spec.sweep.axes = spec.sweep.axes.map((a) => (a.path === 'finetune.seed' ? { ...a, values: ${JSON.stringify(SEEDS)} } : a));
      return m.encodeSpec(spec);
    })`,
  );
  await page.goto(`${base}#s=${hash}`);
  await page.getByTestId('run').click();
  await page.getByTestId('stage-queue').waitFor();
  // Report progress while waiting; take the run view once fine-tuning is under way.
  const started = Date.now();
  let shotRun = false;
  for (;;) {
    const status = await page.getByTestId('sweep-status').textContent();
    const line = await page
      .locator('label[for="stage-progress"]')
      .textContent()
      .catch(() => '');
    console.log(
      `${((Date.now() - started) / 1000).toFixed(0)} s: ${status} ${line.replace(/\s+/g, ' ')}`,
    );
    if (['done', 'failed', 'cancelled'].includes(status)) break;
    if (!shotRun && /Fine-tuning/.test(line)) {
      await page.waitForTimeout(2000);
      await shot('run');
      shotRun = true;
    }
    await page.waitForTimeout(shotRun ? 15_000 : 3000);
  }
  if (!shotRun) await shot('run');

  await page.getByTestId('tab-results').click();
  await page.getByTestId('results-table').waitFor();
  await shot('results');
  await page.getByTestId('plateau-point').last().hover();
  await page.locator('[data-chart="plateau"]').screenshot({ path: `${OUT}/plateau.png` });
  console.log(`${OUT}/plateau.png`);

  await page.getByTestId('tab-samples').click();
  await page.getByTestId('sample').first().waitFor();
  await page.getByTestId('samples-run').selectOption({ index: 8 });
  await shot('samples');
}
