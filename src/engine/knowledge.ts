// The knowledge probe: how many held-out people's facts (and procedures' steps) the pretrained model states before fine-tuning.
import { encodePrompt } from '../data/chat';
import type { Tokenizer } from '../data/tokenizer';
import { generate } from '../model/generate';
import type { Llama } from '../model/llama';
import { ATTRIBUTES, type World } from '../world';
import type { Attribute } from '../world/generate';
import { stepsChance, valueShare } from '../world/facts';
import { ASK, HOWTO_ASK, lowerFirst } from '../world/templates';
import { proseSteps } from '../world/corpus';
import type { KnowledgeProbe, ScoreSummary } from './api';
import type { Spec } from '../spec';
import { evalSet } from '../world/eval';
import type { EvalItem } from '../world/types';
import { summarizeSamples } from '../world/stats';
import { answerAndJudge } from './evaluate';

/** People probed: enough for a steady share, cheap next to pretraining (6 facts each, one batch per person). */
const PEOPLE = 25;

/**
 * The prompts: for each held-out person (whose facts the judge asks about and fine-tuning never
 * shows), the first biography in the corpus that states all of their facts, cut just before each
 * fact. The cut drops the trailing space so the fact's first token keeps its leading space, as BPE
 * saw it in training.
 */
export function probePrompts(world: World, docs: readonly string[], people = PEOPLE): Probe[] {
  const out: Probe[] = [];
  for (const p of world.people.filter((x) => x.heldOut).slice(0, people)) {
    const doc = docs.find((d) => d.includes(p.name) && ATTRIBUTES.every((a) => d.includes(p[a])));
    if (!doc) continue;
    for (const a of ATTRIBUTES)
      out.push({ prompt: doc.slice(0, doc.indexOf(p[a])).trimEnd(), fact: p[a], attribute: a });
  }
  return out;
}

/** A prompt the base continues, and the held-out fact that should follow it. */
export interface Probe {
  prompt: string;
  fact: string;
  attribute: Attribute;
  /** Asked probes: the person asked about, whom an answer may name (no other person). */
  person?: string;
}

/**
 * Tokens an asked probe may spend beyond its fact: a base pretrained on sentence answers restates
 * the name and a verb phrase first ("Brudran Garse was born in …"), a plain one answers at once.
 */
const SENTENCE_TOKENS = 24;

/** A probe with its prompt encoded once, the tokens its answer may take, and its chance level. */
interface Encoded {
  ids: Int32Array;
  fact: string;
  person?: string;
  answerTokens: number;
  chance: number;
}

/** Mean chance level of the probes: stating a random person's value of each asked attribute. */
const chanceOf = (probes: readonly Encoded[]) =>
  probes.reduce((a, p) => a + p.chance, 0) / Math.max(1, probes.length);

/**
 * Whether an answer to an asked probe states its fact: the fact as whole words in the answer's
 * first line, which names no person but the asked one. A plain answer ("Goneby.") and a sentence
 * that restates the name ("Brudran Garse works in Goneby.") count; "16 August 1971" does not
 * state "6 August 1971", and another person's value under their name is not this person's.
 */
export function statesFact(
  answer: string,
  fact: string,
  person: string,
  names: readonly string[],
): boolean {
  const line = answer.trimStart().split('\n')[0]!;
  const escaped = fact.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!new RegExp(`(^|\\W)${escaped}(\\W|$)`).test(line)) return false;
  return names.every((n) => n === person || !line.includes(n));
}

/** Greedy continuations of encoded prompts, each read by `check`; how many pass. */
async function greedyPasses(
  model: Llama,
  tok: Tokenizer,
  prompts: readonly { ids: Int32Array; answerTokens: number }[],
  check: (text: string, i: number) => boolean,
): Promise<number> {
  if (prompts.length === 0) return 0;
  const gens = await generate(
    model,
    prompts.map((p) => p.ids),
    {
      temperature: 0,
      topP: 1,
      repetitionPenalty: 1,
      maxNewTokens: Math.max(...prompts.map((p) => p.answerTokens)),
      stopIds: [],
      seed: 0,
    },
  );
  return gens.filter((g, i) => check(tok.decode(Array.from(g.ids)), i)).length;
}

/**
 * In-biography probes count a fact when the continuation starts with it; asked probes (with a
 * person) when the answer states it (`statesFact`).
 */
function recall(
  model: Llama,
  tok: Tokenizer,
  probes: readonly Encoded[],
  names: readonly string[],
): Promise<number> {
  return greedyPasses(model, tok, probes, (text, i) => {
    const p = probes[i]!;
    return p.person === undefined
      ? text.trimStart().startsWith(p.fact)
      : statesFact(text, p.fact, p.person, names);
  });
}

/**
 * The probes whose prompt and fact fit the model's context, encoded: a prompt is never cut, and a
 * tiny context (kernel tests, micro sweeps) asks fewer facts rather than failing the pretraining
 * stage. The probe's `total` says how many were asked.
 */
function fitting(model: Llama, tok: Tokenizer, world: World, probes: readonly Probe[]): Encoded[] {
  return probes
    .map((p) => ({
      ids: Int32Array.from([tok.special.bos, ...tok.encode(p.prompt)]),
      fact: p.fact,
      person: p.person,
      answerTokens:
        tok.encode(` ${p.fact}`).length + 1 + (p.person === undefined ? 0 : SENTENCE_TOKENS),
      chance: valueShare(world, p.attribute, p.fact),
    }))
    .filter((p) => p.ids.length + p.answerTokens <= model.cfg.blockSize);
}

/**
 * Two probes of the pretrained model on held-out people. In-biography: their training text cut
 * before each fact, which measures recall of the text's own wording — an upper bound. Asked: each
 * fact as a web-style question in a fresh context, which measures what the base can state when
 * asked, with no chat template (the judge's prompts are such questions).
 */
export async function knowledgeProbe(
  model: Llama,
  tok: Tokenizer,
  world: World,
  docs: readonly string[],
  spec: Spec,
): Promise<KnowledgeProbe> {
  const inBio = fitting(model, tok, world, probePrompts(world, docs));
  const asked = fitting(model, tok, world, askedPrompts(world));
  const zero = await zeroShot(model, tok, world, spec);
  const names = world.people.map((p) => p.name);
  return {
    recalled: await recall(model, tok, inBio, names),
    total: inBio.length,
    chance: chanceOf(inBio),
    asked: {
      recalled: await recall(model, tok, asked, names),
      total: asked.length,
      chance: chanceOf(asked),
    },
    ...(zero ? { zeroShot: zero } : {}),
    ...(await procedureRecall(model, tok, world, docs, spec)),
  };
}

/** Held-out test prompts the zero-shot base answers (fixed: the pretraining stage has no eval settings). */
export const ZERO_SHOT_PROMPTS = 60;

/**
 * The base model's own answers in the chat template, greedy, judged like a fine-tuned model's: how
 * aligned the base already is. The first test prompts of a 60-prompt evaluation set, no dialogues,
 * those that fit the context with a reference-length answer (none: no zero-shot probe).
 * The answer budget is the longest reference answer plus its end-of-turn token, not
 * `eval.maxNewTokens`: the pretraining stage's hash leaves the eval settings out, so its result may
 * not depend on them (and a base that never stops costs no more than a full answer's length).
 */
async function zeroShot(
  model: Llama,
  tok: Tokenizer,
  world: World,
  spec: Spec,
): Promise<ScoreSummary | undefined> {
  const eval_ = { ...spec.eval, prompts: ZERO_SHOT_PROMPTS, devPrompts: 0, dialoguePrompts: 0 };
  const answerLength = (x: EvalItem) => tok.encode(` ${x.truth.reference}`).length + 1;
  const items = evalSet(world, { ...spec, eval: eval_ }).test.filter(
    (x) =>
      encodePrompt(x.turns, tok, 'sft', [], spec.data.template).length + answerLength(x) <=
      model.cfg.blockSize,
  );
  if (items.length === 0) return undefined;
  const maxNewTokens = Math.max(...items.map(answerLength));
  const samples = await answerAndJudge(model, tok, items, {
    method: 'sft',
    template: spec.data.template,
    shots: [],
    sampling: { ...eval_, maxNewTokens, temperature: 0, topP: 1, repetitionPenalty: 1 },
    samples: 1,
    seed: 0,
  });
  return summarizeSamples(samples);
}

/** Each fact of the first held-out people as a plain question: "Q: Where was X born?\nA:". */
export function askedPrompts(world: World, people = PEOPLE): Probe[] {
  return world.people
    .filter((x) => x.heldOut)
    .slice(0, people)
    .flatMap((p) =>
      ATTRIBUTES.map((a) => ({
        prompt: `Q: ${ASK[a].direct(p.name)}\nA:`,
        fact: p[a],
        attribute: a,
        person: p.name,
      })),
    );
}

/**
 * A held-out procedure: its own pretraining text cut just before its first step, the plain-text
 * question for it, and its steps as that text words them (lower-cased as the prose writes them).
 */
export interface ProcedureProbe {
  prompt: string;
  question: string;
  steps: string[];
  /** The whole document, whose length bounds the answer. */
  doc: string;
}

export function procedurePrompts(
  world: World,
  docs: readonly string[],
  spec: Spec,
): ProcedureProbe[] {
  const out: ProcedureProbe[] = [];
  for (const proc of world.procedures.filter((p) => p.heldOut)) {
    const steps = proseSteps(proc, spec).map(lowerFirst);
    const doc = docs.find((d) => d.includes(proc.task) && d.includes(steps[0]!));
    if (!doc) continue;
    const prompt = doc.slice(0, doc.indexOf(steps[0]!)).trimEnd();
    out.push({ prompt, question: `Q: ${HOWTO_ASK[0]!(proc.task)}\nA:`, steps, doc });
  }
  return out;
}

/** Whether the first line of an answer states every step, in order (case aside). */
export function statesSteps(answer: string, steps: readonly string[]): boolean {
  const line = answer.trimStart().split('\n')[0]!.toLowerCase();
  let at = 0;
  for (const s of steps) {
    const i = line.indexOf(s.toLowerCase(), at);
    if (i < 0) return false;
    at = i + s.length;
  }
  return true;
}

/**
 * Held-out procedures recited step for step: from their own text cut before the first step, and
 * asked as a plain question ("Q: How do I …?\nA:"). Chance: a random procedure's steps. None
 * where the world holds no held-out procedure or no prompt fits the context.
 */
async function procedureRecall(
  model: Llama,
  tok: Tokenizer,
  world: World,
  docs: readonly string[],
  spec: Spec,
): Promise<Pick<KnowledgeProbe, 'procedures'>> {
  const probes = procedurePrompts(world, docs, spec)
    .map((p) => ({
      ...p,
      answerTokens: tok.encode(p.doc).length + 4,
      inText: Int32Array.from([tok.special.bos, ...tok.encode(p.prompt)]),
      asked: Int32Array.from([tok.special.bos, ...tok.encode(p.question)]),
    }))
    .filter(
      (p) => Math.max(p.inText.length, p.asked.length) + p.answerTokens <= model.cfg.blockSize,
    );
  if (probes.length === 0) return {};
  const passes = (ids: 'inText' | 'asked') =>
    greedyPasses(
      model,
      tok,
      probes.map((p) => ({ ids: p[ids], answerTokens: p.answerTokens })),
      (text, i) => statesSteps(text, probes[i]!.steps),
    );
  return {
    procedures: {
      recalled: await passes('inText'),
      asked: await passes('asked'),
      total: probes.length,
      chance: stepsChance(world),
    },
  };
}
