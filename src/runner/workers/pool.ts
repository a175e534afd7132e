// Lends a fixed set of engines to the stages that need one, the most urgent waiting stage first.

/** How many engine workers a device runs at once: one per core (this device's, by default) on the CPU backends, one on a GPU. */
export function poolSize(
  backend: string,
  cores = globalThis.navigator?.hardwareConcurrency ?? 1,
): number {
  // A GPU is one queue: a second worker would only split it. On wasm and cpu each worker runs one
  // thread (see `Engine.threads`), so one per core uses every core without oversubscribing them;
  // four is where the memory of four models starts to matter more than a fifth core.
  if (backend === 'webgpu') return 1;
  return Math.max(1, Math.min(4, Math.floor(cores) || 1));
}

interface Waiter<T> {
  priority: number;
  seq: number;
  give: (item: T) => void;
}

export class Pool<T> {
  private readonly free: T[];
  private readonly waiting: Waiter<T>[] = [];
  private seq = 0;

  constructor(readonly items: readonly T[]) {
    if (items.length === 0) throw new Error('a pool needs at least one item');
    this.free = [...items].reverse();
  }

  get size(): number {
    return this.items.length;
  }

  /**
   * Runs `f` on a free item, waiting for one if all are lent. Lower `priority` goes first; equal
   * priorities go in the order they asked.
   */
  async use<R>(priority: number, f: (item: T) => Promise<R>): Promise<R> {
    const item =
      this.free.pop() ??
      (await new Promise<T>((give) => {
        this.waiting.push({ priority, seq: this.seq++, give });
        this.waiting.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
      }));
    try {
      return await f(item);
    } finally {
      // With others waiting, hand over on the next task, not now: what the finished work unlocks
      // (a run's evaluation after its fine-tune) asks within this task's microtasks, and may
      // outrank them. With none waiting, the item is free at once (and the next stage gets it).
      if (this.waiting.length > 0) setTimeout(() => this.release(item), 0);
      else this.free.push(item);
    }
  }

  private release(item: T): void {
    const next = this.waiting.shift();
    if (next) next.give(item);
    else this.free.push(item);
  }
}
