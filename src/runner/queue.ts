// Before a sweep computes: the order its stages queue for an engine, and the check that every prompt fits.
import type { DataArtifact } from '../engine/api';
import { promptFitProblem } from '../engine/prompts';
import { resolveModel, type Spec } from '../spec';
import { contentHash } from '../util/hash';
import type { StagePlanStatus } from './cache';
import type { PlannedRun, PlannedStage, SweepPlan } from './plan';
import type { PlanStage } from './types';

/**
 * The order runs queue in. Runs of one pretraining stay together, in plan order (so a model
 * leaves memory once its last fine-tune has read it). Within them: the cheapest first, so a first
 * result comes within seconds, then the costliest first. Longest-first keeps the last stages
 * short, so no engine of the pool idles while another finishes a long fine-tune (on plateau-toy's
 * fine-tunes of 8…128 examples, the last one ran alone for about half a minute in plan order).
 * Equal costs keep plan order; what is cached costs nothing.
 */
export function runOrder(
  plan: SweepPlan,
  statuses: ReadonlyMap<string, StagePlanStatus>,
): PlannedRun[] {
  const work = new Map(plan.stages.map((s) => [s.stageId, s.work]));
  const left = (id: string) => (statuses.get(id) === 'cached' ? 0 : (work.get(id) ?? 0));
  const groups = new Map<string, { run: PlannedRun; i: number; cost: number }[]>();
  plan.runs.forEach((run, i) => {
    const group = groups.get(run.stages.pretrain) ?? [];
    group.push({ run, i, cost: left(run.stages.finetune) + left(run.stages.eval) });
    groups.set(run.stages.pretrain, group);
  });
  return [...groups.values()].flatMap((group) => {
    const costliest = [...group].sort((a, b) => b.cost - a.cost || a.i - b.i);
    // A cached run (cost 0) shows at once anyway: the first result to wait for is a computed one.
    const computed = costliest.filter((r) => r.cost > 0);
    const cheapest = (computed.length ? computed : costliest).reduce((m, r) =>
      r.cost < m.cost ? r : m,
    );
    return [cheapest, ...costliest.filter((r) => r !== cheapest)].map((r) => r.run);
  });
}

/**
 * The runs in `runOrder`; each stage's place in the queue for an engine (lower first: runs in that
 * order, and a run's evaluation before the next run's fine-tuning, so a finished fine-tune yields
 * its result); and how many stages still to compute read each training stage's weights (so a model
 * leaves memory once the last of them has it).
 */
export function stageQueue(
  plan: SweepPlan,
  statuses: ReadonlyMap<string, StagePlanStatus>,
): {
  runs: PlannedRun[];
  rank: Map<string, number>;
  readers: Map<string, number>;
  alone: Set<string>;
} {
  const order: PlanStage[] = ['data', 'pretrain', 'finetune', 'eval'];
  const rank = new Map<string, number>();
  const runs = runOrder(plan, statuses);
  runs.forEach((run, i) =>
    order.forEach((stage, k) => {
      const id = run.stages[stage];
      rank.set(id, Math.min(rank.get(id) ?? Infinity, i * order.length + k));
    }),
  );
  const readers = new Map<string, number>();
  for (const s of toCompute(plan, statuses))
    if (s.parent) readers.set(s.parent, (readers.get(s.parent) ?? 0) + 1);
  return { runs, rank, readers, alone: aloneStages(plan, statuses) };
}

/** The pretraining, fine-tuning and evaluation stages still to compute (not cached). */
function toCompute(
  plan: Pick<SweepPlan, 'stages'>,
  statuses: ReadonlyMap<string, StagePlanStatus>,
): PlannedStage[] {
  return plan.stages.filter((s) => s.stage !== 'data' && statuses.get(s.stageId) !== 'cached');
}

/**
 * The stages that run alone: every other stage to compute comes before or after them in one
 * chain, so nothing can run beside them (a sweep's one pretraining, which all its fine-tunes
 * read; every stage of a one-run sweep). On a pool of one-thread workers the other cores would
 * idle through them, so the executor gives them one engine with a thread per core.
 */
export function aloneStages(
  plan: Pick<SweepPlan, 'stages'>,
  statuses: ReadonlyMap<string, StagePlanStatus>,
): Set<string> {
  const byId = new Map(plan.stages.map((s) => [s.stageId, s]));
  const todo = toCompute(plan, statuses);
  const before = new Map(
    todo.map((s) => {
      const up = new Set<string>();
      for (let p = s.parent; p; p = byId.get(p)?.parent ?? null) up.add(p);
      return [s.stageId, up];
    }),
  );
  const chained = (a: PlannedStage, b: PlannedStage) =>
    a === b || before.get(a.stageId)!.has(b.stageId) || before.get(b.stageId)!.has(a.stageId);
  return new Set(todo.filter((s) => todo.every((o) => chained(s, o))).map((s) => s.stageId));
}

/**
 * The first run whose evaluation prompts do not fit the context with a reference-length answer,
 * with the message that names it and the knob. Runs that differ only in how they train (examples,
 * lr, seeds of a plateau) share one check.
 */
export async function firstPromptMisfit(
  plan: SweepPlan,
  statuses: ReadonlyMap<string, StagePlanStatus>,
  dataOf: (evalStage: PlannedStage) => Promise<DataArtifact>,
): Promise<{ runId: string; error: string } | null> {
  const byId = new Map(plan.stages.map((s) => [s.stageId, s]));
  const checked = new Map<string, string | null>();
  for (const run of plan.runs) {
    const evalStage = byId.get(run.stages.eval)!;
    if (statuses.get(evalStage.stageId) === 'cached') continue;
    const key = promptFitKey(evalStage.spec);
    if (!checked.has(key))
      checked.set(key, promptFitProblem(evalStage.spec, await dataOf(evalStage)));
    const problem = checked.get(key)!;
    if (problem)
      return {
        runId: run.id,
        error: `${run.condition || 'all'}, ${run.examples} examples: ${problem}`,
      };
  }
  return null;
}

/**
 * What the prompt-fit check reads: the world, data and tokenizer, the model's context, the
 * evaluation settings and how the model is prompted; not how it is trained.
 */
function promptFitKey(spec: Spec): string {
  const { seed, world, data, eval: e, finetune: f } = spec;
  return contentHash({
    seed,
    world,
    data,
    blockSize: resolveModel(spec).blockSize,
    eval: e,
    method: f.method,
    fewShot: f.fewShot,
  });
}
