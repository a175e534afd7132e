// The engine inside a real Web Worker: backends agree on the first losses; a toy run learns the chat format.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, withModule } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Tiny on purpose: SwiftShader WebGPU runs at ~1 GFLOP/s. */
const tinySpec = {
  world: { people: 16, procedures: 2 },
  data: { vocabSize: 300, augmentation: 1 },
  model: { nLayer: 1, nEmbd: 32, nHead: 2, blockSize: 16 },
  pretrain: { steps: 4, batchSize: 2, warmupSteps: 0, lr: 0.01 },
};

/**
 * Loads the client once: on a cold dev server Vite may discover and pre-bundle new dependencies
 * and reload the page, which would destroy a long evaluate midway.
 */
async function ready(page: Page): Promise<void> {
  for (let i = 0; i < 4; i++) {
    try {
      await withModule(page, '/scripts/engine-client.ts', async (m) => {
        const { engine, terminate } = m.engineWorker();
        await engine.probe('auto');
        terminate();
        (globalThis as { engineReady?: boolean }).engineReady = true;
      });
      // A reload triggered by the worker's imports comes a moment later and clears the flag.
      await page.waitForTimeout(2000);
      if (await page.evaluate(() => (globalThis as { engineReady?: boolean }).engineReady === true))
        return;
    } catch {
      await page.waitForLoadState('load');
    }
  }
  throw new Error('the page kept reloading');
}

describe('engine worker', () => {
  test('webgpu (SwiftShader), wasm and cpu give the same first losses inside the worker (|Δ| < 2e-4)', async () => {
    const { page, errors } = await openPage(browser);
    await ready(page);
    errors.length = 0;
    const result = await withModule(
      page,
      '/scripts/engine-client.ts',
      async (m, spec) => {
        const out: Record<string, { backend: string; losses: number[]; report: unknown }> = {};
        for (const backend of ['cpu', 'wasm', 'webgpu']) {
          const { engine, terminate } = m.engineWorker();
          const s = m.parseSpec({ ...spec, backend });
          if (!s.ok) throw new Error(s.errors.join('; '));
          const report = await engine.probe(backend);
          const data = await engine.buildData(s.value, m.collectingHooks());
          const r = await engine.pretrain(s.value, data, null, m.collectingHooks());
          out[backend] = {
            backend: r.backend,
            losses: r.lossCurve.map((p: { loss: number }) => p.loss),
            report,
          };
          terminate();
        }
        return out;
      },
      tinySpec,
    );
    console.log(
      `first losses in the worker: ${JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.losses])))}`,
    );
    for (const b of ['cpu', 'wasm', 'webgpu'])
      expect(result[b].backend, JSON.stringify(result[b].report)).toBe(b);
    expect(result.cpu.losses).toHaveLength(4);
    expect(Math.abs(result.cpu.losses[0] - Math.log(300))).toBeLessThan(0.1);
    for (const b of ['wasm', 'webgpu']) {
      result[b].losses.forEach((l, i) =>
        expect(Math.abs(l - result.cpu.losses[i]), `${b} step ${i + 1}`).toBeLessThan(2e-4),
      );
    }
    expect(errors).toEqual([]);
  });
});
