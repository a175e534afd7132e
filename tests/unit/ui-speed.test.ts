// The device's stored training speed (measured vs calibrated), the background calibration and the estimate's time line.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { presetSpec, secondsAt, specFlopsPerToken, sweepCost } from '../../src/spec';
import type { SweepState } from '../../src/runner/types';
import {
  modelSpeedsOf,
  recordCalibration,
  recordSpeed,
  secondsOn,
  speedOf,
  type DeviceSpeed,
} from '../../src/ui/speed';
import { calibrationPlan, Calibrator, type BenchWorker } from '../../src/ui/calibrate';
import { timeEstimate } from '../../src/ui/cost';
import { poolSize } from '../../src/runner/workers/pool';

const KEY = 'lima-lab:speed';

function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

beforeEach(() => {
  vi.stubGlobal('localStorage', memoryStorage());
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

/** The runner's state while a stage of `preset`'s first run trains on wasm. */
function training(
  preset: string,
  stage: 'pretrain' | 'finetune',
  tokensPerSec: number,
  point: Record<string, number> = {},
): SweepState {
  return {
    spec: presetSpec(preset),
    backend: 'wasm',
    tokensPerSec,
    stages: [{ stage, stageId: 's1', status: 'running' }],
    runs: [{ stages: { [stage]: 's1' }, point }],
  } as unknown as SweepState;
}

/** The pretraining of a plateau-toy run. */
const pretraining = (tokensPerSec: number) => training('plateau-toy', 'pretrain', tokensPerSec);

describe('stored speeds', () => {
  test('a calibration is stored as such, and a run’s measurement replaces it', () => {
    expect(speedOf('wasm')).toBeNull();
    expect(recordCalibration('wasm', 5e9)).toBe(true);
    expect(speedOf('wasm')).toMatchObject({ flopsPerSec: 5e9, source: 'calibrated' });
    recordSpeed(pretraining(6000));
    const perToken = specFlopsPerToken(presetSpec('plateau-toy'));
    expect(speedOf('wasm')).toMatchObject({ flopsPerSec: perToken * 6000, source: 'measured' });
  });

  test('a calibration never replaces a measured speed, and a newer calibration replaces an older one', () => {
    recordSpeed(pretraining(6000));
    const measured = speedOf('wasm');
    expect(recordCalibration('wasm', 1e12)).toBe(false);
    expect(speedOf('wasm')).toEqual(measured);
    recordCalibration('cpu', 1e8);
    recordCalibration('cpu', 2e8);
    expect(speedOf('cpu')).toMatchObject({ flopsPerSec: 2e8, source: 'calibrated' });
    expect(speedOf('webgpu')).toBeNull();
  });

  test('figures stored before calibration existed count as measured; malformed ones are dropped', () => {
    localStorage.setItem(
      KEY,
      JSON.stringify({
        wasm: { flopsPerSec: 4e9, at: 1 },
        cpu: { flopsPerSec: -1, at: 1 },
        webgpu: { flopsPerSec: 'fast' },
      }),
    );
    expect(speedOf('wasm')).toEqual({ flopsPerSec: 4e9, at: 1, source: 'measured' });
    expect(speedOf('cpu')).toBeNull();
    expect(speedOf('webgpu')).toBeNull();
    localStorage.setItem(KEY, '{not json');
    expect(speedOf('wasm')).toBeNull();
    expect(recordCalibration('wasm', NaN)).toBe(false);
    expect(recordCalibration('wasm', 0)).toBe(false);
  });
});

/** A benchmark worker whose answer the test gives when it wants. */
function fakeWorker() {
  let answer!: (r: { gflops: number }) => void;
  let fail!: (e: Error) => void;
  const calls: unknown[] = [];
  const w = {
    terminated: false,
    calls,
    threads: null as number | null,
    wasmThreads: async (n: number) => {
      w.threads = n;
    },
    benchTraining: (o: unknown) => {
      calls.push(o);
      return new Promise<{ gflops: number }>((res, rej) => {
        answer = res;
        fail = rej;
      });
    },
    terminate() {
      w.terminated = true;
    },
    answer: (r: { gflops: number }) => answer(r),
    fail: (e: Error) => fail(e),
  };
  return w;
}

/** Lets the calibrator reach its call into the worker. */
const settle = () => new Promise((r) => setTimeout(r, 0));

describe('speeds per model', () => {
  /** A small-model run of the knowledge experiment, fine-tuning. */
  const smallFinetune = (tokensPerSec: number) =>
    training('knowledge-toy', 'finetune', tokensPerSec, { 'finetune.examples': 32 });

  test("a small model's run sets its own speed and leaves the toy's, which stands in for the rest", () => {
    recordSpeed(pretraining(6000));
    const toy = speedOf('wasm');
    recordSpeed(smallFinetune(1300));
    expect(speedOf('wasm')).toEqual(toy);
    const perToken = specFlopsPerToken(presetSpec('knowledge-toy'));
    expect(speedOf('wasm', 'small')).toMatchObject({
      flopsPerSec: perToken * 1300,
      source: 'measured',
    });
    expect(modelSpeedsOf('wasm')).toEqual({ small: speedOf('wasm', 'small') });
    expect(modelSpeedsOf('webgpu')).toEqual({});
    // Each estimate divides by its own model's speed; a model without one by the toy's.
    const device: DeviceSpeed = {
      backend: 'wasm',
      speed: toy,
      models: modelSpeedsOf('wasm'),
      calibrating: false,
    };
    const cost = sweepCost(presetSpec('knowledge-toy'))!;
    expect(secondsOn(cost, device, 'small')).toBeCloseTo(
      secondsAt(cost, perToken * 1300, poolSize('wasm'))!,
      6,
    );
    expect(secondsOn(cost, device, 'base')).toBeCloseTo(
      secondsAt(cost, toy!.flopsPerSec, poolSize('wasm'))!,
      6,
    );
    expect(timeEstimate(cost, device, 'small').note).toMatch(/^measured: .* the small model/);
    expect(timeEstimate(cost, device, 'base').note).toMatch(/the toy model.*larger models/);
  });

  test('the small model is calibrated on its own after the toy, except on the cpu backend', async () => {
    expect(calibrationPlan('wasm', 'small')).toEqual({ preset: 'small', batchSize: 8, steps: 3 });
    expect(calibrationPlan('cpu', 'small')).toBeNull();
    expect(calibrationPlan('wasm', 'base')).toBeNull();
    recordCalibration('wasm', 5e9);
    const w = fakeWorker();
    const c = new Calibrator({ spawn: () => w });
    expect(c.wants('wasm')).toBe(false);
    expect(c.wants('wasm', 'small')).toBe(true);
    expect(c.wants('cpu', 'small')).toBe(false);
    const done = c.run('wasm', false, 'small');
    await settle();
    expect(w.calls).toEqual([{ backend: 'wasm', preset: 'small', batchSize: 8, steps: 3 }]);
    w.answer({ gflops: 12 });
    expect(await done).toBe('stored');
    expect(speedOf('wasm', 'small')).toMatchObject({ flopsPerSec: 12e9, source: 'calibrated' });
    expect(speedOf('wasm')?.flopsPerSec).toBe(5e9);
    expect(await c.run('wasm', false, 'small')).toBe('skipped');
    expect(await c.run('cpu', false, 'small')).toBe('skipped');
  });
});

describe('the background calibration', () => {
  test('a few steps of the toy model: wasm about a second on two cores, cpu fewer and smaller', () => {
    expect(calibrationPlan('wasm')).toEqual({ preset: 'toy', batchSize: 8, steps: 3 });
    expect(calibrationPlan('webgpu')).toEqual({ preset: 'toy', batchSize: 8, steps: 3 });
    expect(calibrationPlan('cpu')).toEqual({ preset: 'toy', batchSize: 2, steps: 2 });
  });

  test('stores tokens/s × 6 × parameters as a calibration, then ends its worker', async () => {
    const w = fakeWorker();
    const running: boolean[] = [];
    const c = new Calibrator({ spawn: () => w, onRunning: (r) => running.push(r) });
    const done = c.run('wasm');
    await settle();
    expect(c.running).toBe(true);
    expect(w.calls).toEqual([{ backend: 'wasm', preset: 'toy', batchSize: 8, steps: 3 }]);
    w.answer({ gflops: 5.46 });
    expect(await done).toBe('stored');
    expect(speedOf('wasm')).toMatchObject({
      flopsPerSec: 5.46e9,
      source: 'calibrated',
    });
    expect(w.terminated).toBe(true);
    expect(running).toEqual([true, false]);
    expect(c.running).toBe(false);
    // Once stored, there is nothing to calibrate.
    expect(await c.run('wasm')).toBe('skipped');
  });

  test('trains on as many workers as a sweep runs, one wasm thread each, and stores their mean rate', async () => {
    const ws = [fakeWorker(), fakeWorker()];
    const spawn = vi.fn(() => ws[spawn.mock.calls.length - 1] as BenchWorker);
    const c = new Calibrator({ spawn, workers: () => 2 });
    const done = c.run('wasm');
    await settle();
    expect(spawn).toHaveBeenCalledTimes(2);
    expect(ws.map((w) => [w.threads, w.calls.length])).toEqual([
      [1, 1],
      [1, 1],
    ]);
    ws[0]!.answer({ gflops: 3 });
    await settle();
    expect(c.running).toBe(true); // the other one still trains
    ws[1]!.answer({ gflops: 4 });
    expect(await done).toBe('stored');
    expect(speedOf('wasm')?.flopsPerSec).toBeCloseTo(3.5e9, -3);
    expect(ws.every((w) => w.terminated)).toBe(true);
    // A GPU is one queue (the pool's rule, poolSize): one worker, its threads untouched.
    const g = fakeWorker();
    const gpu = new Calibrator({ spawn: () => g, workers: (b) => poolSize(b, 2) });
    const gDone = gpu.run('webgpu');
    await settle();
    g.answer({ gflops: 50 });
    expect(await gDone).toBe('stored');
    expect(g.threads).toBeNull();
  });

  test('a backend with a stored speed, or a software GPU, is not calibrated', async () => {
    recordSpeed(pretraining(6000));
    const spawn = vi.fn(() => fakeWorker() as BenchWorker);
    const c = new Calibrator({ spawn });
    expect(await c.run('wasm')).toBe('skipped');
    expect(await c.run('webgpu', true)).toBe('skipped');
    expect(spawn).not.toHaveBeenCalled();
  });

  test('a run measured during the calibration keeps its figure', async () => {
    const w = fakeWorker();
    const c = new Calibrator({ spawn: () => w });
    const done = c.run('wasm');
    await settle();
    recordSpeed(pretraining(6000));
    w.answer({ gflops: 1e-9 });
    expect(await done).toBe('kept-measured');
    expect(speedOf('wasm')?.source).toBe('measured');
  });

  test('a failure stores nothing, ends the worker and is not retried in this page', async () => {
    const w = fakeWorker();
    const spawn = vi.fn(() => w as BenchWorker);
    const c = new Calibrator({ spawn });
    const done = c.run('wasm');
    await settle();
    w.fail(new Error('the wasm backend failed to initialise'));
    expect(await done).toBe('failed');
    expect(speedOf('wasm')).toBeNull();
    expect(w.terminated).toBe(true);
    expect(await c.run('wasm')).toBe('skipped');
    expect(spawn).toHaveBeenCalledTimes(1);
  });

  test('a calibration that hangs is abandoned at its time limit', async () => {
    vi.useFakeTimers();
    const w = fakeWorker();
    const c = new Calibrator({ spawn: () => w, limitMs: 5000 });
    const done = c.run('cpu');
    await vi.advanceTimersByTimeAsync(5001);
    expect(await done).toBe('failed');
    expect(w.terminated).toBe(true);
    expect(speedOf('cpu')).toBeNull();
  });

  test('cancelled when a sweep starts: ends the worker at once, stores nothing, runs again later', async () => {
    const first = fakeWorker();
    const second = fakeWorker();
    const workers = [first, second];
    const c = new Calibrator({ spawn: () => workers.shift()! });
    const done = c.run('wasm');
    await settle();
    c.cancel();
    expect(await done).toBe('cancelled');
    expect(first.terminated).toBe(true);
    // A worker that answers after all is ignored.
    first.answer({ gflops: 5.46 });
    await settle();
    expect(speedOf('wasm')).toBeNull();
    const again = c.run('wasm');
    await settle();
    second.answer({ gflops: 5.46 });
    expect(await again).toBe('stored');
  });

  test('never starts while a sweep runs in another tab, and stops when one starts there', async () => {
    let busy = true;
    const w = fakeWorker();
    const spawn = vi.fn(() => w as BenchWorker);
    const c = new Calibrator({ spawn, busyElsewhere: async () => busy, pollMs: 10 });
    expect(await c.run('wasm')).toBe('skipped');
    expect(spawn).not.toHaveBeenCalled();
    busy = false;
    const done = c.run('wasm');
    await settle();
    expect(spawn).toHaveBeenCalledTimes(1);
    busy = true;
    expect(await done).toBe('cancelled');
    expect(w.terminated).toBe(true);
    expect(speedOf('wasm')).toBeNull();
  });
});

describe('the estimate’s time line', () => {
  const cost = sweepCost(presetSpec('plateau-toy'))!;
  // The FLOP/s at which the sweep takes 4 min on this machine's pool of wasm workers.
  const total = secondsAt(cost, 1, poolSize('wasm'))!;
  const at = (device: Partial<DeviceSpeed>) =>
    timeEstimate(cost, { backend: 'wasm', speed: null, calibrating: false, ...device });

  test('names the backend and says whether the speed was measured or calibrated', () => {
    const measured = at({ speed: { flopsPerSec: total / 240, at: 0, source: 'measured' } });
    expect(measured.text).toBe('about 4 min on wasm');
    expect(measured.source).toBe('measured');
    expect(measured.note).toMatch(/^measured: /);
    const calibrated = at({ speed: { flopsPerSec: total / 240, at: 0, source: 'calibrated' } });
    expect(calibrated.text).toBe('about 4 min on wasm');
    expect(calibrated.source).toBe('calibrated');
    expect(calibrated.note).toMatch(/^calibrated: .*rough/);
  });

  test('without a speed: says a calibration is on its way, or keeps the old message', () => {
    expect(at({ calibrating: true }).text).toBe(
      'time: measuring the training speed of wasm on this device…',
    );
    expect(at({}).text).toBe('time: measured once a run has trained on this device');
    expect(at({}).source).toBeNull();
    // No backend known yet: no time, whatever is stored.
    const speed = { flopsPerSec: 1e9, at: 0, source: 'measured' as const };
    expect(at({ backend: null, speed }).source).toBeNull();
  });
});
