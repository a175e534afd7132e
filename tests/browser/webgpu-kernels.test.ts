// The fused WebGPU kernels against their plain tfjs references on SwiftShader WebGPU, inside a Web Worker.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, withModule } from './harness';

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launch();
  ({ page } = await openPage(browser, '/scripts/engine-client.ts'));
});
afterAll(async () => {
  await browser?.close();
});

/** Calls `method` of the kernel test worker in the page. */
async function call<T>(method: string, arg?: unknown): Promise<T> {
  return withModule(
    page,
    '/tests/browser/kernels-client.ts',
    (m, a) => m.callKernel(a.method, a.arg),
    { method, arg },
  ) as Promise<T>;
}

interface Comparison {
  value: number;
  grads: number[];
  scale: number;
}

describe('fused WebGPU kernels match their tfjs references (values and gradients)', () => {
  for (const [name, grads] of [
    ['rmsNorm', 2],
    ['swiglu', 1],
    ['rope', 1],
    ['attention', 1],
    ['crossEntropy', 1],
  ] as const) {
    test(name, async () => {
      const r = await call<Comparison>(name);
      console.log(`${name}: ${JSON.stringify(r)}`);
      expect(r.scale).toBeGreaterThan(0.1);
      expect(r.value).toBeLessThan(1e-4 * Math.max(1, r.scale));
      expect(r.grads).toHaveLength(grads);
      for (const g of r.grads) expect(g).toBeLessThan(1e-4);
    });
  }

  for (const packed of [false, true]) {
    test(`training${packed ? ' on packed rows' : ''}: the same losses, norms and weights as the stock path, with ≥ 3× fewer dispatches per step`, async () => {
      type Run = {
        losses: number[];
        norms: number[];
        counts: { dispatches: number; submits: number; bufferBytes: number };
      };
      const r = await call<{ stock: Run; fast: Run; weightDiff: number }>('training', {
        steps: 3,
        packed,
      });
      console.log(`training${packed ? ' (packed)' : ''}: ${JSON.stringify(r)}`);
      expect(r.stock.losses).toHaveLength(3);
      // The loss falls, so the comparison is of a model that learns.
      expect(r.stock.losses[2]).toBeLessThan(r.stock.losses[0]);
      r.fast.losses.forEach((l, i) => expect(Math.abs(l - r.stock.losses[i])).toBeLessThan(1e-4));
      r.fast.norms.forEach((n, i) => expect(Math.abs(n - r.stock.norms[i])).toBeLessThan(1e-4));
      expect(r.weightDiff).toBeLessThan(1e-4);
      expect(r.fast.counts.dispatches * 3).toBeLessThanOrEqual(r.stock.counts.dispatches);
    });
  }
});
