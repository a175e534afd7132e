// The engine behind the worker: data, pretraining, fine-tuning and evaluation as functions of the spec.
import * as tf from '@tensorflow/tfjs-core';
import { pretrainSeed, stageIds, type Spec, type Stage } from '../spec';
import { modelConfig, trainedParams, type Llama, type ModelConfig } from '../model/llama';
import type { AdamW } from '../train/adamw';
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
  Hooks,
  ImportFile,
  TrainResult,
} from './api';
import { LostDeviceWatch } from './lost-device';
import type { StagePlan } from './stage-plan';
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
import { checkFits } from './fit';
import { initBackend, probeBackends, requestWasmThreads } from './probe';
import { loadModel, restoreTraining, snapshot } from './state';
import { moved } from './transfer';
import { sftSchedule } from './sft-batches';
import { knowledgeProbe } from './knowledge';
import { promptBudgetProblem } from './prompts';
import { finetuneValidation, pretrainValidation, validationHook } from './validation';

function contextName(): BackendReport['context'] {
  const g = globalThis as { WorkerGlobalScope?: unknown; document?: unknown };
  return g.WorkerGlobalScope ? 'worker' : g.document ? 'page' : 'node';
}

export class Engine implements EngineApi {
  private readonly ctl = new StageControl();
  private readonly device = new LostDeviceWatch((message) => this.ctl.fail(message));
  private stage: Stage = 'data';
  private report: BackendReport | null = null;

  private pinned: BackendName | null = null;

  /** Probes for `wanted` (the spec's backend), or for the pinned backend when there is one. */
  async probe(wanted: BackendName | 'auto' = 'auto'): Promise<BackendReport> {
    this.report = await probeBackends(contextName(), this.pinned ?? wanted);
    return this.report;
  }

  async pin(backend: BackendName | null): Promise<void> {
    this.pinned = backend;
  }

  async threads(n: number): Promise<void> {
    requestWasmThreads(n);
  }

  /** Starts the spec's backend (auto: the probe's choice), or the pinned one, and returns its name. */
  private async useBackend(spec: Spec): Promise<BackendName> {
    const report = await this.probe(spec.backend);
    await initBackend(report.chosen);
    if (report.chosen === 'webgpu') this.device.watchCurrent();
    return report.chosen;
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

  control(command: Control): void {
    this.ctl.command(command);
  }

  /**
   * A checkpoint that cannot be stored must not end the run: the run goes on and says so.
   * (Through comlink every hook looks present, so a page without onCheckpoint lands here too.)
   */
  private async deliver(hooks: Hooks, c: Checkpoint): Promise<void> {
    if (!hooks.onCheckpoint) return;
    this.device.lastCheckpoint = c.step;
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

  /**
   * The skeleton both training stages share: backend, size check, model and optimizer (fresh, from
   * the base, or resumed), the loop with its checkpoints, the result, and a lost device explained.
   * `planOf` gives what makes a stage its own once the model's shape is known.
   */
  private async train(
    spec: Spec,
    resume: Checkpoint | null,
    hooks: Hooks,
    planOf: (cfg: ModelConfig) => StagePlan,
  ): Promise<TrainResult> {
    this.ctl.begin();
    const t0 = performance.now();
    const backend = await this.useBackend(spec);
    const cfg = modelConfig(spec);
    const plan = planOf(cfg);
    const { stageId, totalSteps } = plan;
    this.stage = plan.stage;
    this.device.lastCheckpoint = resume?.step ?? 0;
    this.refuseIfTooLarge(cfg, plan.batchSize, backend);
    if (plan.note) {
      const step = resume?.step ?? 0;
      hooks.onProgress({ stage: plan.stage, stageId, step, totalSteps, message: plan.note });
    }
    const { model, adamw } = restoreTraining(
      cfg,
      resume ?? plan.base,
      spec,
      plan.weightDecay,
      resume?.optimizer,
      plan.trained,
    );
    const trainer = new Trainer(model, adamw);
    try {
      const own = plan.withModel(model);
      const r = await trainLoop({
        ...plan.loop,
        stage: plan.stage,
        stageId,
        trainer,
        startStep: resume?.step ?? 0,
        totalSteps,
        curve: resume?.lossCurve,
        validation: validationHook(trainer, plan.validation.batch, plan.validation.points),
        control: this.ctl,
        onProgress: (x) => hooks.onProgress(x),
        onCheckpoint:
          hooks.onCheckpoint || own.atCheckpoint
            ? async (step, curve) => {
                await own.atCheckpoint?.(step);
                const meta = { stageId, backend, step, totalSteps, lossCurve: curve };
                await this.deliver(hooks, await snapshot(model, adamw, meta));
              }
            : undefined,
      });
      return await own.finish(r, (keepOptimizer, chosenStep) =>
        this.result(
          stageId,
          backend,
          model,
          keepOptimizer ? adamw : null,
          r,
          totalSteps,
          t0,
          chosenStep,
        ),
      );
    } catch (e) {
      throw await this.device.explain(e);
    } finally {
      trainer.dispose();
      adamw.dispose();
      model.dispose();
    }
  }

  async pretrain(
    spec: Spec,
    data: DataArtifact,
    resume: Checkpoint | null,
    hooks: Hooks,
  ): Promise<TrainResult> {
    const p = spec.pretrain;
    return this.train(spec, resume, hooks, (cfg) => {
      const rows = pretrainRows(spec, data, cfg.blockSize);
      const nRows = rows.length / (cfg.blockSize + 1);
      if (nRows === 0) throw new Error('the pretraining corpus is shorter than one context');
      return {
        stage: 'pretrain',
        stageId: stageIds(spec).pretrain,
        batchSize: p.batchSize,
        weightDecay: p.weightDecay,
        base: null,
        totalSteps: p.steps,
        loop: {
          // Each step draws its rows from its own stream, so a resumed run draws what the first would have.
          batchAt: (step) => {
            const rng = Rng.derive(pretrainSeed(spec), 'pretrain-batch', step);
            const picks = Array.from({ length: p.batchSize }, () => rng.int(0, nRows - 1));
            return batchFromRows(rows, null, picks, cfg.blockSize, cfg.blockSize);
          },
          lrAt: (step) => pretrainLr(p, step, p.steps),
          dropout:
            p.dropout > 0
              ? {
                  rates: Array(cfg.nLayer).fill(p.dropout),
                  seedAt: (s) => deriveSeed(pretrainSeed(spec), 'pretrain-dropout', s),
                }
              : undefined,
          checkpointEvery: Math.max(25, Math.ceil(p.steps / 10)),
        },
        validation: { batch: pretrainValidation(spec, data, cfg.blockSize), points: 20 },
        // The final checkpoint keeps the optimizer, so pretraining can be continued.
        withModel: (model) => ({
          finish: async (r, result) => {
            const out = await result(true);
            if (r.diverged) return out;
            const tok = tokenizerOf(data);
            const knowledge = await knowledgeProbe(
              model,
              tok,
              worldOf(spec),
              corpusDocs(spec),
              spec,
            );
            return { ...out, knowledge };
          },
        }),
      };
    });
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
    return this.train(spec, resume, hooks, (cfg) => {
      const tok = tokenizerOf(data);
      const sft = finetuneRows(spec, tok, cfg.blockSize);
      const corpus = f.replay > 0 ? pretrainRows(spec, data, cfg.blockSize) : undefined;
      const { stepsPerEpoch, totalSteps, batchAt } = sftSchedule(spec, sft, cfg.blockSize, corpus);
      return {
        stage: 'finetune',
        stageId,
        batchSize: f.batchSize,
        weightDecay: f.weightDecay,
        trained: trainedParams(cfg, f.train),
        // Starts from the base with a fresh optimizer; a resumed fine-tune carries its own state.
        base,
        totalSteps,
        note: sft.note,
        loop: {
          batchAt,
          lrAt: (step) => finetuneLr(f, step, totalSteps),
          dropout:
            f.dropoutMax > 0
              ? {
                  rates: layerDropout(cfg.nLayer, f.dropoutMax),
                  seedAt: (s) => deriveSeed(spec.seed, 'sft-dropout', f.seed, s),
                }
              : undefined,
          checkpointEvery: stepsPerEpoch * Math.max(1, Math.ceil(f.epochs / 5)),
        },
        validation: { batch: finetuneValidation(spec, data, cfg.blockSize), points: 10 },
        // The dev set scores every checkpoint; the best one's weights are the stage's result.
        withModel: (model) => {
          const dev = new DevSelection(spec, tok, model);
          return {
            atCheckpoint: (step) => dev.score(step),
            finish: async (r, result) => {
              if (r.diverged) return result(false);
              await dev.score(totalSteps);
              const out = await result(false, dev.choose(model));
              return { ...out, dev: dev.scores };
            },
          };
        },
      };
    });
  }

  async evaluate(
    spec: Spec,
    data: DataArtifact,
    checkpoint: Checkpoint,
    hooks: Hooks,
  ): Promise<EvalResult> {
    this.ctl.begin();
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
      throw await this.device.explain(e);
    } finally {
      model.dispose();
    }
  }
}
