// LIMA's checkpoint choice: the fine-tuned model answers a dev set at each checkpoint; the best one wins.
import type { Tokenizer } from '../data/tokenizer';
import type { Llama } from '../model/llama';
import type { Spec } from '../spec';
import { deriveSeed } from '../util/rng';
import { evalSet } from '../world/eval';
import type { EvalItem } from '../world/types';
import { worldOf } from './data';
import { answerAndJudge, type EvalPlan } from './evaluate';
import { summarize } from '../world/stats';

/**
 * LIMA chose its checkpoint on a 50-prompt dev set. The fine-tuned model answers the dev prompts
 * at every checkpoint (about five per run) and at the end, with the same sampling seed each time,
 * so candidates are compared on paired samples; the best mean judge score wins, later on ties.
 * The dev scores of a run resumed midway cover only the part after the resume.
 */
export class DevSelection {
  readonly scores: { step: number; score: number }[] = [];
  private best: { step: number; score: number; weights: Map<string, Float32Array> } | null = null;
  private readonly items: EvalItem[];

  constructor(
    private readonly spec: Spec,
    private readonly tok: Tokenizer,
    private readonly model: Llama,
  ) {
    this.items = spec.eval.devPrompts > 0 ? evalSet(worldOf(spec), spec).dev : [];
  }

  async score(step: number): Promise<void> {
    if (this.items.length === 0) return;
    const plan: EvalPlan = {
      method: 'sft',
      template: this.spec.data.template,
      shots: [],
      sampling: this.spec.eval,
      samples: 1,
      seed: deriveSeed(this.spec.seed, 'dev', this.spec.finetune.seed),
    };
    const samples = await answerAndJudge(this.model, this.tok, this.items, plan);
    const score = summarize(samples.map((x) => x.score)).mean;
    this.scores.push({ step, score });
    if (!this.best || score >= this.best.score) {
      this.best = { step, score, weights: await this.model.readWeights() };
    }
  }

  /** Puts the best checkpoint's weights into the model; returns its step (undefined: no dev set). */
  choose(model: Llama): number | undefined {
    if (!this.best) return undefined;
    model.loadWeights(this.best.weights);
    return this.best.step;
  }
}
