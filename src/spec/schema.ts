// The experiment spec: one schema with defaults, bounds and a why per field — the single source of truth.
import * as v from 'valibot';
import { bool, choice, importRef, int, maybeInt, num } from './fields';
import { IMPORT_LIMITS } from './limits';
import { MODEL_PRESETS, paramCount, trainingBytes, type ModelDims } from './models';

/** Bumped when a stored or shared spec would read differently; see `migrate.ts`. */
export const SPEC_VERSION = 2;

/** Hard limits that keep every valid spec inside what one browser tab can hold and finish. */
export const LIMITS = {
  /** Parameters of the resolved model (the 7b-proxy is ~45M). */
  maxParams: 120_000_000,
  /** Estimated training memory (weights, gradients, AdamW moments, activations). */
  maxTrainingBytes: 3 * 2 ** 30,
  /** Tokens one pretraining stage may process (steps × batch × block). */
  maxPretrainTokens: 2_000_000_000,
  /** Runs one sweep may expand to. */
  maxRuns: 256,
  /** Sweep axes and values per axis. */
  maxAxes: 4,
  maxValuesPerAxis: 32,
} as const;

const World = v.strictObject({
  people: int(
    16,
    20_000,
    400,
    'People whose facts exist only as pretraining prose; more people, more knowledge to store.',
  ),
  procedures: int(
    0,
    2_000,
    40,
    'How-to procedures with ordered steps: the knowledge behind how-to prompts.',
  ),
  heldOut: num(
    0.1,
    0.5,
    0.25,
    'Share of entities never seen in fine-tuning; evaluation asks only about these.',
  ),
  firstNames: choice(
    ['shared', 'unique'],
    'shared',
    "Shared: a quarter as many first names as people, so about four people share each and only the surname tells them apart; a reply about a held-out person must copy the asked surname from the question, and the fine-tuned small models here often write a memorised train person's surname after the asked first name instead. Unique: every person has a first name of their own, so the first name alone identifies the person and the surname can be recalled as well as copied. Evaluation still asks only about people never seen in fine-tuning; this removes one difficulty (copying a name) that LIMA's large models do not have, to measure how much of the gap it is. Measured (docs/RESULTS.md, run UN): no more swapped surnames, but worse fine-tunes, which do not write a first name that no fine-tuning example holds.",
  ),
});

/** Where the spec names imported files; these fields are edited from the import panel, not swept. */
export const IMPORT_PATHS = { corpus: 'data.importedCorpus', sft: 'data.importedSft' } as const;

/** UTF-8 takes at most 3 bytes per UTF-16 code unit, so this bounds a file within the import limits. */
const UTF8_PER_CHAR = 3;

const Data = v.strictObject({
  augmentation: int(
    1,
    10,
    4,
    'Rewrites per biography in pretraining (Physics of LMs 3.1: 1 = stored but not extractable).',
  ),
  filler: num(
    0,
    0.5,
    0.1,
    'Share of the pretraining corpus that is general filler prose, not facts.',
  ),
  fillerText: choice(
    ['town', 'everyday'],
    'town',
    'What the filler says. Town: sixteen sentences about a town (the corpora made before this knob). Everyday: also everyday English in the words that prompts and answers use — yes and no, both, the same, different, whether, "Can you tell me", the imperatives of how-tos — about no one in the world and in no chat format, as any web corpus has them. LLaMA had read every word of LIMA\'s answers; a base that never read "both" or "Yes" must learn to spell them from the fine-tune. It teaches words, not facts or the house style, so LIMA\'s premise holds: compare the zero-shot base.',
  ),
  stories: num(
    0,
    0.3,
    0,
    "Share of the pretraining corpus that is short stories about made-up people (named as storyNames says), each named again a sentence or two later. The repeated surname can only be copied from the context, never recalled, which is what a reply must do with a held-out name; fine-tuned models here copy the asked first name and then write a memorised train person's surname. No facts of the world, no questions, no chat format, so the zero-shot base stays unaligned. Measured (docs/RESULTS.md, runs ST and SM): the fine-tunes got worse, not better.",
  ),
  storyNames: choice(
    ['world', 'made-up'],
    'world',
    "Whose names the stories use. World: a first name and a surname of the world's people that no one holds together, so a world first name is followed by a surname to copy, as a reply to a question about a held-out person must (run ST: the base then knew less by name). Made-up: 20 first names and 40 surnames of no one in the world, minted like the world's and paired at random, so the stories practise copying a name without making the world's names ambiguous.",
  ),
  vocabSize: int(
    261,
    8_192,
    512,
    "Byte-level BPE vocabulary: 256 bytes + 5 special tokens + learned merges. Above the world's distinct words (about 1,500 for 100 people) merges run out and every word of the world is one token — a word-level tokenizer on its closed vocabulary — while imported text still falls back to bytes.",
    'tokens',
  ),
  quality: choice(
    ['filtered', 'unfiltered'],
    'filtered',
    'Filtered = every response is good; unfiltered mixes in flawed responses (LIMA §5).',
  ),
  flawRate: num(
    0,
    1,
    0.5,
    'Share of flawed responses (wrong fact, off-format, rambling, truncated, unhelpful) when unfiltered.',
  ),
  tasks: choice(
    ['mixed', 'howto'],
    'mixed',
    'Task types in the SFT set: all types, or how-to only (the wikiHow condition).',
  ),
  phrasings: int(1, 8, 4, 'Prompt phrasings per task type: input diversity within a type.'),
  dialogues: int(0, 200, 0, 'Multi-turn chains added to the SFT set (LIMA §6 added 30).'),
  chainContext: choice(
    ['style', 'pronoun'],
    'style',
    'What the earlier answers of a training chain say, with the explicit or named style. Style: the house style\'s, so every answer restates the name. Pronoun: the concise answers ("She was born in …"), as the multi-turn prompts of the evaluation hold them, and only the last answer in the house style, so the fine-tune practises restating a name from two turns back, as the evaluation asks. Fine-tuning data only; the zero-shot base is untouched. Measured (docs/RESULTS.md, runs CC and CS): more follow-ups right, fewer yes/no checks, no clear net gain.',
  ),
  style: choice(
    ['concise', 'explicit', 'named'],
    'concise',
    'The SFT set\'s house style. Concise: the verdict first ("No, A was born in X, while B …"), pronouns after the first sentence. Explicit: every fact right after the name it belongs to, as the pretraining text states it — a follow-up repeats the name instead of "she", a comparison states both facts before its conclusion ("A was born in X and B was born in Y, so they are different."), a how-to\'s first step names the task ("1. To polish brass, first …") — so a small model can look each fact up next to its name. Named: explicit, and a profile also names its person in every sentence, as the rewritten biographies do, where explicit keeps "She studied …". The same prompts, facts and judge; fine-tuning data only, so the zero-shot base is untouched.',
  ),
  qa: num(
    0,
    1,
    1,
    'Share of TRAIN-split people and procedures with question–answer documents in pretraining (Physics of LMs 3.1 "mixed training"): it teaches the base to look facts up from a question; held-out people never get one.',
  ),
  qaFormat: choice(
    ['plain', 'sentence', 'thread', 'chat'],
    'plain',
    'Pretraining Q&A as web text answering with the value ("Q: … A: <value>."), as web text answering with a sentence that names the person in the biographies\' words (so the base practises copying the asked name, as a house-style reply must), as such a sentence-answered thread whose first question names the person and the rest ask "And where was she born?" (so the base also practises finding the person of a follow-up one or more questions back, in web text, not the chat template; run TH: no net gain), or in the chat template and house style — which aligns the base before any fine-tuning and so removes what LIMA tests.',
  ),
  qaPhrasings: int(
    1,
    8,
    1,
    'Question phrasings in the pretraining Q&A: the first k of the eight frames that prompts use ("When was … born?", "Do you know when … was born?", …). 1 asks every fact one way; more teaches the base to pick the asked fact out of a question however it is put, as varied web text would, without the chat template or the house style, so the zero-shot base stays unaligned.',
  ),
  stepNames: choice(
    ['pronoun', 'object'],
    'pronoun',
    'How the pretraining prose of a procedure refers to its object after the first step. Pronoun: "To polish a brass vebes, first cut it into 3 parts. Then, rinse it in warm water." Object: every step names it ("… Then, rinse the brass vebes in warm water."), as the rewritten biographies name the person in every sentence (Physics of LMs 3.1). Steps come from a small pool that procedures share, and a base that reads "it" keys each step on the step before it: after a step two procedures share, it goes on with the other one, so a held-out how-to is never right. Pretraining prose and Q&A only: the fine-tuning answers and the judge keep the house style\'s "it", so the zero-shot base stays unaligned. Measured (docs/RESULTS.md, runs NS and WD2): a base with either wording recites all 3 held-out procedures from their opening (named: 1 of 3 when asked, "it": 0), and the fine-tuned model still answers with one of the 7 train procedures it was fine-tuned on: how-tos 0 of 30.',
  ),
  template: choice(
    ['text', 'qa', 'special'],
    'text',
    'Chat turns as text ("User:" / "Assistant:") with one new end-of-turn token (LIMA); as text marked the way the web text in pretraining marks questions and answers ("Q:" / "A:"), so the fine-tune starts from a form the base already answers in (with Q&A in pretraining, the zero-shot base may then state facts before any fine-tuning: compare it); or a new token per role as well, which pretraining never shows.',
  ),
  lossOn: choice(
    ['assistant', 'all'],
    'assistant',
    'Fine-tuning loss on assistant tokens only (LIMA) or on the whole conversation.',
  ),
  importedCorpus: importRef(
    'corpus',
    IMPORT_LIMITS.corpusChars * UTF8_PER_CHAR,
    IMPORT_LIMITS.corpusDocuments,
    "Your own text, mixed into the world's pretraining corpus rather than replacing it: the judge asks about the world's people, so the model must still read their facts.",
    'documents',
  ),
  importedSft: importRef(
    'sft',
    IMPORT_LIMITS.jsonlChars * UTF8_PER_CHAR,
    IMPORT_LIMITS.conversations,
    "Your own LIMA JSONL replaces the world's SFT set: fine-tuning takes its first finetune.examples conversations (all if fewer); quality, tasks and dialogues no longer apply.",
    'conversations',
  ),
});

const Model = v.strictObject({
  preset: choice(
    ['toy', 'small', 'base', '7b-proxy'],
    'toy',
    'Model size; overrides below change single dimensions of it.',
  ),
  nLayer: maybeInt(1, 48, 'Transformer blocks (overrides the preset).'),
  nEmbd: maybeInt(
    16,
    2_048,
    'Residual width d (overrides the preset); must divide by the number of heads.',
  ),
  nHead: maybeInt(
    1,
    32,
    'Attention heads (overrides the preset); head size must be even for RoPE.',
  ),
  blockSize: maybeInt(16, 2_048, 'Context length in tokens (overrides the preset).', 'tokens'),
  tiedEmbeddings: bool(
    true,
    'Share the token embedding with the output head (fewer parameters for small models).',
  ),
});

const Pretrain = v.strictObject({
  steps: int(
    0,
    1_000_000,
    1_500,
    'Optimizer steps of pretraining on the knowledge corpus.',
    'steps',
  ),
  batchSize: int(1, 512, 16, 'Sequences per pretraining step (each one block long).', 'sequences'),
  lr: num(1e-5, 0.1, 3e-3, 'Peak learning rate of pretraining.'),
  minLrRatio: num(0, 1, 0.1, 'Final learning rate as a share of the peak.'),
  warmupSteps: int(0, 100_000, 50, 'Linear warmup steps before the decay.', 'steps'),
  schedule: choice(['cosine', 'linear'], 'cosine', 'Decay after warmup.'),
  weightDecay: num(0, 1, 0.1, 'Decoupled AdamW weight decay.'),
  dropout: num(0, 0.5, 0, 'Residual dropout during pretraining.'),
  seed: int(
    0,
    1_000_000,
    0,
    "Seed of the base's initial weights and of the order pretraining reads its corpus in; 0: the experiment's seed. Another value pretrains another base on the same world, corpus and evaluation, so a sweep over it measures how much a result owes to the draw of one pretraining run rather than to the recipe. Measured (docs/RESULTS.md, run WD2): the knowledge recipe on the 192-wide base gets 48.3% of held-out facts right with seed 0 and 30.0% with seed 2.",
  ),
});

const Finetune = v.strictObject({
  method: choice(
    ['sft', 'zero-shot', 'few-shot'],
    'sft',
    'Align by fine-tuning (LIMA), or prompt the base model in context (URIAL).',
  ),
  fewShot: int(
    1,
    8,
    3,
    'Examples placed in the prompt for few-shot alignment (URIAL used 3).',
    'examples',
  ),
  examples: int(
    1,
    65_536,
    64,
    'SFT examples; sizes are nested, so 2× contains 1× (LIMA swept 2K → 32K).',
    'examples',
  ),
  epochs: int(1, 50, 15, 'Passes over the SFT set (LIMA: 15).', 'epochs'),
  batchSize: int(
    1,
    256,
    16,
    'Examples per fine-tuning step (LIMA: 32, 64 for smaller models).',
    'examples',
  ),
  lr: num(
    1e-6,
    0.1,
    1e-3,
    'Initial fine-tuning rate, decaying linearly with no warmup (LIMA: 1e-5 on 65B; tiny models need more).',
  ),
  lrEndRatio: num(0, 1, 0.1, 'Final rate as a share of the initial one (LIMA: 1e-5 → 1e-6).'),
  weightDecay: num(0, 1, 0.1, 'Decoupled AdamW weight decay (LIMA: 0.1).'),
  dropoutMax: num(
    0,
    0.5,
    0.2,
    'Residual dropout rising linearly over layers from 0 to this (LIMA: 0.3, 0.2 for smaller models).',
  ),
  train: choice(
    ['all', 'attention', 'no-mlp'],
    'all',
    "The weights a fine-tune updates. All (LIMA). Attention: the attention blocks and norms only; the embeddings and the SwiGLU MLPs, where a transformer is thought to store its facts, stay as pretraining left them, so the fine-tune can learn where to look and what form to answer in but cannot overwrite what the base knows, nor learn its training set's people by heart. No-mlp: all but the MLPs. Pretraining always trains everything.",
  ),
  replay: int(
    0,
    64,
    0,
    "Rows of pretraining text (a context long, loss on every token) added to each fine-tuning step beside its examples. 0: LIMA, which fine-tunes on the examples alone. Replaying the corpus the base was pretrained on (as InstructGPT's PPO-ptx mixes pretraining gradients in) keeps the fine-tune from overwriting what the base stored, and keeps the names of people the fine-tuning set never mentions among the words the model still writes. It adds no chat turns and no fact the base has not read, so the zero-shot base is unchanged; but the fine-tune is then no longer the examples alone. Measured (docs/RESULTS.md, run RP): fewer answers about the wrong person, as many right overall.",
    'rows',
  ),
  maxLength: maybeInt(
    16,
    2_048,
    'Truncate examples to this many tokens (LIMA: 2048); defaults to the context length.',
    'tokens',
  ),
  seed: int(
    0,
    1_000_000,
    0,
    'Extra seed for fine-tuning order, dropout and sampling; repeats share one pretrained model.',
  ),
});

const Optimizer = v.strictObject({
  beta1: num(0, 0.999, 0.9, 'AdamW first-moment decay (LIMA: 0.9).'),
  beta2: num(0, 0.9999, 0.95, 'AdamW second-moment decay (LIMA: 0.95).'),
  eps: num(1e-12, 1e-3, 1e-8, 'AdamW epsilon.'),
  gradClip: num(0, 100, 1, 'Clip gradients to this global norm; 0 turns clipping off.'),
});

const Eval = v.strictObject({
  prompts: int(10, 1_000, 300, 'Test prompts over held-out entities (LIMA: 300).', 'prompts'),
  devPrompts: int(0, 200, 50, 'Dev prompts used to choose the checkpoint (LIMA: 50).', 'prompts'),
  dialoguePrompts: int(
    0,
    200,
    30,
    'Multi-turn test conversations, scored on the last turn.',
    'prompts',
  ),
  samples: int(
    1,
    5,
    1,
    'Sampled responses per prompt (LIMA: 1 for the test set, 5 for ablations).',
    'samples',
  ),
  temperature: num(0, 2, 0.7, 'Sampling temperature; 0 = greedy (LIMA: 0.7).'),
  topP: num(0.01, 1, 0.9, 'Nucleus sampling mass (LIMA: 0.9).'),
  repetitionPenalty: num(1, 2, 1.2, 'Penalty on tokens already generated (LIMA: 1.2).'),
  maxNewTokens: int(8, 512, 96, 'Generation stops at EOT or after this many tokens.', 'tokens'),
});

const SweepValue = v.union(
  [v.number(), v.string(), v.boolean()],
  'sweep values must be numbers, strings or true/false',
);

const Axis = v.strictObject({
  path: v.pipe(v.string(), v.maxLength(64, 'axis path is too long')),
  values: v.pipe(
    v.array(SweepValue),
    v.minLength(1, 'an axis needs at least one value'),
    v.maxLength(
      LIMITS.maxValuesPerAxis,
      `an axis may have at most ${LIMITS.maxValuesPerAxis} values`,
    ),
  ),
});

const Sweep = v.strictObject({
  axes: v.optional(
    v.pipe(
      v.array(Axis),
      v.maxLength(LIMITS.maxAxes, `a sweep may have at most ${LIMITS.maxAxes} axes`),
      v.metadata({ why: 'A grid over spec paths, e.g. finetune.examples: [64, 128, 256].' }),
    ),
    [],
  ),
  shuffle: bool(
    false,
    'Run the grid in a seeded random order, so a cancelled sweep still covers every condition.',
  ),
});

const SpecObject = v.strictObject({
  seed: int(
    0,
    2_147_483_647,
    1,
    'Root of every random stream: the same seed gives the same numbers.',
  ),
  backend: choice(
    ['auto', 'webgpu', 'wasm', 'cpu'],
    'auto',
    'Where to train: auto picks a real GPU, else wasm, else cpu.',
  ),
  world: v.optional(World, {}),
  data: v.optional(Data, {}),
  model: v.optional(Model, {}),
  pretrain: v.optional(Pretrain, {}),
  finetune: v.optional(Finetune, {}),
  optimizer: v.optional(Optimizer, {}),
  eval: v.optional(Eval, {}),
  sweep: v.optional(Sweep, {}),
});

type SpecShape = v.InferOutput<typeof SpecObject>;

/** The model's dimensions after the preset and overrides are applied. */
export function resolveModel(spec: Pick<SpecShape, 'model' | 'data'>): ModelDims & {
  vocabSize: number;
  tiedEmbeddings: boolean;
} {
  const preset = MODEL_PRESETS[spec.model.preset];
  return {
    nLayer: spec.model.nLayer ?? preset.nLayer,
    nEmbd: spec.model.nEmbd ?? preset.nEmbd,
    nHead: spec.model.nHead ?? preset.nHead,
    blockSize: spec.model.blockSize ?? preset.blockSize,
    vocabSize: spec.data.vocabSize,
    tiedEmbeddings: spec.model.tiedEmbeddings,
  };
}

/** Checks across fields: shapes that must agree, and the budget a browser can hold. */
function crossFieldProblems(s: SpecShape): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const m = resolveModel(s);
  if (m.nEmbd % m.nHead !== 0) {
    out.push({ path: 'model.nEmbd', message: `width ${m.nEmbd} must divide by ${m.nHead} heads` });
  } else if ((m.nEmbd / m.nHead) % 2 !== 0) {
    out.push({
      path: 'model.nHead',
      message: `head size ${m.nEmbd / m.nHead} must be even for rotary embeddings`,
    });
  }
  const params = paramCount(m, m.vocabSize, m.tiedEmbeddings);
  if (params > LIMITS.maxParams) {
    out.push({
      path: 'model',
      message: `${(params / 1e6).toFixed(1)}M parameters is over the ${LIMITS.maxParams / 1e6}M a browser tab can train`,
    });
  }
  const batch = Math.max(s.pretrain.batchSize, s.finetune.batchSize);
  const bytes = trainingBytes(m, m.vocabSize, m.tiedEmbeddings, batch, m.blockSize);
  if (bytes > LIMITS.maxTrainingBytes) {
    out.push({
      path: 'pretrain.batchSize',
      message: `training would need about ${(bytes / 2 ** 30).toFixed(1)} GiB; the limit is ${LIMITS.maxTrainingBytes / 2 ** 30} GiB — use a smaller batch, context or model`,
    });
  }
  const tokens = s.pretrain.steps * s.pretrain.batchSize * m.blockSize;
  if (tokens > LIMITS.maxPretrainTokens) {
    out.push({
      path: 'pretrain.steps',
      message: `${tokens.toExponential(2)} pretraining tokens is over the ${LIMITS.maxPretrainTokens.toExponential(0)} limit`,
    });
  }
  if (s.data.tasks === 'howto' && s.world.procedures < 2) {
    out.push({
      path: 'data.tasks',
      message: 'how-to only needs at least 2 procedures (one to fine-tune on, one held out)',
    });
  }
  if (s.finetune.maxLength !== undefined && s.finetune.maxLength > m.blockSize) {
    out.push({
      path: 'finetune.maxLength',
      message: `must be at most the context length (${m.blockSize})`,
    });
  }
  return out;
}

/** The whole experiment. Parsing `{}` gives the defaults. */
export const SpecSchema = v.pipe(
  SpecObject,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    for (const p of crossFieldProblems(dataset.value)) {
      addIssue({ message: `${p.path}: ${p.message}` });
    }
  }),
);

export type Spec = v.InferOutput<typeof SpecSchema>;
export type SpecInput = v.InferInput<typeof SpecSchema>;
/** The sections of a spec that hold fields, in the editor's order. */
export const SECTIONS = SpecObject.entries;

export function defaultSpec(): Spec {
  return v.parse(SpecSchema, {});
}
