// Main-thread client of the probe worker: the backend report as a worker sees it, and the self-test.
import { wrap, type Remote } from 'comlink';
import type { ProbeWorkerApi } from '../../workers/probe.worker';

let worker: Remote<ProbeWorkerApi> | null = null;

export function probeWorker(): Remote<ProbeWorkerApi> {
  worker ??= wrap<ProbeWorkerApi>(
    new Worker(new URL('../../workers/probe.worker.ts', import.meta.url), {
      type: 'module',
      name: 'probe',
    }),
  );
  return worker;
}
