// The engine worker seen from the page: a comlink remote whose calls fail clearly if the worker dies or goes silent.
import { proxy, type Remote } from 'comlink';
import type { EngineApi, Hooks } from '../../engine/api';
import type { EngineLike } from '../execute';
import { watchLife } from './life-lock';
import { startEngineWorker } from './start';

export class WorkerLostError extends Error {
  constructor(why: string) {
    super(why);
    this.name = 'WorkerLostError';
  }
}

export interface WorkerHostOptions {
  /**
   * A call that shows no sign of life (no progress, no answer) for this long means the worker
   * hangs. A worker that ends is noticed at once by its life lock (life-lock.ts); this watchdog
   * is for one that lives but never answers.
   */
  stallMs: number;
}

/** One engine worker; `lost` settles (rejects every call) the moment it is known to be dead. */
export class WorkerHost {
  readonly worker: Worker;
  readonly remote: Remote<EngineApi>;
  private lastSign = Date.now();
  private inFlight = 0;
  private dead: WorkerLostError | null = null;
  private readonly losers = new Set<(e: WorkerLostError) => void>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(private readonly o: WorkerHostOptions) {
    // A name of its own: the worker's life lock is named after it (see life-lock.ts).
    const name = `engine ${crypto.randomUUID()}`;
    ({ worker: this.worker, remote: this.remote } = startEngineWorker(name));
    watchLife(this.worker, name, () =>
      this.die('the engine worker stopped responding: it ended (closed, killed or out of memory)'),
    );
    this.worker.addEventListener('error', (e) =>
      this.die(
        `the engine worker crashed: ${e.message || 'it failed to load or threw outside a stage'}`,
      ),
    );
    this.worker.addEventListener('messageerror', () =>
      this.die('the engine worker sent a message that could not be read'),
    );
    this.timer = setInterval(() => {
      if (this.inFlight > 0 && Date.now() - this.lastSign > this.o.stallMs)
        this.die(
          `the engine worker stopped responding for ${Math.round(this.o.stallMs / 1000)} s (killed, crashed or out of memory)`,
        );
    }, 500);
  }

  get alive(): boolean {
    return this.dead === null;
  }

  /** Progress from the worker counts as a sign of life. */
  alivePing(): void {
    this.lastSign = Date.now();
  }

  private die(why: string): void {
    if (this.dead) return;
    this.dead = new WorkerLostError(why);
    clearInterval(this.timer);
    this.worker.terminate();
    for (const f of this.losers) f(this.dead);
    this.losers.clear();
  }

  terminate(): void {
    this.die('the engine worker was stopped');
  }

  /** A call on the remote that rejects with WorkerLostError if the worker dies meanwhile. */
  private async call<T>(f: () => Promise<T>): Promise<T> {
    if (this.dead) throw this.dead;
    this.inFlight++;
    this.lastSign = Date.now();
    let onLost!: (e: WorkerLostError) => void;
    const lost = new Promise<never>((_, reject) => {
      onLost = reject;
      this.losers.add(onLost);
    });
    try {
      return await Promise.race([f(), lost]);
    } finally {
      this.losers.delete(onLost);
      this.inFlight--;
      this.lastSign = Date.now();
    }
  }

  /** The engine as the executor sees it: hooks cross as comlink proxies that also keep the watchdog fed. */
  engine(): EngineLike & Pick<EngineApi, 'probe' | 'pin' | 'threads'> {
    const r = this.remote;
    const wrapHooks = (h: Hooks): Hooks =>
      proxy({
        onProgress: (p) => {
          this.alivePing();
          h.onProgress(p);
        },
        onCheckpoint: h.onCheckpoint
          ? async (c) => {
              this.alivePing();
              await h.onCheckpoint!(c);
              this.alivePing();
            }
          : undefined,
      });
    return {
      probe: (o) => this.call(() => r.probe(o)),
      pin: (b) => this.call(() => r.pin(b)),
      threads: (n) => this.call(() => r.threads(n)),
      useImports: (files) => this.call(() => r.useImports(files)),
      buildData: (s, h) => this.call(() => r.buildData(s, wrapHooks(h))),
      pretrain: (s, d, res, h) => this.call(() => r.pretrain(s, d, res, wrapHooks(h))),
      finetune: (s, d, b, res, h) => this.call(() => r.finetune(s, d, b, res, wrapHooks(h))),
      evaluate: (s, d, m, h) => this.call(() => r.evaluate(s, d, m, wrapHooks(h))),
      control: (c) => {
        if (!this.dead) void r.control(c);
      },
    };
  }
}
