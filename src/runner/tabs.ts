// Tabs of one browser share a sweep: one computes it under a Web Lock, the others mirror its state over a BroadcastChannel.
import type { Shard, SweepState } from './types';

/** Every sweep lock's name starts with this; the calibration checks it to leave a running sweep alone. */
export const SWEEP_LOCK_PREFIX = 'lima-lab:sweep:';
const CHANNEL = 'lima-lab-runner';
/** Most state messages a second to the other tabs (a final state always goes). */
const BROADCAST_EVERY_MS = 250;
const FINAL = new Set(['done', 'cancelled', 'failed']);

export type TabCommand = 'pause' | 'resume' | 'cancel';

type ChannelMessage =
  | { type: 'state'; sweepId: string; state: SweepState }
  | { type: 'command'; sweepId: string; command: TabCommand };

/** One lock per sweep and shard: two tabs may run different shards of the same sweep. */
export function sweepLockName(sweepId: string, shard: Shard | null): string {
  return `${SWEEP_LOCK_PREFIX}${sweepId}:${shard ? `${shard.k}/${shard.n}` : 'all'}`;
}

function locks(): LockManager | undefined {
  return (globalThis as { navigator?: Navigator }).navigator?.locks;
}

/** Whether any tab of this browser is computing a sweep now. */
export async function sweepRunningHere(): Promise<boolean> {
  const l = locks();
  if (!l?.query) return false;
  try {
    const { held = [] } = await l.query();
    return held.some((x) => x.name?.startsWith(SWEEP_LOCK_PREFIX));
  } catch {
    return false;
  }
}

/**
 * Runs `work` under the sweep's lock. If another tab holds it, calls `elsewhere` and then waits:
 * when that tab lets go (finished or closed), `takeOver` runs under the lock. Without Web Locks
 * (Node), `work` just runs.
 */
export async function runExclusive(
  name: string,
  work: () => Promise<void>,
  elsewhere: () => void,
  takeOver: () => Promise<void>,
): Promise<void> {
  const l = locks();
  if (!l) return work();
  let mine = false;
  await l.request(name, { ifAvailable: true }, async (lock) => {
    if (!lock) return;
    mine = true;
    await work();
  });
  if (mine) return;
  elsewhere();
  await l.request(name, takeOver);
}

/** The channel between tabs: states out from the tab that computes, commands in from the mirrors. */
export class TabChannel {
  private readonly channel: BroadcastChannel | null = null;
  private last = 0;

  constructor(handlers: {
    onState(sweepId: string, state: SweepState): void;
    onCommand(sweepId: string, command: TabCommand): void;
  }) {
    if (typeof BroadcastChannel === 'undefined') return;
    this.channel = new BroadcastChannel(CHANNEL);
    this.channel.onmessage = (e: MessageEvent<ChannelMessage>) => {
      const m = e.data;
      if (m.type === 'command') handlers.onCommand(m.sweepId, m.command);
      else handlers.onState(m.sweepId, m.state);
    };
  }

  /** Tells other tabs how this tab's sweep goes, at a bounded rate and always at the end. */
  publish(s: SweepState): void {
    if (!this.channel || !s.sweepId || s.status === 'locked-elsewhere' || s.status === 'idle')
      return;
    const now = Date.now();
    if (now - this.last < BROADCAST_EVERY_MS && !FINAL.has(s.status)) return;
    this.last = now;
    // Results travel through IndexedDB (shared by the tabs), not the channel.
    this.channel.postMessage({ type: 'state', sweepId: s.sweepId, state: { ...s, results: {} } });
  }

  /** Asks the tab that computes `sweepId` to pause, resume or cancel it. */
  relay(sweepId: string, command: TabCommand): void {
    this.channel?.postMessage({ type: 'command', sweepId, command });
  }
}
