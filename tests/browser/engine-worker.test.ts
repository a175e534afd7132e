// The engine inside a real Web Worker: backends agree on the first losses; a toy run learns the chat format.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { launch, openPage, settle, withModule } from './harness';

let browser: Browser;
beforeAll(async () => {
  browser = await launch();
});
afterAll(async () => {
  await browser?.close();
});

/** Tiny on purpose: SwiftShader WebGPU runs at ~1 GFLOP/s. */
const tinySpec = {
  world: { people: 16, procedures: 2 },
  data: { vocabSize: 300, augmentation: 1 },
  model: { nLayer: 1, nEmbd: 32, nHead: 2, blockSize: 16 },
  pretrain: { steps: 4, batchSize: 2, warmupSteps: 0, lr: 0.01 },
};

describe('engine worker', () => {
  test('webgpu (SwiftShader), wasm and cpu give the same first losses inside the worker (|Δ| < 2e-4)', async () => {
    const { page, errors } = await openPage(browser, '/scripts/engine-client.ts');
    await settle(page);
    errors.length = 0;
    const result = await withModule(
      page,
      '/scripts/engine-client.ts',
      async (m, spec) => {
        const out: Record<string, { backend: string; losses: number[]; report: unknown }> = {};
        for (const backend of ['cpu', 'wasm', 'webgpu']) {
          const { engine, terminate } = m.engineWorker();
          const s = m.parseSpec({ ...spec, backend });
          if (!s.ok) throw new Error(s.errors.join('; '));
          const report = await engine.probe(backend);
          const data = await engine.buildData(s.value, m.collectingHooks());
          const r = await engine.pretrain(s.value, data, null, m.collectingHooks());
          out[backend] = {
            backend: r.backend,
            losses: r.lossCurve.map((p: { loss: number }) => p.loss),
            report,
          };
          terminate();
        }
        return out;
      },
      tinySpec,
    );
    console.log(
      `first losses in the worker: ${JSON.stringify(Object.fromEntries(Object.entries(result).map(([k, v]) => [k, v.losses])))}`,
    );
    for (const b of ['cpu', 'wasm', 'webgpu'])
      expect(result[b].backend, JSON.stringify(result[b].report)).toBe(b);
    expect(result.cpu.losses).toHaveLength(4);
    expect(Math.abs(result.cpu.losses[0] - Math.log(300))).toBeLessThan(0.1);
    for (const b of ['wasm', 'webgpu']) {
      result[b].losses.forEach((l, i) =>
        expect(Math.abs(l - result.cpu.losses[i]), `${b} step ${i + 1}`).toBeLessThan(2e-4),
      );
    }
    expect(errors).toEqual([]);
  });

  test('a toy pretrain + fine-tune + evaluate on wasm in the worker finishes and answers in the trained format', async () => {
    const { page, errors } = await openPage(browser, '/scripts/engine-client.ts');
    await settle(page);
    errors.length = 0;
    const spec = {
      backend: 'wasm',
      world: { people: 40, procedures: 4 },
      data: { vocabSize: 320, augmentation: 2 },
      // A 256-token context: every SFT example and every evaluation prompt with its answer fit.
      model: { preset: 'toy', blockSize: 256 },
      pretrain: { steps: 150, batchSize: 4, warmupSteps: 10 },
      finetune: { examples: 32, epochs: 10, batchSize: 8, lr: 5e-3 },
      eval: { prompts: 20, devPrompts: 0, dialoguePrompts: 0, maxNewTokens: 96 },
    };
    const t0 = Date.now();
    const r = await withModule(
      page,
      '/scripts/engine-client.ts',
      async (m, input) => {
        const s = m.parseSpec(input);
        if (!s.ok) throw new Error(s.errors.join('; '));
        const { engine, terminate } = m.engineWorker();
        const data = await engine.buildData(s.value, m.collectingHooks());
        const pre = await engine.pretrain(s.value, data, null, m.collectingHooks());
        const ft = await engine.finetune(s.value, data, pre.checkpoint, null, m.collectingHooks());
        const ev = await engine.evaluate(s.value, data, ft.checkpoint, m.collectingHooks());
        // Ended by EOT: the fine-tuned model vs the pretrained one, which never saw the chat format.
        const base = await engine.evaluate(s.value, data, pre.checkpoint, m.collectingHooks());
        const stops = (r: { samples: { stopped?: boolean }[] }) =>
          r.samples.filter((x) => x.stopped).length;
        const ftStops = stops(ev);
        const baseStops = stops(base);
        terminate();
        return {
          backend: pre.backend,
          pre: [pre.lossCurve[0].loss, pre.lossCurve.at(-1).loss],
          ft: [ft.lossCurve[0].loss, ft.lossCurve.at(-1).loss],
          summary: ev.summary,
          ftStops,
          baseStops,
          samples: ev.samples.map((x: { response: string; score: number; reason: string }) => ({
            response: x.response,
            score: x.score,
            reason: x.reason,
          })),
        };
      },
      spec,
    );
    const secs = (Date.now() - t0) / 1000;
    console.log(
      `toy run on wasm in ${secs.toFixed(0)} s: pretrain loss ${r.pre.map((x) => x.toFixed(2))}, fine-tune loss ${r.ft.map((x) => x.toFixed(2))}, score ${r.summary.mean.toFixed(2)} ± ${r.summary.ci95.toFixed(2)}`,
    );
    for (const x of r.samples.slice(0, 4))
      console.log(`  [${x.score}] ${x.response.slice(0, 100)} — ${x.reason}`);
    expect(r.backend).toBe('wasm');
    expect(r.pre[1]).toBeLessThan(r.pre[0] - 2);
    expect(r.ft[1]).toBeLessThan(r.ft[0]);
    // The trained format: the answer ends with the end-of-turn token, as every SFT example did.
    console.log(
      `ended by EOT: fine-tuned ${r.ftStops}/${r.samples.length}, pretrained ${r.baseStops}/${r.samples.length}`,
    );
    expect(r.ftStops / r.samples.length).toBeGreaterThanOrEqual(0.7);
    // The untrained EOT row still wins now and then in the base model; SFT makes it the rule.
    expect((r.ftStops - r.baseStops) / r.samples.length).toBeGreaterThanOrEqual(0.4);
    expect(errors).toEqual([]);
  });

  test('a lost WebGPU device ends pretraining with where to resume, and the run resumes on cpu', async () => {
    // In the page, not a worker: the test needs the engine's own GPUDevice to destroy it, which
    // loses the device for real (reason "destroyed"), as a driver reset would.
    const { page, errors } = await openPage(browser, '/scripts/engine-client.ts');
    await settle(page);
    errors.length = 0;
    const r = await withModule(
      page,
      '/scripts/engine-client.ts',
      async (m, spec) => {
        const parse = (backend: string) => {
          const p = m.parseSpec({ ...spec, backend });
          if (!p.ok) throw new Error(p.errors.join('; '));
          return p.value;
        };
        const engine = new m.Engine();
        const gpuSpec = parse('webgpu');
        const data = await engine.buildData(gpuSpec, { onProgress: () => {} });
        const checkpoints: { step: number }[] = [];
        let lostAt = -1;
        let error = '';
        try {
          await engine.pretrain(gpuSpec, data, null, {
            onProgress: (p: { step: number }) => {
              if (lostAt < 0 && p.step > 25) {
                lostAt = p.step;
                m.tf.backend().device.destroy();
              }
            },
            onCheckpoint: (c: { step: number }) => void checkpoints.push(c),
          });
        } catch (e) {
          error = (e as Error).message;
        }
        const last = checkpoints.at(-1) as { step: number };
        const resumed = await engine.pretrain(parse('cpu'), data, last, { onProgress: () => {} });
        return {
          error,
          lostAt,
          from: last.step,
          backend: resumed.backend,
          final: resumed.checkpoint.step,
          points: resumed.lossCurve.length,
        };
      },
      { ...tinySpec, pretrain: { ...tinySpec.pretrain, steps: 40 } },
    );
    console.log(
      `device lost after step ${r.lostAt}: "${r.error}"; resumed on ${r.backend} from step ${r.from}`,
    );
    expect(r.error).toMatch(/WebGPU device was lost \(destroyed/);
    expect(r.error).toContain(`resume from the last checkpoint (step ${r.from})`);
    expect(r.from).toBe(25);
    expect(r.backend).toBe('cpu');
    expect(r.final).toBe(40);
    expect(r.points).toBe(40);
  });

  test('no leak on webgpu (SwiftShader): tensors and bytes flat over 60 training steps and across 8 stages in one engine', async () => {
    // In the page, as the device-loss test: tf.memory() of the engine's own backend, GPU bytes included.
    const { page, errors } = await openPage(browser, '/scripts/engine-client.ts');
    await settle(page);
    errors.length = 0;
    const r = await withModule(
      page,
      '/scripts/engine-client.ts',
      async (m, spec) => {
        const parse = (over: object) => {
          const p = m.parseSpec({ ...spec, ...over, backend: 'webgpu' });
          if (!p.ok) throw new Error(p.errors.join('; '));
          return p.value;
        };
        const mem = () => {
          const x = m.tf.memory() as {
            numTensors: number;
            numBytes: number;
            numBytesAllocatedInGPU?: number;
          };
          return { tensors: x.numTensors, bytes: x.numBytes, gpu: x.numBytesAllocatedInGPU ?? -1 };
        };
        const quiet = { onProgress: () => {} };
        const engine = new m.Engine();
        // Fewer steps and stages than the wasm test's 1,000 and 20 (tests/unit/engine-memory):
        // SwiftShader takes ~0.5 s a step and ~7 s a stage, and exact equality from step 10 (stage
        // 2) on catches a leak of even one tensor or byte per step (stage).
        const long = parse({ pretrain: { ...spec.pretrain, steps: 60 } });
        const data = await engine.buildData(long, quiet);
        const during: { step: number; tensors: number; bytes: number; gpu: number }[] = [];
        const t0 = performance.now();
        await engine.pretrain(long, data, null, {
          onProgress: (p: { step: number }) => void during.push({ step: p.step, ...mem() }),
        });
        const ms = performance.now() - t0;
        // Eight training stages: a short pretraining and a fine-tune of it, four times.
        const short = parse({
          model: { ...spec.model, blockSize: 32 },
          pretrain: { ...spec.pretrain, steps: 4 },
          finetune: { examples: 4, epochs: 1, batchSize: 2 },
          eval: { devPrompts: 0 },
        });
        const stages: ReturnType<typeof mem>[] = [];
        for (let i = 0; i < 4; i++) {
          const pre = await engine.pretrain(short, data, null, quiet);
          stages.push(mem());
          await engine.finetune(short, data, pre.checkpoint, null, quiet);
          stages.push(mem());
        }
        return { during, stages, ms, backend: m.tf.getBackend() };
      },
      tinySpec,
    );
    const steps = r.during.filter((x) => x.step >= 10 && x.step < 60);
    console.log(
      `60 webgpu steps in ${Math.round(r.ms / 1000)} s; ${steps.length} progress points; tensors ${steps[0]?.tensors}→${steps.at(-1)?.tensors}, bytes ${steps[0]?.bytes}→${steps.at(-1)?.bytes}, GPU allocated ${steps[0]?.gpu}→${steps.at(-1)?.gpu}; after 8 stages: ${JSON.stringify(r.stages.at(-1))}`,
    );
    expect(r.backend).toBe('webgpu');
    expect(steps[0].gpu).toBeGreaterThan(0);
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(r.during.at(-1)?.step).toBe(60);
    for (const x of steps) {
      expect(x.tensors).toBe(steps[0].tensors);
      expect(x.bytes).toBe(steps[0].bytes);
    }
    // The buffer pool may grow while it warms up; then it must stop growing.
    expect(steps.at(-1)!.gpu).toBeLessThanOrEqual(steps[Math.floor(steps.length / 2)].gpu);
    expect(r.stages).toHaveLength(8);
    for (const x of r.stages.slice(2)) {
      expect(x.tensors).toBe(r.stages[1].tensors);
      expect(x.bytes).toBe(r.stages[1].bytes);
    }
    expect(r.stages.at(-1)!.gpu).toBeLessThanOrEqual(r.stages[3].gpu);
    expect(errors).toEqual([]);
  });
});
