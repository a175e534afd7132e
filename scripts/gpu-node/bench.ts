// The bench on a bare GPU machine: the same training rows as `npm run bench` (src/engine/bench.ts), in Node, on Dawn's WebGPU and on wasm.
import './globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendName } from '../../src/engine/api';
import { benchTraining, matmulPeak, type TrainBench } from '../../src/engine/bench';
import { benchDispatches, type DispatchBench } from '../../src/engine/gpu-bench';
import { probeBackends } from '../../src/engine/probe';
import type { ModelPresetName } from '../../src/spec';
import plan from '../../bench/gpu-plan.json';

interface Row {
  preset: ModelPresetName;
  batchSize: number;
  steps: number;
  warmup?: number;
  kernels?: 'stock' | 'fast';
  rounds?: number;
}
interface TorchRow {
  preset: string;
  tokensPerSec: number;
  batchSize: number;
  device: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,wasm' },
    presets: { type: 'string', default: 'toy,small,base,7b-proxy' },
    out: { type: 'string', default: 'gpu-bench.json' },
    torch: { type: 'string' },
    // Plumbing checks, measuring nothing: one short step per fused-kernel row, no stock rows or counts.
    quick: { type: 'boolean', default: false },
    // A software adapter (SwiftShader as a Vulkan driver) is admitted: plumbing checks only.
    'allow-software': { type: 'boolean', default: false },
  },
});
const backends = args.backends.split(',') as BackendName[];
const presets = new Set(args.presets.split(','));
// The bundle sits beside the wasm binaries it was packed with (scripts/gpu-build.mjs).
setWasmPaths(`${join(here, 'wasm')}/`);

const report = await probeBackends('node', 'auto');
const gpu = report.webgpu;
if (backends.includes('webgpu') && (!gpu || (gpu.isFallback && !args['allow-software']))) {
  console.error(
    gpu
      ? `no hardware WebGPU adapter: Dawn found only a software one (${gpu.vendor} ${gpu.description}); its timings would say nothing about a GPU.`
      : `no WebGPU adapter: ${report.webgpuError ?? 'Dawn found none'}. Dawn needs the GPU driver's Vulkan ICD (for NVIDIA: nvidia_icd.json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d) and libvulkan.so.1 (the pack's lib/). Run with --backends wasm for the CPU rows alone.`,
  );
  process.exit(2);
}
console.log(
  `Node.js ${process.version}, ${report.cpu.hardwareConcurrency} cores; WebGPU: ${gpu ? `${gpu.vendor} ${gpu.architecture} ${gpu.description}` : 'not asked for'}; wasm: SIMD ${report.wasm.simd}, threads ${report.wasm.threads}`,
);

const median = (xs: TrainBench[]) =>
  [...xs].sort((a, b) => a.msPerStep - b.msPerStep)[(xs.length - 1) >> 1];
const runs: TrainBench[] = [];
const peaks: Record<string, number> = {};
const dispatches: DispatchBench[] = [];
const errors: string[] = [];
for (const backend of backends) {
  const peak = await matmulPeak(backend, args.quick ? 64 : backend === 'webgpu' ? 2048 : 1024, 3);
  peaks[backend] = peak.gflops;
  console.log(`matmul peak ${backend}: ${peak.gflops.toFixed(1)} GFLOP/s (${peak.n}³)`);
  for (const row of (plan as unknown as Record<string, Row[]>)[backend] ?? []) {
    if (!presets.has(row.preset) || (args.quick && row.kernels === 'stock')) continue;
    const { rounds = 1, ...o } = row;
    const quick = args.quick ? { batchSize: 1, steps: 1, warmup: 0 } : {};
    const tries: TrainBench[] = [];
    try {
      for (let k = 0; k < (args.quick ? 1 : rounds); k++)
        tries.push(await benchTraining({ backend, ...o, ...quick, peakGflops: peak.gflops }));
    } catch (e) {
      // One failing row (out of memory on a large preset) must not cost the rest of a rare run.
      errors.push(`${backend} ${row.preset} ${row.kernels ?? 'fast'}: ${(e as Error).message}`);
      console.log(`${backend.padEnd(7)}${row.preset.padEnd(9)} failed: ${(e as Error).message}`);
      continue;
    }
    const r = median(tries);
    runs.push(r);
    console.log(
      `${backend.padEnd(7)}${r.preset.padEnd(9)}${r.kernels.padEnd(6)} B${r.batchSize}×T${r.seqLen}` +
        `${r.msPerStep.toFixed(1).padStart(10)} ms/step${r.tokensPerSec.toFixed(0).padStart(9)} tokens/s` +
        `${r.gflops.toFixed(1).padStart(8)} GFLOP/s  MFU ${(100 * (r.mfu ?? 0)).toFixed(1)}%  loss ${r.finalLoss.toFixed(3)}`,
    );
  }
  if (backend === 'webgpu' && !args.quick)
    for (const kernels of ['stock', 'fast'] as const)
      try {
        dispatches.push(await benchDispatches({ preset: 'toy', batchSize: 4, kernels }));
      } catch (e) {
        errors.push(`webgpu dispatch counts (${kernels}): ${(e as Error).message}`);
      }
}

const torch: TorchRow[] = args.torch ? JSON.parse(readFileSync(args.torch, 'utf8')) : [];
console.log('\npreset     wasm tok/s  webgpu tok/s  webgpu/wasm  torch tok/s  webgpu/torch');
for (const preset of presets) {
  const at = (b: string) =>
    runs.find((r) => r.backend === b && r.preset === preset && r.kernels === 'fast');
  const [w, g, t] = [at('wasm'), at('webgpu'), torch.find((x) => x.preset === preset)];
  const num = (x?: number) => (x === undefined ? '-' : x.toFixed(0));
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}×` : '-');
  console.log(
    `${preset.padEnd(9)}${num(w?.tokensPerSec).padStart(12)}${num(g?.tokensPerSec).padStart(14)}` +
      `${ratio(g?.tokensPerSec, w?.tokensPerSec).padStart(13)}${num(t?.tokensPerSec).padStart(13)}` +
      `${ratio(g?.tokensPerSec, t?.tokensPerSec).padStart(14)}`,
  );
}
for (const d of dispatches)
  console.log(
    `webgpu ${d.kernels.padEnd(5)} toy B4: ${d.dispatches} dispatches, ${d.submits} submits per step`,
  );
writeFileSync(
  args.out,
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      report,
      peaks,
      runs,
      dispatches,
      torch,
      errors,
    },
    null,
    2,
  ),
);
for (const e of errors) console.log(`error: ${e}`);
console.log(`wrote ${args.out}`);
// Dawn keeps its device's threads alive: leave explicitly once the figures are written.
process.exit(0);
