// Probe worker: reports the backends a Web Worker can use and runs the numeric self-test there.
import { expose } from 'comlink';
import './wasm-paths';
import { probeBackends } from '../src/engine/probe';
import { selfTest } from '../src/engine/selftest';
import type { BackendName } from '../src/engine/api';

const api = {
  probe: (override?: BackendName | 'auto') => probeBackends('worker', override),
  selfTest: (backend: BackendName, n?: number) => selfTest(backend, n),
};
export type ProbeWorkerApi = typeof api;
expose(api);
