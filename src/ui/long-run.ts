// Time a preset or an experiment will take on this device, and whether to ask before starting it.
import { presetSpec, sweepCost, type Spec } from '../spec';
import { duration } from './format';
import { secondsOn, type DeviceSpeed } from './speed';

/** Above this estimate, Run asks first and suggests the toy variant or a GPU. */
export const LONG_RUN_SEC = 3600;

/**
 * Seconds the sweep should take at this device's stored training speed (null when unknown), less
 * the stages in `ready` (cached or shipped: see readyStages).
 */
export function sweepSeconds(
  spec: Spec,
  device: DeviceSpeed,
  ready?: ReadonlySet<string>,
): number | null {
  const cost = sweepCost(spec, ready);
  return cost ? secondsOn(cost, device, spec.model.preset) : null;
}

/** "about 60 h on wasm", or what the page knows instead. */
export function timeText(seconds: number | null, device: DeviceSpeed): string {
  if (seconds !== null) return `about ${duration(seconds)} on ${device.backend}`;
  if (device.calibrating) return 'time: measuring this device…';
  return 'time: known after a first run or calibration';
}

/** A preset's estimated time, by id, less the stages in `ready` (e.g. the bases the app ships). */
export function presetSeconds(
  id: string,
  device: DeviceSpeed,
  ready: Iterable<string> = [],
): number | null {
  return sweepSeconds(presetSpec(id), device, new Set(ready));
}

/** The toy variant of a full-size preset the spec is, if it is one and has a toy. */
export function toyVariant(presetId: string | null): string | null {
  if (!presetId || presetId.endsWith('-toy')) return null;
  return `${presetId}-toy`;
}
