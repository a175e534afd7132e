// The runner wrapped for Svelte: its sweep state as a rune, and the commands the run view sends it.
import type { Spec } from '../spec';
import type { Runner, Shard, SweepState } from '../runner/types';
import { recordSpeed } from './speed';

export class Sweep {
  state: SweepState = $state.raw() as SweepState;
  /** Set when start or loadCached itself threw (a failed stage is in `state`). */
  error: string | null = $state(null);

  constructor(private runner: Runner) {
    this.state = runner.state;
    runner.subscribe((s) => {
      this.state = s;
      recordSpeed(s);
    });
  }

  get active(): boolean {
    return ['running', 'paused', 'locked-elsewhere'].includes(this.state.status);
  }

  async start(spec: Spec, shard: Shard | null): Promise<void> {
    this.error = null;
    try {
      await this.runner.start(spec, { shard });
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** After a lost GPU: the same sweep again, every stage on `backend`, from the last checkpoints. */
  async continueOn(backend: 'wasm'): Promise<void> {
    const { spec, shard } = this.state;
    this.error = null;
    if (!spec) return;
    try {
      await this.runner.start(spec, { shard, backend });
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async loadCached(spec: Spec, shard: Shard | null): Promise<void> {
    try {
      await this.runner.loadCached(spec, { shard });
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  pause = () => this.runner.pause();
  resume = () => this.runner.resume();
  cancel = () => this.runner.cancel();
  exportResults = () => this.runner.exportResults();
}
