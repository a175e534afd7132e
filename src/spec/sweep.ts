// Sweep expansion: a grid over spec paths becomes runs with stable content hashes and shared stage ids.
import * as v from 'valibot';
import { contentHash } from '../util/hash';
import { Rng } from '../util/rng';
import { setPath } from '../util/paths';
import { IMPORT_PATHS, LIMITS, resolveModel, SECTIONS, SpecSchema, type Spec } from './schema';
import { formatIssues, type Result } from './validate';

/** Stages of one run, in order; each is computed once and cached by its id. */
export const STAGES = ['world', 'data', 'pretrain', 'finetune', 'eval'] as const;
export type Stage = (typeof STAGES)[number];
export type StageIds = Record<Stage, string>;

export interface Run {
  /** Content hash of the run (its eval stage id): the same run always gets the same id. */
  id: string;
  /** The run's full spec, with its sweep emptied. */
  spec: Spec;
  /** The value each axis took for this run, keyed by path. */
  point: Record<string, number | string | boolean>;
  stages: StageIds;
}

const IMPORTS: readonly string[] = Object.values(IMPORT_PATHS);

/**
 * Paths a sweep axis may name: every field of every section, plus `seed` and `backend`; not the
 * references to imported files (a sweep value is a number, text or true/false, not a file).
 */
export const SWEEPABLE_PATHS: readonly string[] = Object.entries(SECTIONS)
  .flatMap(([key, schema]) => {
    if (key === 'sweep') return [];
    const inner = 'wrapped' in schema ? schema.wrapped : schema;
    return 'entries' in inner ? Object.keys(inner.entries).map((f) => `${key}.${f}`) : [key];
  })
  .filter((p) => !IMPORTS.includes(p));

/**
 * A version of each stage's code: bumped when a stage computes something else from the same spec
 * (data 2: the tokenizer's dummy prefix changes every token; pretraining 2: the asked knowledge
 * probe reads sentence answers; fine-tuning 2: several examples packed per row; eval 2: prompts
 * are no longer cut), so no
 * result cached from the old code is shown as the new one's.
 */
export const STAGE_CODE: Record<Exclude<Stage, 'world'>, number> = {
  data: 2,
  pretrain: 2,
  finetune: 2,
  eval: 2,
};

/** The seed of a base's initial weights, batch order and dropout (`pretrain.seed`, 0: the spec's). */
export const pretrainSeed = (spec: Spec): number => spec.pretrain.seed || spec.seed;

/**
 * Stage ids. Each hashes its parent's id and only the fields that change its output, so
 * the five fine-tuning sizes of a plateau share one world, one corpus and one pretraining.
 * The backend is part of the pretraining id: numbers are reproducible per backend. An imported
 * file enters by its content hash (never its name), so caches never mix runs on different data;
 * without imports the ids are what they always were (undefined keys drop out of the hash).
 */
export function stageIds(spec: Spec): StageIds {
  const { seed, data: d, finetune: f } = spec;
  const w = spec.world;
  const world = contentHash({
    stage: 'world',
    seed,
    // Shared, the default, leaves the hash as it was, so the worlds made before this knob keep their ids.
    world: { ...w, firstNames: w.firstNames === 'shared' ? undefined : w.firstNames },
  });
  const data = contentHash({
    stage: 'data',
    code: STAGE_CODE.data,
    world,
    corpus: {
      augmentation: d.augmentation,
      filler: d.filler,
      // Town, the default, leaves the hash as it was, so the corpora made before this knob keep their ids.
      fillerText: d.filler > 0 && d.fillerText !== 'town' ? d.fillerText : undefined,
      // 0, the default, leaves the hash as it was, so the corpora made before this knob keep their ids.
      stories: d.stories > 0 ? d.stories : undefined,
      storyNames: d.stories > 0 && d.storyNames !== 'world' ? d.storyNames : undefined,
      vocabSize: d.vocabSize,
      qa: d.qa,
      qaFormat: d.qa > 0 ? d.qaFormat : undefined,
      // 1 drew no frame, so the corpora made before this knob keep their hashes.
      qaPhrasings: d.qa > 0 && d.qaPhrasings > 1 ? d.qaPhrasings : undefined,
      // Pronoun, the default, leaves the hash as it was, so the corpora made before this knob keep their ids.
      stepNames: d.stepNames === 'object' ? d.stepNames : undefined,
      imported: d.importedCorpus?.hash,
    },
  });
  const pretrain = contentHash({
    stage: 'pretrain',
    code: STAGE_CODE.pretrain,
    data,
    model: resolveModel(spec),
    // The experiment's own seed (0, the default, or that seed set explicitly) leaves the hash as it was.
    pretrain: {
      ...spec.pretrain,
      seed: pretrainSeed(spec) === spec.seed ? undefined : pretrainSeed(spec),
    },
    optimizer: spec.optimizer,
    backend: spec.backend,
    // The stage's knowledge report holds the base's zero-shot answers in the chat template. The
    // default leaves the hash as it was, so the bases cached before this field keep their ids.
    zeroShotTemplate: d.template === 'text' ? undefined : d.template,
  });
  const sft = {
    quality: d.quality,
    flawRate: d.flawRate,
    tasks: d.tasks,
    phrasings: d.phrasings,
    dialogues: d.dialogues,
    // The concise default leaves the hash as it was, so fine-tunes cached before this knob keep their ids.
    style: d.style === 'concise' ? undefined : d.style,
    // Style, the default, leaves the hash as it was; it changes the chains only beside a house style that names.
    chainContext:
      d.chainContext === 'pronoun' && d.style !== 'concise' && d.dialogues > 0
        ? d.chainContext
        : undefined,
    lossOn: d.lossOn,
    template: d.template,
  };
  // Imported conversations replace the generated set, so the knobs that shape it drop out.
  const trained = d.importedSft
    ? { imported: d.importedSft.hash, lossOn: d.lossOn, template: d.template }
    : sft;
  // In-context alignment trains nothing: its "fine-tune" stage depends only on how it prompts.
  const finetune =
    f.method === 'sft'
      ? contentHash({
          stage: 'finetune',
          code: STAGE_CODE.finetune,
          pretrain,
          // The defaults (all, no replay) leave the hash as it was, so fine-tunes cached before these knobs keep their ids.
          finetune: {
            ...f,
            train: f.train === 'all' ? undefined : f.train,
            replay: f.replay > 0 ? f.replay : undefined,
          },
          sft: trained,
        })
      : contentHash({
          stage: 'finetune',
          code: STAGE_CODE.finetune,
          pretrain,
          method: f.method,
          fewShot: f.method === 'few-shot' ? f.fewShot : 0,
          sft,
        });
  const evalId = contentHash({
    stage: 'eval',
    code: STAGE_CODE.eval,
    finetune,
    eval: spec.eval,
    seed: f.seed,
  });
  return { world, data, pretrain, finetune, eval: evalId };
}

/** Expand a spec's sweep into runs: validated, de-duplicated, optionally in a seeded order. */
export function expandSweep(spec: Spec): Result<Run[]> {
  const axes = spec.sweep.axes;
  const errors: string[] = [];
  for (const axis of axes) {
    if (!SWEEPABLE_PATHS.includes(axis.path))
      errors.push(`sweep: "${axis.path}" is not a setting that can be swept`);
  }
  if (new Set(axes.map((a) => a.path)).size !== axes.length)
    errors.push('sweep: the same path appears on two axes');
  const total = axes.reduce((n, a) => n * a.values.length, 1);
  if (total > LIMITS.maxRuns)
    errors.push(`sweep: ${total} runs is over the limit of ${LIMITS.maxRuns}`);
  if (errors.length) return { ok: false, errors };

  const base: Spec = { ...structuredClone(spec), sweep: { axes: [], shuffle: false } };
  const runs: Run[] = [];
  const seen = new Set<string>();
  for (const point of gridPoints(axes)) {
    let candidate: unknown = base;
    for (const [path, value] of Object.entries(point)) candidate = setPath(candidate, path, value);
    const parsed = v.safeParse(SpecSchema, candidate);
    if (!parsed.success) {
      const at = Object.entries(point)
        .map(([p, x]) => `${p}=${JSON.stringify(x)}`)
        .join(', ');
      return {
        ok: false,
        errors: formatIssues(parsed.issues).map((e) => `sweep point ${at}: ${e}`),
      };
    }
    const stages = stageIds(parsed.output);
    if (seen.has(stages.eval)) continue;
    seen.add(stages.eval);
    runs.push({ id: stages.eval, spec: parsed.output, point, stages });
  }
  if (spec.sweep.shuffle) Rng.derive(spec.seed, 'sweep-order').shuffle(runs);
  return { ok: true, value: runs };
}

function* gridPoints(
  axes: Spec['sweep']['axes'],
): Generator<Record<string, number | string | boolean>> {
  if (axes.length === 0) {
    yield {};
    return;
  }
  const [first, ...rest] = axes;
  for (const value of first.values) {
    for (const tail of gridPoints(rest)) yield { [first.path]: value, ...tail };
  }
}
