// `backend: auto` by measurement: who wins, who never races, what the cache keys on and when it is trusted.
import { describe, expect, it } from 'vitest';
import type { BackendReport } from '../../src/engine/api';
import { cacheKey, chooseAuto, pick, raceSpecOf, type Measure } from '../../src/runner/race';
import { defaultSpec, type Spec } from '../../src/spec';

/** A laptop: 8 cores, threaded wasm, and an integrated GPU (or the adapter given). */
function report(gpu: Partial<NonNullable<BackendReport['webgpu']>> | null = {}): BackendReport {
  const webgpu = gpu && {
    vendor: 'intel',
    architecture: 'gen-12lp',
    device: '',
    description: '',
    isFallback: false,
    shaderF16: true,
    limits: {
      maxBufferSize: 2 ** 30,
      maxStorageBufferBindingSize: 2 ** 27,
      maxComputeWorkgroupStorageSize: 32768,
      maxComputeInvocationsPerWorkgroup: 256,
    },
    ...gpu,
  };
  return {
    context: 'worker',
    webgpu,
    wasm: { available: true, simd: true, threads: true, crossOriginIsolated: true },
    cpu: { available: true, hardwareConcurrency: 8 },
    chosen: webgpu && !webgpu.isFallback ? 'webgpu' : 'wasm',
    reason: webgpu && !webgpu.isFallback ? 'a hardware GPU adapter' : 'no hardware adapter',
  };
}

/** The default spec: the toy model at batch 16, automatic backend. */
function toy(patch: (s: Spec) => void = () => {}): Spec {
  const s = defaultSpec();
  expect(s.model.preset).toBe('toy');
  expect(s.backend).toBe('auto');
  patch(s);
  return s;
}

/** A fake timing: fixed rates (or errors) per backend, counting its calls. */
function fake(rates: { wasm: number | Error; webgpu: number | Error }) {
  const calls: string[] = [];
  const measure: Measure = async (backend) => {
    calls.push(backend);
    const r = rates[backend];
    if (r instanceof Error) throw r;
    return r;
  };
  return { measure, calls };
}

/** localStorage's getItem/setItem over a Map. */
function memory(): Storage & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, value: string) => void map.set(k, value),
  } as Storage & { map: Map<string, string> };
}

describe('auto by measurement', () => {
  it('gives a laptop whose integrated GPU is slower than its CPU on the toy wasm, with both figures', async () => {
    const { measure, calls } = fake({ wasm: 3100, webgpu: 900 });
    const c = await chooseAuto({ report: report(), spec: toy(), measure, storage: memory() });
    expect(calls).toEqual(['wasm', 'webgpu']);
    expect(c.backend).toBe('wasm');
    expect(c.how).toBe('race');
    expect(c.reason).toBe(
      'auto chose wasm: on this model (B16×T128) wasm trained at 3,100 tokens/s and the GPU (intel gen-12lp) trained at 900 tokens/s',
    );
  });

  it('gives a faster GPU webgpu', async () => {
    const { measure } = fake({ wasm: 3100, webgpu: 42_000 });
    const c = await chooseAuto({
      report: report({ vendor: 'nvidia', architecture: 'ada' }),
      spec: toy(),
      measure,
      storage: memory(),
    });
    expect(c.backend).toBe('webgpu');
    expect(c.reason).toMatch(
      /^auto chose webgpu: .*the GPU \(nvidia ada\) trained at 42,000 tokens\/s$/,
    );
  });

  it('lets a candidate that fails lose, with its error in the reason, and does not cache the race', async () => {
    const storage = memory();
    const { measure } = fake({ wasm: 3100, webgpu: new Error('out of memory\n    at stack') });
    const c = await chooseAuto({ report: report(), spec: toy(), measure, storage });
    expect(c.backend).toBe('wasm');
    expect(c.reason).toMatch(/the GPU \(intel gen-12lp\) failed \(out of memory\)$/);
    expect(storage.map.size).toBe(0);
    const wasmFails = fake({ wasm: new Error('wasm died'), webgpu: 900 });
    const d = await chooseAuto({
      report: report(),
      spec: toy(),
      measure: wasmFails.measure,
      storage,
    });
    expect(d.backend).toBe('webgpu');
    expect(d.reason).toMatch(/wasm failed \(wasm died\)/);
    // Both failing leaves the probe's choice, saying why.
    const both = fake({ wasm: new Error('a'), webgpu: new Error('b') });
    const e = await chooseAuto({ report: report(), spec: toy(), measure: both.measure, storage });
    expect(e.backend).toBe('webgpu');
    expect(e.reason).toMatch(/^auto could not time this model .*wasm failed \(a\).*failed \(b\)/);
  });

  it('never races a software adapter or without one, unless a test admits software', async () => {
    for (const r of [
      report({ vendor: 'google', architecture: 'swiftshader', isFallback: true }),
      report(null),
    ]) {
      const { measure, calls } = fake({ wasm: 1, webgpu: 1e9 });
      const c = await chooseAuto({ report: r, spec: toy(), measure, storage: memory() });
      expect(calls).toEqual([]);
      expect(c).toEqual({ backend: 'wasm', reason: r.reason, how: 'probe' });
    }
    const { measure, calls } = fake({ wasm: 3000, webgpu: 100 });
    const sw = report({ vendor: 'google', architecture: 'swiftshader', isFallback: true });
    const c = await chooseAuto({
      report: sw,
      spec: toy(),
      measure,
      storage: null,
      raceSoftware: true,
    });
    expect(calls).toEqual(['wasm', 'webgpu']);
    expect(c.backend).toBe('wasm');
  });

  it('keys the cache on the adapter, the wasm build and cores, the model dims and the batch', () => {
    const base = cacheKey(report(), toy());
    const others = [
      cacheKey(report({ architecture: 'xe-lpg' }), toy()),
      cacheKey(report({ description: 'another card' }), toy()),
      cacheKey({ ...report(), cpu: { available: true, hardwareConcurrency: 4 } }, toy()),
      cacheKey(report(), toy(), 1),
      cacheKey(
        report(),
        toy((s) => (s.model.nLayer = 3)),
      ),
      cacheKey(
        report(),
        toy((s) => (s.model.nEmbd = 96)),
      ),
      cacheKey(
        report(),
        toy((s) => (s.model.nHead = 2)),
      ),
      cacheKey(
        report(),
        toy((s) => (s.model.blockSize = 256)),
      ),
      cacheKey(
        report(),
        toy((s) => (s.data.vocabSize = 1024)),
      ),
      cacheKey(
        report(),
        toy((s) => (s.model.preset = 'small')),
      ),
      cacheKey(
        report(),
        toy((s) => (s.pretrain.batchSize = 32)),
      ),
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
    // What does not change the timing does not change the key.
    expect(
      cacheKey(
        report(),
        toy((s) => (s.pretrain.steps = 999)),
      ),
    ).toBe(base);
  });

  it('reuses a cached winner without timing, and says when it was measured', async () => {
    const storage = memory();
    const first = fake({ wasm: 3100, webgpu: 900 });
    const at = Date.UTC(2025, 2, 14, 12);
    await chooseAuto({ report: report(), spec: toy(), measure: first.measure, storage, now: at });
    const again = fake({ wasm: 1, webgpu: 1e9 });
    const c = await chooseAuto({ report: report(), spec: toy(), measure: again.measure, storage });
    expect(again.calls).toEqual([]);
    expect(c.how).toBe('cache');
    expect(c.backend).toBe('wasm');
    expect(c.reason).toMatch(
      /wasm trained at 3,100 tokens\/s .* \(measured on 2025-03-14, cached\)$/,
    );
    // Another model races again.
    const bigger = fake({ wasm: 300, webgpu: 9000 });
    const b = await chooseAuto({
      report: report(),
      spec: toy((s) => (s.model.preset = 'small')),
      measure: bigger.measure,
      storage,
    });
    expect(bigger.calls).toEqual(['wasm', 'webgpu']);
    expect(b.backend).toBe('webgpu');
  });

  it('races again when the storage holds junk, or throws', async () => {
    const storage = memory();
    const key = cacheKey(report(), toy());
    for (const junk of [
      '{not json',
      '{"winner":"cpu","wasm":1,"webgpu":2,"at":0}',
      '{"winner":"wasm"}',
      'null',
    ]) {
      storage.map.set(key, junk);
      const { measure, calls } = fake({ wasm: 100, webgpu: 200 });
      const c = await chooseAuto({ report: report(), spec: toy(), measure, storage });
      expect(calls).toEqual(['wasm', 'webgpu']);
      expect(c).toMatchObject({ backend: 'webgpu', how: 'race' });
      storage.map.clear();
    }
    const broken = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
    };
    const { measure, calls } = fake({ wasm: 100, webgpu: 200 });
    const c = await chooseAuto({ report: report(), spec: toy(), measure, storage: broken });
    expect(calls).toEqual(['wasm', 'webgpu']);
    expect(c.backend).toBe('webgpu');
  });

  it('picks the faster, a failure losing and a tie going to wasm', () => {
    expect(pick({ tokensPerSec: 2 }, { tokensPerSec: 3 })).toBe('webgpu');
    expect(pick({ tokensPerSec: 3 }, { tokensPerSec: 3 })).toBe('wasm');
    expect(pick({ error: 'x' }, { tokensPerSec: 1 })).toBe('webgpu');
    expect(pick({ error: 'x' }, { error: 'y' })).toBeNull();
  });

  it("races on the model of the sweep's heaviest stage still to compute", () => {
    const small = toy();
    const big = toy((s) => (s.model.preset = 'small'));
    const stage = (spec: Spec, work: number, stageId = `s${work}`) =>
      ({ spec, work, stageId }) as never;
    const stages = [stage(small, 1), stage(big, 5), stage(small, 2)];
    expect(raceSpecOf({ spec: small, stages })).toBe(big);
    // The heavy stage cached (or shipped): the work left decides.
    expect(raceSpecOf({ spec: big, stages }, new Set(['s5']))).toBe(small);
    expect(raceSpecOf({ spec: small, stages: [] })).toBe(small);
  });
});
