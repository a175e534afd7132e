// The engine behind the worker: data, pretraining, fine-tuning and evaluation as functions of the spec.
import * as tf from '@tensorflow/tfjs-core';
import { stageIds, type Spec, type Stage } from '../spec';
import { modelConfig, type Llama, type ModelConfig } from '../model/llama';
import type { AdamW } from '../train/adamw';
import { encodePrompt, stopIds } from '../data/chat';
import { generate as generateTokens } from '../model/generate';
import { StageControl } from '../train/control';
import { trainLoop, type LoopResult } from '../train/loop';
import { finetuneLr, layerDropout, pretrainLr } from '../train/schedule';
import { Trainer } from '../train/step';
import { deriveSeed, Rng } from '../util/rng';
import { evalSet } from '../world/eval';
import { fewShotExamples } from '../world/sft';
import { TASK_TYPES } from '../world/types';
import type {
  BackendName,
  BackendReport,
  Checkpoint,
  Control,
  DataArtifact,
  EngineApi,
  EvalResult,
  Generated,
  Hooks,
  ImportFile,
  TrainResult,
} from './api';
import { DEVICE_LOST } from './api';
import {
  batchFromRows,
  buildData,
  corpusDocs,
  finetuneRows,
  pretrainRows,
  tokenizerOf,
  worldOf,
} from './data';
import { DevSelection } from './dev';
import { useImports as setImports } from './imports';
import { answerAndJudge, type EvalPlan } from './evaluate';
import { summarizeSamples } from '../world/stats';
import { benchTraining, matmulPeak, wasmThreads } from './bench';
import { benchDispatches } from './gpu-bench';
import { benchFinetune } from './bench-finetune';
import { checkFits } from './fit';
import { initBackend, probeBackends } from './probe';
import { loadModel, restoreTraining, snapshot } from './state';
import { moved } from './transfer';
import { sftSchedule } from './sft-batches';
import { knowledgeProbe } from './knowledge';
import { promptBudgetProblem } from './prompts';
import { finetuneValidation, pretrainValidation, validationHook } from './validation';

/** How long a failed WebGPU stage waits to learn whether its device was lost. */
const LOST_GRACE_MS = 1_000;

function contextName(): BackendReport['context'] {
  const g = globalThis as { WorkerGlobalScope?: unknown; document?: unknown };
  return g.WorkerGlobalScope ? 'worker' : g.document ? 'page' : 'node';
}

export class Engine implements EngineApi {
  private readonly ctl = new StageControl();
  private stage: Stage = 'data';
  private report: BackendReport | null = null;

  async probe(override: BackendName | 'auto' = 'auto'): Promise<BackendReport> {
    this.report = await probeBackends(contextName(), override);
    return this.report;
  }

  private pinned: BackendName | null = null;

  async pin(backend: BackendName | null): Promise<void> {
    this.pinned = backend;
  }

  /** Starts the spec's backend (auto: the probe's choice), or the pinned one, and returns its name. */
  private async useBackend(spec: Spec): Promise<BackendName> {
    const report = await this.probe(this.pinned ?? spec.backend);
    await initBackend(report.chosen);
    if (report.chosen === 'webgpu') this.watchDevice();
    return report.chosen;
  }

  private watched: GPUDevice | null = null;
  /** Step of the last checkpoint handed out in this stage: where a lost device's run resumes. */
  private lastCheckpoint = 0;

  /**
   * A lost GPUDevice (driver reset, sleep, another tab's demands) ends the stage with a message
   * saying where to resume; `pretrain`/`finetune` accept that checkpoint on any backend.
   */
  private watchDevice(): void {
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    if (!device || device === this.watched) return;
    this.watched = device;
    void device.lost.then((info) => this.ctl.fail(this.lostMessage(info)));
  }

  private lostMessage(info: GPUDeviceLostInfo): string {
    return `${DEVICE_LOST} (${info.reason ?? 'unknown'}: ${info.message}); resume from the last checkpoint (step ${this.lastCheckpoint}) on this or another backend`;
  }

  /**
   * A GPU call in flight when the device goes fails in its own words, often before `device.lost`
   * resolves (a read-back's mapAsync: "Buffer was unmapped before mapping was resolved"). So a
   * stage that fails on WebGPU waits a moment for `lost`: if it comes, the failure was the lost
   * device, and gets its message with where to resume.
   */
  private async explainFailure(e: unknown): Promise<unknown> {
    if (!this.watched) return e;
    const info = await Promise.race([
      this.watched.lost,
      new Promise<null>((done) => setTimeout(() => done(null), LOST_GRACE_MS)),
    ]);
    return info ? new Error(this.lostMessage(info)) : e;
  }

  async useImports(files: ImportFile[]) {
    return setImports(files);
  }

  async buildData(spec: Spec, hooks: Hooks): Promise<DataArtifact> {
    hooks.onProgress({
      stage: 'data',
      stageId: stageIds(spec).data,
      step: 0,
      totalSteps: 1,
      message: 'building the world and tokenizer',
    });
    const data = buildData(spec);
    hooks.onProgress({ stage: 'data', stageId: data.stageId, step: 1, totalSteps: 1 });
    return data;
  }

  /** Benchmark hooks (not part of EngineApi): `npm run bench` calls them in the worker. */
  readonly matmulPeak = matmulPeak;
  readonly benchTraining = benchTraining;
  readonly wasmThreads = wasmThreads;
  readonly benchDispatches = benchDispatches;
  readonly benchFinetune = benchFinetune;

  control(command: Control): void {
    this.ctl.command(command);
  }

  /**
   * A checkpoint that cannot be stored must not end the run: the run goes on and says so.
   * (Through comlink every hook looks present, so a page without onCheckpoint lands here too.)
   */
  private async deliver(hooks: Hooks, c: Checkpoint): Promise<void> {
    if (!hooks.onCheckpoint) return;
    this.lastCheckpoint = c.step;
    try {
      await hooks.onCheckpoint!(moved(c));
    } catch (e) {
      hooks.onProgress({
        stage: this.stage,
        stageId: c.stageId,
        step: c.step,
        totalSteps: c.totalSteps,
        message: `checkpoint at step ${c.step} not stored: ${(e as Error).message}`,
      });
    }
  }

  private refuseIfTooLarge(cfg: ModelConfig, batch: number, backend: BackendName): void {
    const problem = checkFits(cfg, batch, cfg.blockSize, backend, this.report!);
    if (problem) throw new Error(`refused before training: ${problem}`);
  }

  async pretrain(
    spec: Spec,
    data: DataArtifact,
    resume: Checkpoint | null,
    hooks: Hooks,
  ): Promise<TrainResult> {
    this.ctl.reset();
    const t0 = performance.now();
    const backend = await this.useBackend(spec);
    const cfg = modelConfig(spec);
    const p = spec.pretrain;
    this.refuseIfTooLarge(cfg, p.batchSize, backend);
    const stageId = stageIds(spec).pretrain;
    this.stage = 'pretrain';
    this.lastCheckpoint = resume?.step ?? 0;
    const rows = pretrainRows(spec, data, cfg.blockSize);
    const nRows = rows.length / (cfg.blockSize + 1);
    if (nRows === 0) throw new Error('the pretraining corpus is shorter than one context');
    const { model, adamw } = restoreTraining(cfg, resume, spec, p.weightDecay, resume?.optimizer);
    const trainer = new Trainer(model, adamw);
    try {
      const r = await trainLoop({
        stage: 'pretrain',
        stageId,
        trainer,
        startStep: resume?.step ?? 0,
        totalSteps: p.steps,
        curve: resume?.lossCurve,
        // Each step draws its rows from its own stream, so a resumed run draws what the first would have.
        batchAt: (step) => {
          const rng = Rng.derive(spec.seed, 'pretrain-batch', step);
          const picks = Array.from({ length: p.batchSize }, () => rng.int(0, nRows - 1));
          return batchFromRows(rows, null, picks, cfg.blockSize, cfg.blockSize);
        },
        lrAt: (step) => pretrainLr(p, step, p.steps),
        validation: validationHook(trainer, pretrainValidation(spec, data, cfg.blockSize), 20),
        dropout:
          p.dropout > 0
            ? {
                rates: Array(cfg.nLayer).fill(p.dropout),
                seedAt: (s) => deriveSeed(spec.seed, 'pretrain-dropout', s),
              }
            : undefined,
        control: this.ctl,
        onProgress: (x) => hooks.onProgress(x),
        checkpointEvery: Math.max(25, Math.ceil(p.steps / 10)),
        onCheckpoint: hooks.onCheckpoint
          ? async (step, curve) =>
              this.deliver(
                hooks,
                await snapshot(model, adamw, {
                  stageId: stageId,
                  backend: backend,
                  step: step,
                  totalSteps: p.steps,
                  lossCurve: curve,
                }),
              )
          : undefined,
      });
      const result = await this.result(stageId, backend, model, adamw, r, p.steps, t0);
      if (r.diverged) return result;
      const knowledge = await knowledgeProbe(
        model,
        tokenizerOf(data),
        worldOf(spec),
        corpusDocs(spec),
        spec,
      );
      return { ...result, knowledge };
    } catch (e) {
      throw await this.explainFailure(e);
    } finally {
      trainer.dispose();
      adamw.dispose();
      model.dispose();
    }
  }

  private async result(
    stageId: string,
    backend: BackendName,
    model: Llama,
    adamw: AdamW | null,
    r: LoopResult,
    totalSteps: number,
    t0: number,
    chosenStep?: number,
  ): Promise<TrainResult> {
    const step = r.diverged ? r.diverged.step : (chosenStep ?? totalSteps);
    const checkpoint = await snapshot(model, adamw, {
      stageId: stageId,
      backend: backend,
      step: step,
      totalSteps: totalSteps,
      lossCurve: r.curve,
    });
    return {
      checkpoint,
      lossCurve: r.curve,
      backend,
      ms: performance.now() - t0,
      // Training steps only: validation and the dev-set choice are in `ms`, not in the rate.
      tokensPerSec: r.tokens / Math.max(1e-9, r.trainMs / 1000),
      diverged: r.diverged,
    };
  }

  async finetune(
    spec: Spec,
    data: DataArtifact,
    base: Checkpoint,
    resume: Checkpoint | null,
    hooks: Hooks,
  ): Promise<TrainResult> {
    this.ctl.reset();
    const t0 = performance.now();
    const stageId = stageIds(spec).finetune;
    const f = spec.finetune;
    if (f.method !== 'sft') {
      // In-context alignment trains nothing: the "fine-tuned" model is the base model.
      const checkpoint = {
        ...base,
        stageId,
        step: 0,
        totalSteps: 0,
        optimizer: undefined,
        lossCurve: [],
      };
      return { checkpoint, lossCurve: [], backend: base.backend, ms: 0, tokensPerSec: 0 };
    }
    const backend = await this.useBackend(spec);
    const cfg = modelConfig(spec);
    this.stage = 'finetune';
    this.lastCheckpoint = resume?.step ?? 0;
    this.refuseIfTooLarge(cfg, f.batchSize, backend);
    const tok = tokenizerOf(data);
    const sft = finetuneRows(spec, tok, cfg.blockSize);
    const { stepsPerEpoch, totalSteps, batchAt } = sftSchedule(spec, sft, cfg.blockSize);
    if (sft.note) {
      const at = resume?.step ?? 0;
      hooks.onProgress({ stage: 'finetune', stageId, step: at, totalSteps, message: sft.note });
    }
    // A fresh optimizer for fine-tuning; a resumed fine-tune carries its own state.
    const { model, adamw } = restoreTraining(
      cfg,
      resume ?? base,
      spec,
      f.weightDecay,
      resume?.optimizer,
    );
    const trainer = new Trainer(model, adamw);
    const dev = new DevSelection(spec, tok, model);
    try {
      const r = await trainLoop({
        stage: 'finetune',
        stageId,
        trainer,
        startStep: resume?.step ?? 0,
        totalSteps,
        curve: resume?.lossCurve,
        batchAt,
        lrAt: (step) => finetuneLr(f, step, totalSteps),
        validation: validationHook(trainer, finetuneValidation(spec, data, cfg.blockSize), 10),
        dropout:
          f.dropoutMax > 0
            ? {
                rates: layerDropout(cfg.nLayer, f.dropoutMax),
                seedAt: (s) => deriveSeed(spec.seed, 'sft-dropout', f.seed, s),
              }
            : undefined,
        control: this.ctl,
        onProgress: (x) => hooks.onProgress(x),
        checkpointEvery: stepsPerEpoch * Math.max(1, Math.ceil(f.epochs / 5)),
        onCheckpoint: async (step, curve) => {
          await dev.score(step);
          await this.deliver(
            hooks,
            await snapshot(model, adamw, {
              stageId: stageId,
              backend: backend,
              step: step,
              totalSteps: totalSteps,
              lossCurve: curve,
            }),
          );
        },
      });
      if (r.diverged) return await this.result(stageId, backend, model, null, r, totalSteps, t0);
      await dev.score(totalSteps);
      const chosen = dev.choose(model);
      const out = await this.result(stageId, backend, model, null, r, totalSteps, t0, chosen);
      return { ...out, dev: dev.scores };
    } catch (e) {
      throw await this.explainFailure(e);
    } finally {
      trainer.dispose();
      adamw.dispose();
      model.dispose();
    }
  }

  async generate(
    spec: Spec,
    data: DataArtifact,
    checkpoint: Checkpoint,
    conversations: string[][],
  ): Promise<Generated[]> {
    await this.useBackend(spec);
    const tok = tokenizerOf(data);
    const method = spec.finetune.method;
    const shots = method === 'few-shot' ? fewShotExamples(worldOf(spec), spec) : [];
    const model = loadModel(modelConfig(spec), checkpoint, spec.seed);
    try {
      const e = spec.eval;
      const gens = await generateTokens(
        model,
        conversations.map((turns) => encodePrompt(turns, tok, method, shots, spec.data.template)),
        {
          temperature: e.temperature,
          topP: e.topP,
          repetitionPenalty: e.repetitionPenalty,
          maxNewTokens: e.maxNewTokens,
          stopIds: stopIds(tok, method),
          seed: deriveSeed(spec.seed, 'playground', spec.finetune.seed),
        },
      );
      return gens.map((g) => ({
        text: tok.decode(g.ids),
        stopped: g.stopped,
        tokens: g.ids.length,
      }));
    } finally {
      model.dispose();
    }
  }

  async evaluate(
    spec: Spec,
    data: DataArtifact,
    checkpoint: Checkpoint,
    hooks: Hooks,
  ): Promise<EvalResult> {
    this.ctl.reset();
    const t0 = performance.now();
    const backend = await this.useBackend(spec);
    const stageId = stageIds(spec).eval;
    const cfg = modelConfig(spec);
    const tok = tokenizerOf(data);
    const world = worldOf(spec);
    const problem = promptBudgetProblem(spec, world, tok);
    if (problem) throw new Error(problem);
    const sets = evalSet(world, spec);
    const items = [...sets.test, ...sets.dialogue];
    const method = spec.finetune.method;
    const plan: EvalPlan = {
      method,
      template: spec.data.template,
      shots: method === 'few-shot' ? fewShotExamples(world, spec) : [],
      sampling: spec.eval,
      samples: spec.eval.samples,
      seed: deriveSeed(spec.seed, 'eval', spec.finetune.seed),
    };
    const model = loadModel(cfg, checkpoint, spec.seed);
    const gen = { tokens: 0, ms: 0 };
    try {
      const samples = await answerAndJudge(
        model,
        tok,
        items,
        plan,
        async (done, total) => {
          hooks.onProgress({
            stage: 'eval',
            stageId,
            step: done,
            totalSteps: total,
            numTensors: tf.memory().numTensors,
          });
          await this.ctl.checkpoint();
        },
        gen,
      );
      const byTask: EvalResult['byTask'] = {};
      for (const task of TASK_TYPES) {
        const s = samples.filter((x) => x.task === task);
        if (s.length) byTask[task] = summarizeSamples(s);
      }
      return {
        stageId,
        backend,
        samples,
        summary: summarizeSamples(samples),
        byTask,
        ms: performance.now() - t0,
        tokensPerSec: (1000 * gen.tokens) / Math.max(1e-9, gen.ms),
      };
    } catch (e) {
      throw await this.explainFailure(e);
    } finally {
      model.dispose();
    }
  }
}
