// `npm run bench`: training speed of each preset on each backend, in a probe worker of headless Chromium.
// Prints what `backend: auto` chooses here for the toy model and why, then a table, and writes
// bench-results/bench.json. MFU = achieved GFLOP/s ÷ the matmul peak of the same backend measured
// in the same run. Kernels: "stock" = tfjs's own kernels and gradients (the baseline);
// "fast" = transpose-free linear gradients and the depthwise attention product (bmm); "no-bmm" leaves
// bmm out, so it earns its place by a ratio.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'vite';
import { launchChromium } from './chromium.mjs';
import gpuPlan from '../bench/gpu-plan.json' with { type: 'json' };

/** What fits in a few minutes on a 2-core CPU; a hardware GPU adds the larger presets. */
const PLAN = {
  wasm: [
    { preset: 'toy', batchSize: 16, steps: 10, kernels: 'stock', rounds: 3 },
    { preset: 'toy', batchSize: 16, steps: 10, kernels: 'no-bmm', rounds: 3 },
    { preset: 'toy', batchSize: 16, steps: 10, rounds: 3 },
    { preset: 'toy', batchSize: 32, steps: 4 },
    { preset: 'small', batchSize: 16, steps: 3 },
  ],
  cpu: [{ preset: 'toy', batchSize: 16, steps: 2 }],
  webgpu: [
    { preset: 'toy', batchSize: 4, steps: 2, kernels: 'stock' },
    { preset: 'toy', batchSize: 4, steps: 2 },
  ],
  // Fine-tuning on plateau-toy's SFT set at its batch of 8 examples, interleaved with the rows above.
  finetune: [
    { preset: 'toy', steps: 10, layout: 'packed', rounds: 3 },
    { preset: 'toy', steps: 10, layout: 'padded', rounds: 3 },
  ],
  webgpuHardware: gpuPlan.webgpu,
};

const server = await createServer({
  configFile: 'vite.config.ts',
  server: { port: 0, strictPort: false, host: '127.0.0.1', open: false },
  logLevel: 'warn',
  clearScreen: false,
  // Pre-bundle the engine's dependencies up front: a discovery mid-run would reload the page.
  optimizeDeps: {
    entries: ['workers/engine.worker.ts', 'workers/probe.worker.ts', 'scripts/engine-client.ts'],
  },
});
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}/`;
const browser = await launchChromium();
try {
  const page = await browser.newPage();
  page.on('console', (m) => m.type() === 'error' && console.error(`page: ${m.text()}`));
  // A blank page of the same origin (COOP/COEP headers) rather than the app, which starts its own workers.
  await page.goto(new URL('scripts/engine-client.ts', base).toString());
  // The first worker start makes Vite pre-bundle the engine's dependencies, which may reload the page.
  let ready = false;
  for (let i = 0; i < 6 && !ready; i++) {
    try {
      await page.evaluate(async () => {
        const m = await import('/scripts/engine-client.ts');
        const { bench, terminate } = m.benchWorker();
        await bench.probe('auto');
        terminate();
        globalThis.benchReady = true;
      });
      await page.waitForTimeout(2000);
      ready = await page.evaluate(() => globalThis.benchReady === true);
    } catch {
      // A reload picks up the dependencies Vite has just re-bundled ("Outdated Optimize Dep").
      await page.reload({ waitUntil: 'load' });
    }
  }
  if (!ready)
    throw new Error('the bench page kept reloading: Vite could not settle its dependencies');
  const result = await page.evaluate(async (plan) => {
    const m = await import('/scripts/engine-client.ts');
    const out = {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      peaks: [],
      runs: [],
      finetune: [],
      errors: [],
    };
    const probe = m.benchWorker();
    out.report = await probe.bench.probe('auto');
    out.wasmThreads = await probe.bench.wasmThreads();
    probe.terminate();
    // What `backend: auto` would train the toy model on here, and why: the runner's own race,
    // without its cache (a software adapter never races, so there it is the probe's choice).
    {
      const race = await import('/src/runner/race.ts');
      const toy = m.parseSpec({ model: { preset: 'toy' }, backend: 'auto' });
      const { backend, reason, how } = await race.chooseAuto({
        report: out.report,
        spec: toy.value,
        measure: race.measureInWorker,
        storage: null,
        threads: race.raceThreads(),
      });
      out.auto = { backend, reason, how, shape: race.shapeText(toy.value) };
    }
    // The same toy run with the threaded wasm build asked for one thread per core.
    {
      const { bench, terminate } = m.benchWorker();
      try {
        out.wasmThreadsRequested = await bench.wasmThreads(navigator.hardwareConcurrency);
        const peak = await bench.matmulPeak('wasm', 1024, 5);
        out.peaks.push({ ...peak, backend: `wasm×${out.wasmThreadsRequested.threads}` });
        const run = await bench.benchTraining({
          backend: 'wasm',
          ...plan.wasm[2],
          peakGflops: peak.gflops,
        });
        out.runs.push({ ...run, backend: `wasm×${out.wasmThreadsRequested.threads}` });
      } catch (e) {
        out.errors.push(`wasm threads: ${e.message}`);
      } finally {
        terminate();
      }
    }
    const gpu = out.report.webgpu;
    const backends = ['wasm', 'cpu', ...(gpu ? ['webgpu'] : [])];
    for (const backend of backends) {
      const { bench, terminate } = m.benchWorker();
      try {
        await bench.probe(backend);
        const hardware = backend === 'webgpu' && !gpu.isFallback;
        const peakOf = () =>
          bench.matmulPeak(
            backend,
            backend === 'webgpu' && !hardware ? 256 : 1024,
            backend === 'cpu' ? 1 : 5,
          );
        // Rows with `rounds` run round-robin, each round a fresh model, and keep their median
        // round: a single run of a few steps can land in a slow spell and swing a ratio. The
        // matmul peak is measured in every round too, so MFU divides by a peak of the same spells.
        const rows = hardware ? plan.webgpuHardware : plan[backend];
        const tuning = backend === 'wasm' ? plan.finetune : [];
        const tries = rows.map(() => []);
        const tuned = tuning.map(() => []);
        const peaks = [];
        const most = Math.max(...[...rows, ...tuning].map((r) => r.rounds ?? 1));
        for (let k = 0; k < most; k++) {
          peaks.push(await peakOf());
          for (const [i, { rounds = 1, ...row }] of rows.entries()) {
            if (k < rounds) tries[i].push(await bench.benchTraining({ backend, ...row }));
          }
          for (const [i, { rounds = 1, ...row }] of tuning.entries()) {
            if (k < rounds) tuned[i].push(await bench.benchFinetune({ backend, ...row }));
          }
        }
        const median = (t, key) => [...t].sort((a, b) => a[key] - b[key])[(t.length - 1) >> 1];
        const peak = median(peaks, 'gflops');
        const spread = [
          Math.min(...peaks.map((p) => p.gflops)),
          Math.max(...peaks.map((p) => p.gflops)),
        ];
        out.peaks.push({ ...peak, rounds: peaks.length, spread });
        for (const t of tries) {
          const r = median(t, 'msPerStep');
          const ms = t.map((x) => x.msPerStep);
          out.runs.push({
            ...r,
            mfu: r.gflops / peak.gflops,
            rounds: t.length,
            spread: [Math.min(...ms), Math.max(...ms)],
          });
        }
        for (const t of tuned) {
          const r = median(t, 'msPerStep');
          out.finetune.push({ ...r, mfu: r.gflops / peak.gflops, rounds: t.length });
        }
      } catch (e) {
        out.errors.push(`${backend}: ${e.message}`);
      } finally {
        terminate();
      }
    }
    // WebGPU work per training step, stock tfjs kernels against the fused WGSL ones (counts do not
    // depend on the adapter, so SwiftShader gives the figures a hardware GPU would).
    out.dispatches = [];
    if (gpu) {
      const { bench, terminate } = m.benchWorker();
      try {
        await bench.probe('webgpu');
        for (const kernels of ['stock', 'fast'])
          out.dispatches.push(
            await bench.benchDispatches({ preset: 'toy', batchSize: 4, kernels }),
          );
      } catch (e) {
        out.errors.push(`webgpu dispatch counts: ${e.message}`);
      } finally {
        terminate();
      }
    }
    return out;
  }, PLAN);

  const pad = (x, n) => String(x).padStart(n);
  console.log(
    `\n${result.userAgent}\ncores: ${result.hardwareConcurrency}; WebGPU: ${result.report.webgpu ? `${result.report.webgpu.vendor} ${result.report.webgpu.architecture} ${result.report.webgpu.description}${result.report.webgpu.isFallback ? ' (software)' : ''}` : 'none'}`,
  );
  console.log(
    `wasm threads: default ${JSON.stringify(result.wasmThreads)}; asked for ${result.hardwareConcurrency}: ${JSON.stringify(result.wasmThreadsRequested)}`,
  );
  const a = result.auto;
  console.log(
    `auto-choice for the toy model (${a.shape}): ${a.backend}, ${a.how === 'probe' ? 'no race' : 'raced here'}: ${a.reason}`,
  );
  for (const p of result.peaks)
    console.log(
      `matmul peak ${p.backend}: ${p.gflops.toFixed(2)} GFLOP/s (${p.n}³, ${p.ms.toFixed(1)} ms)` +
        (p.rounds > 1
          ? `, median of ${p.rounds} rounds interleaved with the model rows (spread ${p.spread.map((g) => g.toFixed(2)).join('–')})`
          : ''),
    );
  console.log(
    `\n${'backend'.padEnd(8)}${'preset'.padEnd(10)}${'kernels'.padEnd(8)}${pad('params', 10)}${pad('B×T', 9)}${pad('ms/step', 10)}${pad('tok/s', 9)}${pad('GFLOP/s', 9)}${pad('MFU', 7)}${pad('tensor MiB', 11)}`,
  );
  for (const r of result.runs) {
    console.log(
      `${r.backend.padEnd(8)}${r.preset.padEnd(10)}${r.kernels.padEnd(8)}${pad(r.params, 10)}${pad(`${r.batchSize}×${r.seqLen}`, 9)}${pad(r.msPerStep.toFixed(1), 10)}${pad(r.tokensPerSec.toFixed(0), 9)}${pad(r.gflops.toFixed(2), 9)}${pad(r.mfu === undefined ? '-' : `${(100 * r.mfu).toFixed(1)}%`, 7)}${pad((r.peakBytes / 2 ** 20).toFixed(1), 11)}`,
    );
  }
  const toy = (kernels) =>
    result.runs.find(
      (r) =>
        r.backend === 'wasm' && r.preset === 'toy' && r.kernels === kernels && r.batchSize === 16,
    );
  const [fast, noBmm, stock] = ['fast', 'no-bmm', 'stock'].map(toy);
  const ratio = (slow) => (slow.msPerStep / fast.msPerStep).toFixed(2);
  if (fast && noBmm && stock)
    console.log(
      `\ntoy on wasm, step-time ratios from this run (each row the median of ${fast.rounds} interleaved rounds): fast kernels ${ratio(stock)}× faster than stock tfjs; ` +
        `depthwise bmm alone ${ratio(noBmm)}×`,
    );
  printDispatches(result);
  printFinetune(result);
  for (const e of result.errors) console.log(`error: ${e}`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync(
    'bench-results/bench.json',
    JSON.stringify(
      { date: new Date().toISOString(), source: 'headless Chromium, probe worker', ...result },
      null,
      2,
    ),
  );
  console.log('\nwrote bench-results/bench.json');
} finally {
  await browser.close();
  await server.close();
}

/** The per-step WebGPU work of the stock and fused kernels, beside the webgpu rows' tokens/s. */
function printDispatches(result) {
  if (!result.dispatches?.length) return;
  console.log('\nwebgpu work per training step (hardware-independent; toy, B4 × T128):');
  for (const d of result.dispatches) {
    const run = result.runs.find(
      (r) => r.backend === 'webgpu' && r.preset === d.preset && r.kernels === d.kernels,
    );
    console.log(
      `  ${d.kernels.padEnd(6)} ${String(d.dispatches).padStart(5)} dispatches ${String(d.submits).padStart(4)} submits ` +
        `${(d.bufferBytes / 1024).toFixed(1).padStart(8)} KiB new buffers ${(d.writeBytes / 1024).toFixed(1).padStart(7)} KiB written` +
        (run ? `   ${run.tokensPerSec.toFixed(0)} tokens/s (B${run.batchSize})` : ''),
    );
  }
  const [stock, fast] = ['stock', 'fast'].map((k) =>
    result.dispatches.find((d) => d.kernels === k),
  );
  if (stock && fast)
    console.log(
      `  fused kernels: ${(stock.dispatches / fast.dispatches).toFixed(1)}× fewer dispatches per step`,
    );
}

/**
 * The fine-tuning rows beside the pretraining row of the same model and backend: tokens/s counts the
 * examples' tokens (prompts and answers, no padding), as pretraining counts every token it reads.
 */
function printFinetune(result) {
  if (result.finetune.length === 0) return;
  const pad = (x, n) => String(x).padStart(n);
  console.log(
    `\n${'fine-tuning'.padEnd(12)}${'preset'.padEnd(8)}${'layout'.padEnd(8)}${pad('rows×T', 11)}${pad('ms/step', 9)}${pad('tok/s', 8)}${pad('padding', 9)}${pad('loss tok', 10)}${pad('MFU', 7)}`,
  );
  for (const r of result.finetune) {
    console.log(
      `${r.backend.padEnd(12)}${r.preset.padEnd(8)}${r.layout.padEnd(8)}${pad(`${r.rows.toFixed(1)}×${r.seqLen.toFixed(0)}`, 11)}${pad(r.msPerStep.toFixed(1), 9)}${pad(r.tokensPerSec.toFixed(0), 8)}${pad(`${(100 * r.padding).toFixed(1)}%`, 9)}${pad(`${(100 * r.lossShare).toFixed(1)}%`, 10)}${pad(`${(100 * r.mfu).toFixed(1)}%`, 7)}`,
    );
  }
  for (const r of result.finetune) {
    const pre = result.runs.find(
      (x) =>
        x.backend === r.backend &&
        x.preset === r.preset &&
        x.kernels === 'fast' &&
        x.batchSize === 16,
    );
    if (pre)
      console.log(
        `fine-tuning (${r.layout}, ${r.examples} examples/step) runs at ${((100 * r.tokensPerSec) / pre.tokensPerSec).toFixed(0)}% of pretraining's tokens/s (${r.preset}, ${r.backend}, B16×${pre.seqLen}; medians of ${r.rounds} and ${pre.rounds} interleaved rounds)`,
      );
  }
}
