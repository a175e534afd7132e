// Offline: the built site's service worker precaches everything, so a second visit works with the network gone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { build, preview, type PreviewServer } from 'vite';
import type { Browser } from 'playwright-core';
import { launch } from './harness';

let browser: Browser;
let server: PreviewServer;
let outDir: string;
let base: string;
beforeAll(async () => {
  outDir = mkdtempSync(join(tmpdir(), 'lima-lab-build-'));
  await build({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    build: { outDir, emptyOutDir: true },
  });
  server = await preview({
    configFile: 'vite.config.ts',
    logLevel: 'error',
    build: { outDir },
    preview: { port: 0, strictPort: false, host: '127.0.0.1', open: false },
  });
  const address = server.httpServer.address();
  if (!address || typeof address === 'string') throw new Error('the preview server has no port');
  base = `http://127.0.0.1:${address.port}/`;
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
  await new Promise<void>((done) => server?.httpServer.close(() => done()));
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

test('after the first visit the app, its workers and its wasm load with the network off', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(base);
  await page.getByTestId('run').waitFor();
  // The service worker installs (precaching every asset) and takes control of the page.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, {
    timeout: 60_000,
  });
  await context.setOffline(true);
  await page.reload();
  await page.getByTestId('run').waitFor();
  expect(await page.evaluate(() => navigator.onLine)).toBe(false);
  // Served from the cache with the isolation headers intact, so wasm threads stay available.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  // The probe worker (tfjs and the wasm binaries) starts offline too.
  await page.getByTestId('tab-device').click();
  await page.getByTestId('chosen-worker').waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('chosen-worker').textContent()).toMatch(/^(wasm|webgpu|cpu)$/);
  // The page says so.
  expect(await page.getByTestId('offline-status').getAttribute('data-ready')).toBe('yes');
  expect(errors).toEqual([]);
  await context.close();
});
