// Launches headless Chromium (WebGPU on) for a browser test and collects what pages log and throw.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { inject } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';

export const baseUrl = () => inject('baseUrl');

export async function launch(): Promise<Browser> {
  return launchChromium(inject('chromePath'));
}

export interface WatchedPage {
  page: Page;
  /** Uncaught page errors and console errors, for assertions. */
  errors: string[];
  logs: string[];
}

/** A page in a fresh context (its own storage), watching errors and logs; `path` null stays blank. */
export async function openPage(
  browser: Browser | BrowserContext,
  path: string | null = '',
): Promise<WatchedPage> {
  const context =
    'newContext' in browser
      ? await browser.newContext({ viewport: { width: 1366, height: 768 } })
      : browser;
  const page = await context.newPage();
  const errors: string[] = [];
  const logs: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    const line = `${m.type()}: ${m.text()}`;
    logs.push(line);
    if (m.type() === 'error') errors.push(line);
  });
  if (path !== null) await page.goto(new URL(path, baseUrl()).toString());
  return { page, errors, logs };
}

/**
 * Imports an app module in the page (served by Vite) and calls `fn(module, arg)` there.
 * `fn` travels as source text, so it must not use anything from the test file's scope.
 */
export function withModule<T, A = undefined>(
  page: Page,
  path: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  fn: (m: any, arg: A) => Promise<T> | T,
  arg?: A,
): Promise<T> {
  return page.evaluate(
    `import(${JSON.stringify(path)}).then((m) => (${fn.toString()})(m, ${JSON.stringify(arg ?? null)}))`,
  ) as Promise<T>;
}

/**
 * Destroys the GPUDevice of the page's engine worker, as a driver reset would. Reached from outside
 * through the worker's own global: tfjs-core keeps its engine there (`_tfengine`), so the app needs
 * no test hook.
 */
export async function loseEngineDevice(page: Page): Promise<void> {
  const worker = page.workers().find((w) => w.url().includes('engine.worker'));
  if (!worker) throw new Error('no engine worker in the page');
  await worker.evaluate(() => {
    const engine = (globalThis as { _tfengine?: { backend: { device?: GPUDevice } } })._tfengine;
    if (!engine?.backend.device) throw new Error('the engine worker runs no WebGPU backend');
    engine.backend.device.destroy();
  });
}

/**
 * Starts an engine and a probe worker from the page once, and waits out the reload a cold Vite
 * server may make while it pre-bundles their dependencies (it would destroy a long evaluate).
 */
export async function settle(page: Page): Promise<void> {
  for (let i = 0; i < 4; i++) {
    try {
      await withModule(page, '/scripts/engine-client.ts', async (m) => {
        for (const w of [m.engineWorker(), m.benchWorker()]) {
          await (w.engine ?? w.bench).probe('auto');
          w.terminate();
        }
        (globalThis as { settled?: boolean }).settled = true;
      });
      // A reload triggered by the workers' imports comes a moment later and clears the flag.
      await page.waitForTimeout(2000);
      if (await page.evaluate(() => (globalThis as { settled?: boolean }).settled === true)) return;
    } catch {
      // A reload picks up the dependencies Vite has just re-bundled ("Outdated Optimize Dep").
      await page.reload({ waitUntil: 'load' });
    }
  }
  throw new Error('the page kept reloading');
}
