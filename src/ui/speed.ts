// The training speed measured on this device, kept per backend so the editor can turn FLOPs into time.
import type { Spec } from '../spec';
import { setPath } from '../util/paths';
import type { SweepState } from '../runner/types';
import { specParams } from './cost';

const KEY = 'lima-lab:speed';

type Speeds = Partial<Record<string, { flopsPerSec: number; at: number }>>;

function read(): Speeds {
  try {
    return JSON.parse(localStorage.getItem(KEY) ?? '{}') as Speeds;
  } catch {
    return {};
  }
}

/** Training FLOP/s (6·N per token) last measured on `backend`, or null. */
export function measuredSpeed(backend: string | null): number | null {
  if (!backend) return null;
  return read()[backend]?.flopsPerSec ?? null;
}

/** Remembers the rate of a training stage in progress: tokens/s × 6 × parameters. */
export function recordSpeed(s: SweepState): void {
  if (!s.spec || !s.backend || !s.tokensPerSec) return;
  const running = s.stages.find((st) => st.status === 'running');
  if (!running || (running.stage !== 'pretrain' && running.stage !== 'finetune')) return;
  // The model of the run this stage belongs to: a sweep may vary the model's size.
  const run = s.runs.find((r) => r.stages[running.stage] === running.stageId);
  let spec: Spec = s.spec;
  for (const [path, value] of Object.entries(run?.point ?? {})) spec = setPath(spec, path, value);
  const flopsPerSec = 6 * specParams(spec) * s.tokensPerSec;
  const speeds = read();
  speeds[s.backend] = { flopsPerSec, at: Date.now() };
  try {
    localStorage.setItem(KEY, JSON.stringify(speeds));
  } catch {
    // Storage may be full or disabled; the estimate is only a convenience.
  }
}
