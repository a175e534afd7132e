// Probe worker: reports the backends a Web Worker can use, runs the numeric self-test and short training benchmarks there.
import { expose } from 'comlink';
import './wasm-paths';
import { probeBackends } from '../src/engine/probe';
import { selfTest } from '../src/engine/selftest';
import { benchTraining } from '../src/engine/bench';
import type { BackendName } from '../src/engine/api';

const api = {
  probe: (override?: BackendName | 'auto') => probeBackends('worker', override),
  selfTest: (backend: BackendName, n?: number) => selfTest(backend, n),
  /** A few real training steps: the speed behind the editor's time estimate. */
  benchTraining,
};
export type ProbeWorkerApi = typeof api;
expose(api);
