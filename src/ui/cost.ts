// The editor's time line: a sweep's work (spec/cost.ts) at this device's stored training speed, in words.
import { encodeSpec, type Spec, type SweepCost } from '../spec';
import type { SweepState } from '../runner';
import { duration, si } from './format';
import { secondsOn, speedFor, type DeviceSpeed, type SpeedSource } from './speed';

export interface TimeEstimate {
  /** "about 4 min on wasm", or what stands in for it when no speed is known. */
  text: string;
  /** Where the speed came from, in words; empty when there is no time. */
  note: string;
  source: SpeedSource | null;
}

/** The time line of the estimate: which backend, and whether its speed was measured or calibrated. */
export function timeEstimate(cost: SweepCost, device: DeviceSpeed, model = 'toy'): TimeEstimate {
  const seconds = secondsOn(cost, device, model);
  const { speed, of } = speedFor(device, model);
  if (seconds !== null && speed) {
    const rate = `${si(speed.flopsPerSec)} FLOP/s`;
    // A model without a speed of its own is estimated at the toy's, which larger models outrun.
    const own = of === model;
    const which = `the ${of} model`;
    const note =
      speed.source === 'measured'
        ? `measured: ${rate} while ${which} trained on this device`
        : `calibrated: ${rate} from a few training steps of ${which}, a rough figure`;
    return {
      text: `about ${duration(seconds)} on ${device.backend}`,
      note: own ? note : `${note}; larger models usually use more of the device's peak`,
      source: speed.source,
    };
  }
  if (device.calibrating && device.backend)
    return {
      text: `time: measuring the training speed of ${device.backend} on this device…`,
      note: '',
      source: null,
    };
  return { text: 'time: measured once a run has trained on this device', note: '', source: null };
}

/**
 * The stages of `spec`'s sweep a run would not compute: those cached or done in the runner's state
 * for this same experiment, and the base models the app ships (`shipped`, stage ids).
 */
export function readyStages(
  state: SweepState | null,
  spec: Spec,
  shipped: Iterable<string>,
): Set<string> {
  const done =
    state && state.link === encodeSpec(spec)
      ? state.stages.filter((s) => s.status === 'cached' || s.status === 'done')
      : [];
  return new Set([...done.map((s) => s.stageId), ...shipped]);
}
