// backend auto in real Chromium: the runner races wasm against the GPU adapter on the sweep's model, trains on the winner, caches it and says why.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launch, openPage, settle, withModule } from './harness';
import { parseSpec, type Spec } from '../../src/spec';
import { MICRO_SPEC } from '../fixtures/micro-spec';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/**
 * The micro model on auto, one fine-tuning size per sweep: the race is what is tested, not the
 * sweep. Batch 1 keeps SwiftShader's share of the race (five steps at ~130 tokens/s) to seconds.
 */
function micro(examples: number): Spec {
  const r = parseSpec({
    ...MICRO_SPEC,
    backend: 'auto',
    pretrain: { ...MICRO_SPEC.pretrain, batchSize: 1 },
    sweep: { axes: [{ path: 'finetune.examples', values: [examples] }] },
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

interface Outcome {
  status: string;
  backend: string | null;
  reason: string | null;
  /** Every reason the state showed, in order (the "timing…" line while the race runs). */
  reasons: string[];
  /** The backend each run's stages finished on. */
  ranOn: string[];
  cached: string[];
}

/** Runs `spec` with a runner that lets the software adapter race (the only adapter here). */
function sweep(page: Page, spec: Spec): Promise<Outcome> {
  return withModule(
    page,
    '/src/runner/index.ts',
    async (m, a) => {
      const runner = new m.SweepRunner({ raceSoftware: true, dbName: 'race' });
      const reasons: string[] = [];
      runner.subscribe((s: { backendReason: string | null }) => {
        if (s.backendReason && reasons.at(-1) !== s.backendReason) reasons.push(s.backendReason);
      });
      const s = await runner.start(a);
      return {
        status: s.status,
        backend: s.backend,
        reason: s.backendReason,
        reasons,
        ranOn: Object.values(s.results as Record<string, { backend: string }>).map(
          (r) => r.backend,
        ),
        cached: Object.keys(localStorage).filter((k) => k.startsWith('lima-lab:auto-backend:')),
      };
    },
    spec,
  );
}

const RACED =
  /^auto chose (wasm|webgpu): on this model \(B1×T256\) wasm trained at ([\d,.]+) tokens\/s and the GPU \((.+)\) trained at ([\d,.]+) tokens\/s/;

describe('backend auto', () => {
  test('races wasm against SwiftShader on the sweep’s model, trains on wasm, and reuses the cached winner', async () => {
    const { page, errors } = await openPage(browser, '/scripts/engine-client.ts');
    await settle(page);
    errors.length = 0;

    const first = await sweep(page, micro(4));
    expect(first.status).toBe('done');
    // A test without an adapter fails here: there is nothing to race and the reason says so.
    const m = RACED.exec(first.reason ?? '');
    expect(m, first.reason ?? 'no reason').not.toBeNull();
    const [, winner, wasm, gpu, webgpu] = m!;
    const rate = (x: string) => Number(x.replaceAll(',', ''));
    expect(gpu.toLowerCase()).toContain('swiftshader');
    expect(rate(wasm)).toBeGreaterThan(rate(webgpu));
    expect(winner).toBe('wasm');
    expect(first.backend).toBe('wasm');
    expect(first.ranOn).toEqual(['wasm']);
    expect(first.reasons[0]).toMatch(/^auto: timing wasm and the GPU \(.+\) on this model/);
    expect(first.cached).toHaveLength(1);

    // Another sweep of the same model (its pretraining comes from the store): no race, the cached winner.
    const second = await sweep(page, micro(8));
    expect(second.status).toBe('done');
    expect(second.reasons).toHaveLength(1);
    expect(second.reason).toMatch(RACED);
    expect(second.reason).toMatch(/\(measured on \d{4}-\d\d-\d\d, cached\)$/);
    expect(second.reason!.replace(/ \(measured on .*$/, '')).toBe(first.reason);
    expect(second.ranOn).toEqual(['wasm']);
    expect(errors).toEqual([]);
  });
});
