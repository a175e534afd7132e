// Probe worker: reports the backends a Web Worker can use, runs the numeric self-test and the benchmarks there.
import { expose } from 'comlink';
import './wasm-paths';
import { probeBackends } from '../src/engine/probe';
import { selfTest } from '../src/engine/selftest';
import { benchTraining, matmulPeak, wasmThreads } from '../src/engine/bench';
import { benchFinetune } from '../src/engine/bench-finetune';
import { benchDispatches } from '../src/engine/gpu-bench';
import type { ProbeApi } from '../src/engine/api';

const api: ProbeApi = {
  probe: (override) => probeBackends('worker', override),
  selfTest,
  benchTraining,
  matmulPeak,
  wasmThreads,
  benchFinetune,
  benchDispatches,
};
expose(api);
