// The pretraining corpus: the world's knowledge as prose about EVERY entity, plus optional filler.
import type { Spec } from '../spec';
import { Rng } from '../util/rng';
import {
  ATTRIBUTES,
  factOf,
  type Attribute,
  type Person,
  type Procedure,
  type World,
} from './generate';
import { storyDocuments } from './stories';
import {
  ANSWER,
  ASK,
  BIO,
  EVERYDAY,
  FILLER,
  FOLLOW_UP,
  FRAMES,
  HOWTO_ASK,
  procedureProse,
  ref,
  stepsAnswer,
  stepsNamingObject,
  type Ref,
} from './templates';

/** A procedure's steps as its pretraining prose words them (`data.stepNames`): "it", or its object. */
export function proseSteps(proc: Procedure, spec: Spec): readonly string[] {
  return spec.data.stepNames === 'object' ? stepsNamingObject(proc.task, proc.steps) : proc.steps;
}

function proseOf(proc: Procedure, spec: Spec, variant: number): string {
  return procedureProse(proc.task, proseSteps(proc, spec), variant);
}

/**
 * augmentation = 1: one fixed biography (canonical order, name once, then pronouns). k > 1: k rewrites,
 * each with fresh templates, shuffled sentence order and the full name in every sentence — the
 * augmentation that makes facts extractable by fine-tuning in Physics of Language Models 3.1.
 */
export function biographies(person: Person, augmentation: number, rng: Rng): string[] {
  if (augmentation <= 1) {
    return [
      ATTRIBUTES.map((a, i) => rng.pick(BIO[a])(ref(person, i === 0), factOf(person, a))).join(' '),
    ];
  }
  const named = ref(person, true);
  return Array.from({ length: augmentation }, () =>
    rng
      .shuffle([...ATTRIBUTES])
      .map((a) => rng.pick(BIO[a])(named, factOf(person, a)))
      .join(' '),
  );
}

const EVERYDAY_FILLER = [...FILLER, ...EVERYDAY];

function fillerDoc(world: World, rng: Rng, text: Spec['data']['fillerText']): string {
  const n = rng.int(3, 5);
  const pool = text === 'everyday' ? EVERYDAY_FILLER : FILLER;
  return Array.from({ length: n }, () =>
    rng.pick(pool)(rng.pick(world.cities), rng.int(3, 40)),
  ).join(' ');
}

/**
 * Question–answer text about the TRAIN split only (Physics of LMs 3.1's "mixed training": QA about
 * some people teaches the model to look up the facts of the others). Four formats:
 * - 'plain', web-like: "Q: …" / "A: <value>." — no chat template, no house style, so the base learns
 *   to answer without learning the assistant's format; but its answers never restate the name.
 * - 'sentence', web-like as well, but each answer is a full sentence naming the person in the
 *   biographies' own words ("A: Kima Dorsel is a native of Tarsby."): the base also practises
 *   copying the asked name from a question into an answer, which a house-style reply needs.
 * - 'thread', sentence answers too, but only the first question names the person and the rest say
 *   "she"/"he" (`threadPairs`): the base practises the follow-ups that evaluation asks.
 * - 'chat': the "User:" / "Assistant:" turns and the house style, which aligns the base before any
 *   fine-tuning (a control, not LIMA's setting).
 * A document per entity: its six questions in a seeded order, each in one of the first
 * `qaPhrasings` frames of the prompts.
 */
export function qaDocuments(world: World, spec: Spec, rng: Rng): string[] {
  const share = spec.data.qa;
  if (share <= 0) return [];
  const format = spec.data.qaFormat;
  const chat = format === 'chat';
  const turn = (q: string, a: string) =>
    chat ? `User: ${q}\nAssistant: ${a}` : `Q: ${q}\nA: ${a}`;
  const thread = format === 'thread';
  const answer = (named: Ref, a: Attribute, v: string) =>
    chat
      ? ANSWER[a](named, v)
      : format === 'sentence' || thread
        ? rng.pick(BIO[a])(named, v)
        : `${v}.`;
  // The first k frames of the prompts; k = 1 draws nothing, so older corpora stay byte-identical.
  const k = Math.min(spec.data.qaPhrasings, FRAMES.length);
  const ask = (a: Attribute, name: string) =>
    k <= 1
      ? ASK[a].direct(name)
      : FRAMES[rng.int(0, k - 1)](ASK[a].direct(name), ASK[a].indirect(name));
  const chosen = <T>(xs: readonly T[]) =>
    rng.shuffle([...xs]).slice(0, Math.round(share * xs.length));
  const docs: string[] = [];
  for (const p of chosen(world.people.filter((x) => !x.heldOut))) {
    const named = ref(p, true);
    const attributes = rng.shuffle([...ATTRIBUTES]);
    const pairs = thread
      ? threadPairs(p, attributes, ask, answer, rng).map(([q, a]) => turn(q, a))
      : attributes.map((a) => turn(ask(a, p.name), answer(named, a, factOf(p, a))));
    docs.push(pairs.join('\n'));
  }
  for (const proc of chosen(world.procedures.filter((x) => !x.heldOut))) {
    const q = rng.pick(HOWTO_ASK)(proc.task);
    docs.push(turn(q, chat ? stepsAnswer(proc.steps) : proseOf(proc, spec, rng.int(0, 15))));
  }
  return docs;
}

/**
 * A 'thread' of questions about one person, as a forum thread asks them: the first names the
 * person, the rest refer back with "she"/"he" (the first phrasing of the evaluation's follow-ups).
 * Each answer is a biography sentence that names the person, or half the time says "she"/"he",
 * so a later answer must often find the name two or more questions back.
 */
function threadPairs(
  p: Person,
  attributes: readonly Attribute[],
  ask: (a: Attribute, name: string) => string,
  answer: (r: Ref, a: Attribute, v: string) => string,
  rng: Rng,
): [string, string][] {
  const [named, pro] = [ref(p, true), ref(p, false)];
  return attributes.map((a, i) => [
    i === 0 ? ask(a, p.name) : FOLLOW_UP[a][0](pro.s, pro.p),
    answer(i === 0 || rng.chance(0.5) ? named : pro, a, factOf(p, a)),
  ]);
}

/** Documents in a seeded order; the same spec gives the same strings. */
export function pretrainCorpus(world: World, spec: Spec): string[] {
  const rng = Rng.derive(spec.seed, 'corpus');
  const k = spec.data.augmentation;
  const docs: string[] = [];
  for (const p of world.people) docs.push(...biographies(p, k, rng));
  for (const proc of world.procedures) {
    // Procedures keep their step order in every rewrite: the order is the knowledge.
    for (let v = 0; v < k; v++) docs.push(proseOf(proc, spec, k === 1 ? 0 : rng.int(0, 15)));
  }
  docs.push(...qaDocuments(world, spec, Rng.derive(spec.seed, 'corpus', 'qa')));
  let factChars = 0;
  for (const d of docs) factChars += d.length;
  const { filler: f, stories: s } = spec.data;
  // Filler and stories are shares of the whole corpus; the facts are the rest.
  const rest = 1 - f - s;
  const target = (share: number) => (rest <= 0 ? 0 : (factChars * share) / rest);
  for (let chars = 0; chars < target(f);) {
    const d = fillerDoc(world, rng, spec.data.fillerText);
    docs.push(d);
    chars += d.length;
  }
  const storyRng = Rng.derive(spec.seed, 'corpus', 'stories');
  docs.push(...storyDocuments(world, target(s), storyRng, spec.data.storyNames));
  return rng.shuffle(docs);
}

/**
 * Pretraining's validation text: one more biography of up to `people` persons, with templates drawn
 * from a stream of its own, so the facts are the training corpus's and the phrasing mostly is not.
 * Its loss says how well the model knows the facts, not how well it recites its training text.
 */
export function validationCorpus(world: World, spec: Spec, people = 48): string[] {
  const rng = Rng.derive(spec.seed, 'corpus', 'validation');
  const k = spec.data.augmentation;
  const chosen = rng.shuffle([...world.people]).slice(0, people);
  const docs = chosen.map((p) => biographies(p, k, rng)[0] as string);
  for (const proc of rng.shuffle([...world.procedures]).slice(0, Math.ceil(people / 6)))
    docs.push(proseOf(proc, spec, rng.int(0, 15)));
  return docs;
}
