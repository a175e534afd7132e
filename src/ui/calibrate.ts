// Calibrates this device's training speed before any run: a few real steps of the toy (and the loaded small) model in a worker.
import type { BackendName } from '../engine/api';
import { startProbeWorker } from '../runner/workers/start';
import { keyOf, recordCalibration, speedOf } from './speed';
import { CancelledError } from '../util/cancel';

/** The models a calibration trains: a larger one would take minutes of a CPU before any run. */
export type CalibratedModel = 'toy' | 'small';

export interface CalibrationPlan {
  preset: CalibratedModel;
  batchSize: number;
  steps: number;
}

/**
 * About a second of wasm on two cores for the toy (2 warm-up + 3 timed steps at batch 8 reach
 * ~85% of its tokens/s at batch 16); the cpu backend is ~20× slower, so it takes fewer, smaller
 * steps.
 */
export function toyPlan(backend: BackendName): CalibrationPlan {
  return backend === 'cpu'
    ? { preset: 'toy', batchSize: 2, steps: 2 }
    : { preset: 'toy', batchSize: 8, steps: 3 };
}

/** The plan for `model`: the small model takes a few seconds, and none on the cpu backend (null). */
export function calibrationPlan(
  backend: BackendName,
  model: string = 'toy',
): CalibrationPlan | null {
  if (model === 'toy') return toyPlan(backend);
  if (model === 'small' && backend !== 'cpu') return { preset: 'small', batchSize: 8, steps: 3 };
  return null;
}

/** The benchmark in a worker of its own, so that a calibration can be ended mid-step. */
export interface BenchWorker {
  /** The wasm threads its backend will run, set before it starts (as an engine of a pool's). */
  wasmThreads(n: number): Promise<unknown>;
  benchTraining(o: CalibrationPlan & { backend: BackendName }): Promise<{ gflops: number }>;
  terminate(): void;
}

export type CalibrationOutcome =
  | 'stored'
  /** A run measured this backend while the calibration ran; its figure stays. */
  | 'kept-measured'
  | 'skipped'
  | 'cancelled'
  | 'failed';

export interface CalibratorOptions {
  spawn(): BenchWorker;
  /**
   * The engine workers a sweep on `backend` runs at once (runner/workers/pool.ts): the calibration
   * trains on as many workers at once, each with the threads an engine of that pool runs, because
   * the rate a worker reaches while the others share its cores is what the estimate divides by.
   * On a 2-core machine one worker alone measured 5.16 GFLOP/s and each of two at once 3.75; the
   * two engine workers of the default sweep reached 3.3–4.0 each (fine-tuning and evaluation).
   */
  workers?(backend: BackendName): number;
  /** Whether an experiment runs (in any tab): checked before starting and while running. */
  busyElsewhere?(): Promise<boolean>;
  onRunning?(running: boolean): void;
  /** A calibration that takes longer is abandoned. */
  limitMs?: number;
  pollMs?: number;
}

export class Calibrator {
  private cancelAttempt: (() => void) | null = null;
  /** Models tried in this page, by their speed's key: a failure is not retried until the page opens again. */
  private readonly tried = new Set<string>();

  constructor(private readonly o: CalibratorOptions) {}

  get running(): boolean {
    return this.cancelAttempt !== null;
  }

  /** Whether `model` on `backend` can be calibrated, has no stored speed and was not tried here. */
  wants(backend: BackendName, model = 'toy'): boolean {
    return (
      calibrationPlan(backend, model) !== null &&
      !this.tried.has(keyOf(backend, model)) &&
      speedOf(backend, model) === null
    );
  }

  /**
   * Calibrates `model` on `backend` when it wants it. A software WebGPU adapter is never
   * calibrated: its shader compilation alone takes half a minute of CPU, and training never picks
   * it on its own.
   */
  async run(backend: BackendName, softwareGpu = false, model = 'toy'): Promise<CalibrationOutcome> {
    const steps = calibrationPlan(backend, model);
    if (
      !steps ||
      this.cancelAttempt ||
      !this.wants(backend, model) ||
      (backend === 'webgpu' && softwareGpu)
    )
      return 'skipped';
    let cancelled = false;
    let stop!: (e: Error) => void;
    const stopped = new Promise<never>((_, reject) => (stop = reject));
    stopped.catch(() => {});
    const cancel = () => {
      cancelled = true;
      stop(new CancelledError());
    };
    this.cancelAttempt = cancel;
    let workers: BenchWorker[] = [];
    let limit: ReturnType<typeof setTimeout> | undefined;
    let poll: ReturnType<typeof setInterval> | undefined;
    try {
      if (await this.o.busyElsewhere?.()) return 'skipped';
      if (cancelled) return 'cancelled';
      this.tried.add(keyOf(backend, model));
      this.o.onRunning?.(true);
      const n = Math.max(1, this.o.workers?.(backend) ?? 1);
      workers = Array.from({ length: n }, () => this.o.spawn());
      // The small model's steps take several times the toy's.
      const limitMs = (this.o.limitMs ?? 20_000) * (model === 'toy' ? 1 : 3);
      limit = setTimeout(() => stop(new Error(`over ${limitMs / 1000} s`)), limitMs);
      if (this.o.busyElsewhere) {
        const busy = this.o.busyElsewhere;
        poll = setInterval(() => {
          void busy().then((b) => b && cancel());
        }, this.o.pollMs ?? 500);
      }
      const plan = { backend, ...steps };
      const rates = await Promise.race([
        Promise.all(
          workers.map(async (w) => {
            if (n > 1 && backend === 'wasm') await w.wasmThreads(1);
            return (await w.benchTraining(plan)).gflops;
          }),
        ),
        stopped,
      ]);
      if (cancelled) throw new CancelledError();
      const flops = (rates.reduce((a, b) => a + b, 0) / n) * 1e9;
      return recordCalibration(backend, flops, model) ? 'stored' : 'kept-measured';
    } catch {
      if (!cancelled) return 'failed';
      // Cut short by an experiment: try again once the device is free.
      this.tried.delete(keyOf(backend, model));
      return 'cancelled';
    } finally {
      clearTimeout(limit);
      clearInterval(poll);
      for (const w of workers) w.terminate();
      const wasRunning = workers.length > 0;
      this.cancelAttempt = null;
      if (wasRunning) this.o.onRunning?.(false);
    }
  }

  /** Ends a calibration in progress at once, freeing the cores for an experiment. */
  cancel(): void {
    this.cancelAttempt?.();
  }
}

/** The probe worker's benchmark in a fresh worker, ended with `terminate`. */
export function spawnBenchWorker(): BenchWorker {
  const w = startProbeWorker('calibration');
  return {
    wasmThreads: (n) => Promise.race([w.remote.wasmThreads(n), w.failed]),
    benchTraining: (o) => Promise.race([w.remote.benchTraining(o), w.failed]),
    terminate: w.terminate,
  };
}
