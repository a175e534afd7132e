// The engine's stages end to end in Node: data → pretrain → fine-tune → evaluate, with resume and refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../../src/engine/engine';
import { parseSpec, stageIds, type Spec, type SpecInput } from '../../src/spec';
import type { BackendReport, Checkpoint, Hooks, Progress } from '../../src/engine/api';
import { checkFits } from '../../src/engine/fit';
import { modelConfig, trainedParams } from '../../src/model/llama';
import { decodeOptimizer, decodeSafetensors, decodeWeights } from '../../src/train/checkpoint';
import { MICRO_SPEC } from '../fixtures/micro-spec';

function spec(over: SpecInput = {}): Spec {
  const { sweep: _, ...micro } = MICRO_SPEC;
  const base: SpecInput = { ...micro, pretrain: { ...micro.pretrain, steps: 12 } };
  const r = parseSpec({
    ...base,
    ...over,
    model: { ...base.model, ...over.model },
    pretrain: { ...base.pretrain, ...over.pretrain },
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

function hooks(progress: Progress[] = [], checkpoints: Checkpoint[] = []): Hooks {
  return { onProgress: (p) => progress.push(p), onCheckpoint: (c) => void checkpoints.push(c) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('engine stages', () => {
  it('builds data, pretrains, fine-tunes and evaluates with judged samples', async () => {
    const engine = new Engine();
    const s = spec();
    const data = await engine.buildData(s, hooks());
    expect(data.stats.tokens).toBeGreaterThan(0);
    await engine.probe('cpu');
    const tensorsBefore = tf.memory().numTensors;
    const progress: Progress[] = [];
    const pre = await engine.pretrain(s, data, null, hooks(progress));
    expect(pre.lossCurve).toHaveLength(12);
    expect(pre.lossCurve[11].loss).toBeLessThan(pre.lossCurve[0].loss);
    expect(progress.at(-1)).toMatchObject({ stage: 'pretrain', step: 12, totalSteps: 12 });
    // Validation (fresh phrasings of the same facts) on every curve point of so short a run.
    const val = pre.lossCurve.map((p) => p.valLoss);
    expect(val.every((v) => v !== undefined && Number.isFinite(v))).toBe(true);
    expect(val[11]!).toBeLessThan(val[0]!);
    // The knowledge probe ran on the pretrained model: six facts per probed held-out person.
    expect(pre.knowledge!.total).toBeGreaterThan(0);
    expect(pre.knowledge!.total % 6).toBe(0);
    expect(pre.knowledge!.recalled).toBeLessThanOrEqual(pre.knowledge!.total);
    const ft = await engine.finetune(s, data, pre.checkpoint, null, hooks());
    expect(ft.knowledge).toBeUndefined();
    expect(ft.lossCurve).toHaveLength(4); // 8 examples / batch 4 × 2 epochs
    // No dev prompts in this spec (and no answer would fit 32 tokens): no fine-tuning validation.
    expect(ft.lossCurve.some((p) => p.valLoss !== undefined)).toBe(false);
    const ev = await engine.evaluate(s, data, ft.checkpoint, hooks());
    expect(ev.samples).toHaveLength(10);
    for (const x of ev.samples) expect(x.score).toBeGreaterThanOrEqual(1);
    expect(ev.summary.n).toBe(10);
    // Every stage releases what it allocated.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    // The weights are a safetensors file with the model's tensors.
    const st = decodeSafetensors(ft.checkpoint.weights);
    expect(st.tensors.get('wte')?.shape).toEqual([300, 32]);
  });

  it('chooses the fine-tuned checkpoint with the best dev-set score (LIMA), later on ties', async () => {
    const engine = new Engine();
    const s = spec({
      backend: 'wasm', // a 256-token context: wasm is the fast CPU path
      model: { blockSize: 256 },
      finetune: { examples: 8, epochs: 5, batchSize: 4 },
      eval: { prompts: 10, devPrompts: 6, dialoguePrompts: 0, maxNewTokens: 128 },
    });
    const data = await engine.buildData(s, hooks());
    const pre = await engine.pretrain(s, data, null, hooks());
    const ft = await engine.finetune(s, data, pre.checkpoint, null, hooks());
    // 2 steps per epoch, a candidate every epoch, and the end.
    expect(ft.dev!.map((d) => d.step)).toEqual([2, 4, 6, 8, 10]);
    const best = Math.max(...ft.dev!.map((d) => d.score));
    const chosen = ft.dev!.filter((d) => d.score === best).at(-1)!.step;
    expect(ft.checkpoint.step).toBe(chosen);
    expect(ft.lossCurve).toHaveLength(10);
    // The dev prompts' reference answers are the fine-tuning validation: measured on every curve
    // point of so short a run, and falling as the answer format is learned.
    const val = ft.lossCurve.map((p) => p.valLoss);
    expect(val.every((v) => v !== undefined && v > 0)).toBe(true);
    expect(val[9]!).toBeLessThan(val[0]!);
  });

  it('pretrain.seed draws another base of the same world and corpus; 0 and the spec seed are the same base', async () => {
    const engine = new Engine();
    const s = spec();
    const other = spec({ pretrain: { seed: 7 } });
    const same = spec({ pretrain: { seed: s.seed } });
    expect([stageIds(other).world, stageIds(other).data]).toEqual([
      stageIds(s).world,
      stageIds(s).data,
    ]);
    expect(stageIds(other).pretrain).not.toBe(stageIds(s).pretrain);
    expect(stageIds(other).finetune).not.toBe(stageIds(s).finetune);
    expect(stageIds(same)).toEqual(stageIds(s));
    const data = await engine.buildData(s, hooks());
    await engine.probe('cpu');
    const losses = async (x: Spec) =>
      (await engine.pretrain(x, data, null, hooks())).lossCurve.map((p) => p.loss);
    const [a, b, c] = [await losses(s), await losses(other), await losses(same)];
    expect(c).toEqual(a);
    // Other initial weights: another loss from the first step on.
    expect(b[0]).not.toBe(a[0]);
  });

  it('resumes from a mid-run checkpoint to the same final loss curve, bit for bit', async () => {
    const engine = new Engine();
    const s = spec({ pretrain: { steps: 50, batchSize: 2 } });
    const data = await engine.buildData(s, hooks());
    const checkpoints: Checkpoint[] = [];
    const full = await engine.pretrain(s, data, null, hooks([], checkpoints));
    expect(checkpoints.map((c) => c.step)).toEqual([25]);
    const resumed = await engine.pretrain(s, data, checkpoints[0], hooks());
    expect(resumed.checkpoint.step).toBe(50);
    expect(resumed.lossCurve).toEqual(full.lossCurve);
  });

  it("a fine-tune of the attention alone keeps the base's embeddings and MLPs, and resumes bit for bit", async () => {
    const engine = new Engine();
    const s = spec({ finetune: { ...MICRO_SPEC.finetune, epochs: 10, train: 'attention' } });
    const data = await engine.buildData(s, hooks());
    const pre = await engine.pretrain(s, data, null, hooks());
    const checkpoints: Checkpoint[] = [];
    const ft = await engine.finetune(s, data, pre.checkpoint, null, hooks([], checkpoints));
    const trained = trainedParams(modelConfig(s), 'attention');
    expect(trained).toContain('h0.wqkv');
    expect(trained).not.toContain('wte');
    expect(trained).not.toContain('h0.w13');
    const base = decodeWeights(pre.checkpoint.weights).weights;
    const tuned = decodeWeights(ft.checkpoint.weights).weights;
    for (const [name, t] of base) {
      const same = t.data.every((x, i) => x === tuned.get(name)!.data[i]);
      expect(same, name).toBe(!trained.includes(name));
    }
    // A mid-run checkpoint holds the moments of the trained weights only, and resumes to the same run.
    expect(checkpoints.length).toBeGreaterThan(0);
    const moments = decodeOptimizer(checkpoints[0].optimizer!);
    expect([...moments.m.keys()]).toEqual(trained);
    const resumed = await engine.finetune(s, data, pre.checkpoint, checkpoints[0], hooks());
    expect(resumed.lossCurve).toEqual(ft.lossCurve);
    expect(resumed.lossCurve.at(-1)!.loss).toBeLessThan(resumed.lossCurve[0].loss);
  });

  it('a pause or cancel sent between stages holds for the next stage, until resume or reset', async () => {
    const engine = new Engine();
    const s = spec();
    const data = await engine.buildData(s, hooks());
    // Paused while idle (the sweep paused as this engine finished a stage): the next stage takes
    // no step until it is resumed, then trains to the end.
    engine.control('pause');
    const progress: Progress[] = [];
    const pre = engine.pretrain(s, data, null, hooks(progress));
    await new Promise((r) => setTimeout(r, 400));
    expect(progress.filter((p) => p.step > 0)).toEqual([]);
    engine.control('resume');
    expect((await pre).lossCurve).toHaveLength(12);
    // Cancelled while idle: the next stage stops at once; a new sweep's reset clears it.
    engine.control('cancel');
    await expect(engine.pretrain(s, data, null, hooks())).rejects.toThrow(/cancel/i);
    // A new sweep's reset clears that cancel: paused again, the next stage neither ends nor steps
    // (a cancel still held would end it at once), and a cancel then ends it.
    engine.control('reset');
    engine.control('pause');
    const moved: Progress[] = [];
    let settled = false;
    const again = engine.pretrain(s, data, null, hooks(moved)).finally(() => (settled = true));
    again.catch(() => {});
    await new Promise((r) => setTimeout(r, 400));
    expect(settled).toBe(false);
    expect(moved.filter((p) => p.step > 0)).toEqual([]);
    engine.control('cancel');
    await expect(again).rejects.toThrow(/cancel/i);
  });

  it('refuses a model too large for the device before training, saying what fits', () => {
    // A GPU with 256 MiB buffers: the adapter limits a real probe reports.
    const report: BackendReport = {
      context: 'worker',
      webgpu: {
        vendor: 'x',
        architecture: 'y',
        device: '',
        description: '',
        isFallback: false,
        shaderF16: false,
        limits: {
          maxBufferSize: 2 ** 28,
          maxStorageBufferBindingSize: 2 ** 27,
          maxComputeWorkgroupStorageSize: 16384,
          maxComputeInvocationsPerWorkgroup: 256,
        },
      },
      wasm: { available: true, simd: true, threads: false, crossOriginIsolated: false },
      cpu: { available: true, hardwareConcurrency: 2 },
      chosen: 'webgpu',
      reason: '',
    };
    const big = modelConfig(
      spec({
        model: {
          preset: '7b-proxy',
          nLayer: undefined,
          nEmbd: undefined,
          nHead: undefined,
          blockSize: undefined,
        },
      }),
    );
    const msg = checkFits(big, 64, big.blockSize, 'webgpu', report);
    expect(msg).toMatch(/needs about .* GiB .* batch \d+ or a smaller preset would fit/);
    expect(checkFits(modelConfig(spec()), 4, 32, 'webgpu', report)).toBeNull();
  });
});
