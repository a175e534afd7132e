// A worker's death, seen at once: the worker holds a Web Lock for its whole life, and the page waits for it.

/** What the worker posts once it holds its lock (comlink ignores messages without an id). */
export const LIFE_LOCK_HELD = 'lima-life-lock-held';
/** What the page posts to ask the worker to close itself, as the browser may (tests use it). */
export const CLOSE_YOURSELF = 'lima-close-yourself';

const lockName = (workerName: string) => `lima-worker-life:${workerName}`;

/**
 * In the worker: take the lock named after this worker and never release it. The browser releases
 * it when the worker ends by any road — terminated from outside, `close()` from inside, killed with
 * its process — even while a long kernel blocks the worker's thread, which a heartbeat cannot say.
 */
export function holdLifeLock(workerName: string): void {
  void navigator.locks.request(lockName(workerName), () => {
    postMessage({ type: LIFE_LOCK_HELD });
    return new Promise<never>(() => {});
  });
}

/** In the worker: close on the page's request (the same end as a crash, for the page's point of view). */
export function listenForClose(): void {
  addEventListener('message', (e: MessageEvent) => {
    if ((e.data as { type?: unknown } | null)?.type === CLOSE_YOURSELF) close();
  });
}

/**
 * In the page: call `onDeath` when the worker ends. Waits for the worker to say it holds its lock
 * first, so that the page never takes the lock before the worker and mistakes a slow start for a
 * death.
 */
export function watchLife(worker: Worker, workerName: string, onDeath: () => void): void {
  const held = (e: MessageEvent) => {
    if ((e.data as { type?: unknown } | null)?.type !== LIFE_LOCK_HELD) return;
    worker.removeEventListener('message', held);
    void navigator.locks.request(lockName(workerName), () => onDeath());
  };
  worker.addEventListener('message', held);
}
