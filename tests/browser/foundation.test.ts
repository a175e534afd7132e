// Browser tests of the foundation: the page renders, WebGPU runs in a worker, share links round-trip.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, openPage, withModule } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

describe('the first page', () => {
  test('renders the default experiment, cross-origin isolated, without errors', async () => {
    const { page, errors } = await openPage(browser);
    await expect(page.getByRole('heading', { name: 'LIMA Lab' }).isVisible()).resolves.toBe(true);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    await page.getByTestId('run-count').waitFor();
    expect(Number(await page.getByTestId('run-count').textContent())).toBe(15);
    await page.getByTestId('chosen-worker').waitFor({ timeout: 60_000 });
    expect(errors).toEqual([]);
  });
});

describe('WebGPU inside a module Web Worker', () => {
  test('finds an adapter and a tfjs matmul+softmax on webgpu matches the cpu backend', async () => {
    const { page, errors } = await openPage(browser);
    const result = await withModule(page, '/src/runner/workers/start.ts', async (m) => {
      const w = m.probeWorker();
      return { report: await w.probe('webgpu'), test: await w.selfTest('webgpu', 16) };
    });
    console.log(
      `WebGPU in worker: adapter ${JSON.stringify(result.report.webgpu)}; ` +
        `max |webgpu - cpu| = ${result.test.maxAbsDiff.toExponential(2)} over ${result.test.values.length} values`,
    );
    // No adapter is a failure, not a skip.
    expect(result.report.context).toBe('worker');
    expect(result.report.webgpu, result.report.webgpuError).not.toBeNull();
    expect(result.test.backend).toBe('webgpu');
    expect(result.test.values).toHaveLength(256);
    expect(result.test.maxAbsDiff).toBeLessThan(1e-5);
    // A real comparison: the outputs are a non-trivial softmax, not zeros.
    expect(Math.max(...result.test.values)).toBeGreaterThan(0.1);
    expect(errors).toEqual([]);
  });

  test('the wasm backend works in the worker with SIMD', async () => {
    const { page } = await openPage(browser);
    const result = await withModule(page, '/src/runner/workers/start.ts', async (m) => {
      const w = m.probeWorker();
      return { report: await w.probe('auto'), test: await w.selfTest('wasm', 16) };
    });
    console.log(
      `wasm in worker: ${JSON.stringify(result.report.wasm)}; auto picks ${result.report.chosen} (${result.report.reason})`,
    );
    expect(result.report.wasm.simd).toBe(true);
    expect(result.test.maxAbsDiff).toBeLessThan(1e-5);
    // A software WebGPU adapter must not be preferred over wasm for training.
    if (result.report.webgpu?.isFallback) expect(result.report.chosen).toBe('wasm');
  });
});
