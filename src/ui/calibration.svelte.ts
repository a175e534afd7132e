// Calibrates the training speed in the background soon after the page opens, and never while a sweep runs.
import type { BackendName } from '../engine/api';
import { sweepRunningHere } from '../runner/tabs';
import { Calibrator, spawnBenchWorker } from './calibrate';
import { poolSize } from '../runner/workers/pool';

/** Quiet time once the runner is up and idle, so that calibrating never slows the first view. */
const SETTLE_MS = 1000;

export class AutoCalibration {
  running = $state(false);
  private readonly calibrator = new Calibrator({
    spawn: spawnBenchWorker,
    workers: poolSize,
    busyElsewhere: sweepRunningHere,
    onRunning: (r) => (this.running = r),
  });

  /**
   * Create it while a component initialises. `busy` is true while a sweep runs in this tab, and
   * also before the runner has loaded (until then nobody knows whether one will resume).
   */
  constructor(o: {
    backend: () => BackendName | null;
    softwareGpu: () => boolean;
    busy: () => boolean;
  }) {
    $effect(() => {
      const backend = o.backend();
      if (o.busy()) {
        this.calibrator.cancel();
        return;
      }
      if (!backend) return;
      const software = o.softwareGpu();
      // The toy first (a second), then the small model (a few seconds; not on the cpu backend),
      // whose speed the small presets' estimates use.
      const timer = setTimeout(() => {
        void this.calibrator
          .run(backend, software)
          .then(() => this.calibrator.run(backend, software, 'small'));
      }, SETTLE_MS);
      return () => clearTimeout(timer);
    });
  }
}
