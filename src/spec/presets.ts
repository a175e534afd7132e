// Presets: the LIMA experiments as small partial overrides of the default spec, each with what to look for.
import { deepMerge } from '../util/paths';
import { parseSpec } from './validate';
import type { Spec, SpecInput } from './schema';

export interface Preset {
  id: string;
  title: string;
  /** One sentence: what the experiment varies. */
  summary: string;
  /** What LIMA (or the related paper) found, with its numbers, and what to look for here. */
  paper: string;
  override: SpecInput;
  /**
   * The toy size, when the generic shrink (`toyOf`) would lose what the experiment is about: the
   * knowledge experiment's toy is the recipe measured in docs/RESULTS.md, not the 100-person toy.
   */
  toy?: SpecInput;
}

const sizes = (base: number) => [1, 2, 4, 8, 16].map((k) => k * base);

/**
 * A base that knows its world, and a fine-tune that can surface it (docs/RESULTS.md, runs V and DS):
 * 200 people in five rewrites each; web-like `Q:`/`A:` text about train-split people whose answers
 * are sentences naming the person (so the base learns to restate a name, not the chat template:
 * its zero-shot answers stay unaligned); everyday filler, so the base has read every word the
 * assistant uses; a word-level vocabulary; training answers that state each fact right after its
 * name; 120 multi-turn chains, so that follow-ups asked through a pronoun are learned (LIMA added
 * 30 to 1,000 examples; 30 left most follow-ups wrong here); the small model; LIMA's 15 epochs at
 * a learning rate gentle enough to keep the facts.
 */
const knowsItsWorld: SpecInput = {
  world: { people: 200, procedures: 10 },
  data: {
    augmentation: 5,
    fillerText: 'everyday',
    vocabSize: 2048,
    dialogues: 120,
    style: 'explicit',
    qaFormat: 'sentence',
  },
  model: { preset: 'small', blockSize: 160 },
  pretrain: { steps: 800 },
  finetune: { batchSize: 8, lr: 1e-4, seed: 1 },
  eval: { prompts: 60, devPrompts: 20, dialoguePrompts: 20 },
};

const full: Preset[] = [
  {
    id: 'plateau',
    title: 'Quantity: the plateau',
    summary:
      'Fine-tune one pretrained model on nested sets of 1×, 2×, 4×, 8× and 16× filtered examples.',
    paper:
      'LIMA Fig. 6: filtered Stack Exchange at 2K, 4K, 8K, 16K and 32K examples — quality plateaus; a 16-fold increase does not help. Look for scores that stop rising once the format is learned.',
    override: {
      model: { preset: 'small' },
      sweep: {
        axes: [
          { path: 'finetune.examples', values: sizes(128) },
          { path: 'finetune.seed', values: [1, 2, 3] },
        ],
      },
    },
  },
  {
    id: 'knowledge',
    title: 'Knowledge: what pretraining stored, a few examples surface',
    summary:
      'The plateau sweep on a base that knows its world: the judge asks about people fine-tuning never shows.',
    paper:
      'LIMA §1: "almost all knowledge in large language models is learned during pretraining, and only limited instruction tuning data is necessary." Look for held-out facts right well above chance from the smallest set on, while the zero-shot base is unaligned, and for a judge curve that stops rising. Here the curve is flat from the smallest set on, at about 25–30% of answers right: comparisons and held-out how-tos are still never right.',
    override: {
      ...knowsItsWorld,
      sweep: {
        axes: [
          { path: 'finetune.examples', values: sizes(64) },
          { path: 'finetune.seed', values: [1, 2, 3] },
        ],
      },
    },
    // One seed of LIMA's 16× on the small model; with the shipped base it only fine-tunes.
    toy: { ...knowsItsWorld, sweep: { axes: [{ path: 'finetune.examples', values: sizes(32) }] } },
  },
  {
    id: 'quality',
    title: 'Quality: filtered vs unfiltered',
    summary: 'The same number of examples, all good or with half of them flawed.',
    paper:
      'LIMA §5 (7B, 2,000 examples): filtered Stack Exchange 3.83 vs unfiltered 3.33 — quality is worth about half a point. Look for a gap larger than the gain from 16× more data.',
    override: {
      model: { preset: 'small' },
      finetune: { examples: 512 },
      sweep: {
        axes: [
          { path: 'data.quality', values: ['filtered', 'unfiltered'] },
          { path: 'finetune.seed', values: [1, 2, 3] },
        ],
      },
    },
  },
  {
    id: 'diversity',
    title: 'Diversity: mixed tasks vs how-to only',
    summary: 'The same number of examples, over every task type or over how-to prompts alone.',
    paper:
      'LIMA §5: diverse Stack Exchange 3.83 vs homogeneous wikiHow 3.49 at 2,000 examples. Look for the narrow set failing the task types it never saw.',
    override: {
      model: { preset: 'small' },
      finetune: { examples: 512 },
      sweep: {
        axes: [
          { path: 'data.tasks', values: ['mixed', 'howto'] },
          { path: 'finetune.seed', values: [1, 2, 3] },
        ],
      },
    },
  },
  {
    id: 'dialogue',
    title: 'Dialogue: 30 multi-turn chains',
    summary:
      'Fine-tune with and without 30 multi-turn chains and score the last turn of conversations.',
    paper:
      'LIMA §6: adding 30 dialogue chains raised excellent responses in multi-turn conversations from 45.2% to 76.1%. Look at the share of 6s on multi-turn prompts.',
    override: {
      model: { preset: 'small' },
      finetune: { examples: 512 },
      sweep: {
        axes: [
          { path: 'data.dialogues', values: [0, 30] },
          { path: 'finetune.seed', values: [1, 2, 3] },
        ],
      },
    },
  },
  {
    id: 'in-context',
    title: 'In-context alignment (URIAL)',
    summary:
      'The base model prompted zero-shot and with 3 examples, against fine-tuning, in a 512-token context so the examples and the question fit.',
    paper:
      'URIAL (Lin et al. 2023): a base model with 3 well-chosen in-context examples rivals its fine-tuned version — alignment is largely superficial. Look for few-shot closing most of the gap to SFT.',
    override: {
      // Three examples and a question take 220-320 tokens, plus the answer: a 128-token context
      // would cut the examples off. Batch 4 keeps pretraining's tokens per step at 16×128.
      model: { preset: 'small', blockSize: 512 },
      pretrain: { batchSize: 4 },
      finetune: { examples: 512 },
      sweep: { axes: [{ path: 'finetune.method', values: ['zero-shot', 'few-shot', 'sft'] }] },
    },
  },
  {
    id: 'scale',
    title: 'Scale: does the plateau rise?',
    summary: 'The plateau sweep at several model sizes.',
    paper:
      'LIMA attributes capability to pretraining: its 65B model with 1,000 examples was preferred to or tied with GPT-4 in 43% of cases, while its 7B ablations plateaued near 3.8 of 6. A larger or better-pretrained base should plateau higher, while more SFT data still does not help. Look for higher curves, not steeper ones.',
    override: {
      sweep: {
        axes: [
          { path: 'model.preset', values: ['toy', 'small', 'base'] },
          { path: 'finetune.examples', values: sizes(128) },
        ],
      },
    },
  },
  {
    id: 'augmentation',
    title: 'Knowledge augmentation (Physics of LMs 3.1)',
    summary:
      'Pretrain on one fixed biography per person, or on several rewrites, then fine-tune the same way.',
    paper:
      'Allen-Zhu & Li 2023: facts pretrained without augmentation are stored but not extractable by fine-tuning — QA accuracy 9.7% without rewrites vs 96.6% with 5 per biography. Look for fact accuracy on held-out people.',
    override: {
      model: { preset: 'small' },
      finetune: { examples: 512 },
      sweep: { axes: [{ path: 'data.augmentation', values: [1, 5] }] },
    },
  },
];

/**
 * Each full preset has a `-toy` variant that finishes on a 2-core CPU (wasm) in minutes.
 * Sizes were chosen by measurement (docs/RESULTS.md): a 100-person world is memorised by the
 * toy model in 300 pretraining steps (corpus loss ≈ 0.6), and fine-tuning keeps LIMA's recipe
 * (15 epochs, linear decay) with batch 8, so the 1× set of 8 examples still gets 15 steps.
 */
const toyOverride: SpecInput = {
  backend: 'auto',
  world: { people: 100, procedures: 10 },
  // 160 tokens: the longest multi-turn prompt and its answer fit uncut in LIMA's text template.
  model: { preset: 'toy', blockSize: 160 },
  pretrain: { steps: 300 },
  finetune: { batchSize: 8 },
  eval: { prompts: 60, devPrompts: 20, dialoguePrompts: 20 },
};

/** How a full preset's axes shrink for its toy variant. */
function toyAxis(a: { path: string; values: (string | number | boolean)[] }) {
  if (a.path === 'finetune.examples') return { ...a, values: sizes(8) };
  // A small model pretrains ~6× slower than the toy on wasm: two sizes, three data sizes.
  if (a.path === 'model.preset') return { ...a, values: ['toy', 'small'] };
  return a;
}

function toyOf(p: Preset): Preset {
  const named = { id: `${p.id}-toy`, title: `${p.title} (toy)` };
  if (p.toy) return { ...p, ...named, override: p.toy };
  const override = deepMerge(p.override, toyOverride) as SpecInput;
  // A preset that needs a longer context (the in-context prompts) keeps it.
  const context = p.override.model?.blockSize;
  if (context) override.model = { ...override.model, blockSize: context };
  let axes = (p.override.sweep?.axes ?? []).map(toyAxis);
  if (p.id === 'scale') {
    axes = axes.map((a) => (a.path === 'finetune.examples' ? { ...a, values: [8, 32, 128] } : a));
  }
  if (override.finetune?.examples) override.finetune = { ...override.finetune, examples: 64 };
  override.sweep = { ...override.sweep, axes };
  return { ...p, ...named, override };
}

export const PRESETS: readonly Preset[] = full.flatMap((p) => [toyOf(p), p]);

/** The experiment the page opens on. */
export const DEFAULT_PRESET = 'plateau-toy';

export function presetById(id: string): Preset | undefined {
  return PRESETS.find((p) => p.id === id);
}

/** The full spec of a preset; throws if a preset is invalid (a test checks every one). */
export function presetSpec(id: string): Spec {
  const preset = presetById(id);
  if (!preset) throw new Error(`unknown preset "${id}"`);
  const r = parseSpec(preset.override);
  if (!r.ok) throw new Error(`preset ${id} is invalid: ${r.errors.join('; ')}`);
  return r.value;
}
