// Every worker the page starts, in one place: engine workers (a sweep's stages) and probe workers (what runs here, benchmarks).
import { wrap, type Remote } from 'comlink';
import type { EngineApi, ProbeApi } from '../../engine/api';

/** A started worker: its comlink remote, typed by the worker's API interface (engine/api.ts). */
export interface Started<Api> {
  worker: Worker;
  remote: Remote<Api>;
  /** Rejects when the worker's script fails to load or throws outside a call; it never resolves. */
  failed: Promise<never>;
  terminate(): void;
}

function started<Api>(worker: Worker): Started<Api> {
  // A worker whose script fails to load never answers: callers race this instead of waiting.
  const failed = new Promise<never>((_, reject) =>
    worker.addEventListener('error', (e) => reject(new Error(e.message || 'worker failed'))),
  );
  failed.catch(() => {});
  return { worker, remote: wrap<Api>(worker), failed, terminate: () => worker.terminate() };
}

/** A fresh engine worker (workers/engine.worker.ts); its name also names its life lock (life-lock.ts). */
export function startEngineWorker(name: string): Started<EngineApi> {
  // Vite finds workers by this literal `new Worker(new URL(…))` form, so each kind has its own line.
  return started(
    new Worker(new URL('../../../workers/engine.worker.ts', import.meta.url), {
      type: 'module',
      name,
    }),
  );
}

/** A fresh probe worker (workers/probe.worker.ts): backend report, self-test and benchmarks. */
export function startProbeWorker(name = 'probe'): Started<ProbeApi> {
  return started(
    new Worker(new URL('../../../workers/probe.worker.ts', import.meta.url), {
      type: 'module',
      name,
    }),
  );
}

let shared: Remote<ProbeApi> | null = null;

/** The page's one long-lived probe worker: the backend report as a worker sees it, and the self-test. */
export function probeWorker(): Remote<ProbeApi> {
  shared ??= startProbeWorker().remote;
  return shared;
}
