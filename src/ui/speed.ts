// The training speed of this device, kept per backend and model preset so the editor can turn FLOPs into time.
import { createSubscriber } from 'svelte/reactivity';
import { secondsAt, specFlopsPerToken, type Spec, type SweepCost } from '../spec';
import { setPath } from '../util/paths';
import type { SweepState } from '../runner/types';
import { poolSize } from '../runner/workers/pool';

const KEY = 'lima-lab:speed';

/**
 * `measured`: a training stage of a real run, on the user's own model; `calibrated`: a few steps
 * of that model before any run, which only stands in until a run measures the real thing.
 */
export type SpeedSource = 'measured' | 'calibrated';

export interface Speed {
  /** Training FLOP/s as spec/cost.ts counts them. */
  flopsPerSec: number;
  at: number;
  source: SpeedSource;
}

/** What the editor's estimate needs to know about this device. */
/**
 * Seconds a sweep of this cost takes at this device's stored speed, its stages shared among the
 * engine workers the runner will start (null without a backend or a speed).
 */
export function secondsOn(cost: SweepCost, device: DeviceSpeed, model = 'toy'): number | null {
  if (!device.backend) return null;
  const { speed } = speedFor(device, model);
  return secondsAt(cost, speed?.flopsPerSec ?? null, poolSize(device.backend));
}

export interface DeviceSpeed {
  backend: string | null;
  /** The toy model's speed: calibrated first, and the stand-in for a model without its own. */
  speed: Speed | null;
  /** The other model presets' speeds on this backend, by preset. */
  models?: Readonly<Partial<Record<string, Speed>>>;
  /** A calibration is running now (the estimate says it is coming). */
  calibrating: boolean;
}

/**
 * The speed an estimate for `model` divides by, and the model it was taken on: that model's own if
 * stored, else the toy's.
 */
export function speedFor(device: DeviceSpeed, model = 'toy'): { speed: Speed | null; of: string } {
  const own = model === 'toy' ? undefined : device.models?.[model];
  return own ? { speed: own, of: model } : { speed: device.speed, of: 'toy' };
}

/**
 * Where a model's speed is kept. Speeds are per model preset because a toy's small products use
 * far less of the device than a larger model's: on wasm, fine-tuning the small model reached
 * about 2.6× the toy's FLOP/s, so one figure for every size misjudged one of them by that much.
 * The toy's is kept under the backend's own name, where every speed was kept before.
 */
export const keyOf = (backend: string, model: string) =>
  model === 'toy' ? backend : `${backend}:${model}`;

type Speeds = Partial<Record<string, Speed>>;

/** Reads every stored figure, dropping anything malformed; figures stored before calibration existed were measured. */
function read(): Speeds {
  let raw: unknown;
  try {
    raw = JSON.parse(localStorage.getItem(KEY) ?? '{}');
  } catch {
    return {};
  }
  const out: Speeds = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [backend, v] of Object.entries(raw as Record<string, unknown>)) {
    const e = v as Partial<Speed> | null;
    if (typeof e?.flopsPerSec !== 'number' || !Number.isFinite(e.flopsPerSec)) continue;
    if (e.flopsPerSec <= 0) continue;
    const at = typeof e.at === 'number' ? e.at : 0;
    out[backend] = {
      flopsPerSec: e.flopsPerSec,
      at,
      source: e.source === 'calibrated' ? 'calibrated' : 'measured',
    };
  }
  return out;
}

// Views that read a speed update when one is stored, here or in another tab.
let changed = (): void => {};
const subscribe = createSubscriber((update) => {
  changed = update;
  const onStorage = (e: StorageEvent) => {
    if (e.key === KEY) update();
  };
  addEventListener('storage', onStorage);
  return () => {
    changed = () => {};
    removeEventListener('storage', onStorage);
  };
});

function write(key: string, speed: Speed): void {
  const speeds = read();
  speeds[key] = speed;
  try {
    localStorage.setItem(KEY, JSON.stringify(speeds));
  } catch {
    // Storage may be full or disabled; the estimate is only a convenience.
  }
  changed();
}

/** The training speed stored for `model` on `backend`, or null. */
export function speedOf(backend: string | null, model = 'toy'): Speed | null {
  subscribe();
  if (!backend) return null;
  return read()[keyOf(backend, model)] ?? null;
}

/** The speeds stored for `backend` of every model preset but the toy, by preset. */
export function modelSpeedsOf(backend: string | null): Partial<Record<string, Speed>> {
  subscribe();
  const out: Partial<Record<string, Speed>> = {};
  if (!backend) return out;
  for (const [key, speed] of Object.entries(read()))
    if (key.startsWith(`${backend}:`)) out[key.slice(backend.length + 1)] = speed;
  return out;
}

/** Remembers the rate of a training stage in progress: tokens/s × training FLOPs per token (spec/cost.ts). */
export function recordSpeed(s: SweepState): void {
  if (!s.spec || !s.backend || !s.tokensPerSec) return;
  const running = s.stages.find((st) => st.status === 'running');
  if (!running || (running.stage !== 'pretrain' && running.stage !== 'finetune')) return;
  // The model of the run this stage belongs to: a sweep may vary the model's size.
  const run = s.runs.find((r) => r.stages[running.stage] === running.stageId);
  let spec: Spec = s.spec;
  for (const [path, value] of Object.entries(run?.point ?? {})) spec = setPath(spec, path, value);
  const flopsPerSec = specFlopsPerToken(spec) * s.tokensPerSec;
  write(keyOf(s.backend, spec.model.preset), { flopsPerSec, at: Date.now(), source: 'measured' });
}

/**
 * Stores a calibration of `model` on `backend` unless a run has measured it: a real run's speed
 * on the user's own model is the better figure. Returns whether it was stored.
 */
export function recordCalibration(backend: string, flopsPerSec: number, model = 'toy'): boolean {
  if (!(flopsPerSec > 0) || !Number.isFinite(flopsPerSec)) return false;
  const key = keyOf(backend, model);
  if (read()[key]?.source === 'measured') return false;
  write(key, { flopsPerSec, at: Date.now(), source: 'calibrated' });
  return true;
}
