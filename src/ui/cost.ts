// The editor's time line: a sweep's work (spec/cost.ts) at this device's stored training speed, in words.
import { encodeSpec, type Spec, type SweepCost } from '../spec';
import type { SweepState } from '../runner';
import { duration, si } from './format';
import { secondsOn, type DeviceSpeed, type SpeedSource } from './speed';

export interface TimeEstimate {
  /** "about 4 min on wasm", or what stands in for it when no speed is known. */
  text: string;
  /** Where the speed came from, in words; empty when there is no time. */
  note: string;
  source: SpeedSource | null;
}

/** The time line of the estimate: which backend, and whether its speed was measured or calibrated. */
export function timeEstimate(cost: SweepCost, device: DeviceSpeed): TimeEstimate {
  const seconds = secondsOn(cost, device);
  if (seconds !== null && device.speed) {
    const rate = `${si(device.speed.flopsPerSec)} FLOP/s`;
    const note =
      device.speed.source === 'measured'
        ? `measured: ${rate} while a run trained on this device`
        : `calibrated: ${rate} from a few training steps of the toy model, a rough figure; larger models usually use more of the device's peak`;
    return {
      text: `about ${duration(seconds)} on ${device.backend}`,
      note,
      source: device.speed.source,
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
