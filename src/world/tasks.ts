// Prompt generators for every task type: the user turns, the reference answer and the judge's ground truth.
import type { Rng } from '../util/rng';
import {
  ATTRIBUTES,
  factOf,
  poolOf,
  type Attribute,
  type Person,
  type Procedure,
  type World,
} from './generate';
import {
  ANSWER,
  ASK,
  CHECK,
  COMPARE,
  COMPARE_ATTRIBUTES,
  type CompareAttribute,
  FOLLOW_UP,
  FRAMES,
  HOWTO_ASK,
  PROFILE_ASK,
  compareFactsFirst,
  profileAnswer,
  ref,
  stepsAnswer,
  type Ref,
} from './templates';
import type { EvalItem, TaskType } from './types';

/** A prompt: the turns so far (ending with the user's) and what a perfect answer contains. */
export interface TaskItem {
  task: TaskType;
  turns: string[];
  truth: EvalItem['truth'];
  /**
   * The whole conversation, answer included, in the explicit house style (`data.style`), where that
   * differs from the concise one: the same prompts and facts, each fact right after its person's name.
   */
  explicit?: string[];
  /** The same in the named style, where it differs from the explicit one: every sentence names its person. */
  named?: string[];
}

/** The entities a generator may talk about (train entities for SFT, held-out ones for evaluation). */
export interface Pool {
  world: World;
  people: readonly Person[];
  procedures: readonly Procedure[];
  /** How many phrasings per type may be used (the first k). */
  phrasings: number;
}

const without = (pool: readonly string[], ...values: string[]) =>
  pool.filter((v) => !values.includes(v));

/** Every value that is true of someone in the answer: stating those is chatter at worst, never an error. */
const own = (...people: Person[]) => people.flatMap((p) => ATTRIBUTES.map((a) => factOf(p, a)));

function frame(rng: Rng, pool: Pool, direct: string, indirect: string): string {
  return FRAMES[rng.int(0, Math.min(pool.phrasings, FRAMES.length) - 1)](direct, indirect);
}

/** A value of `a` other than `v`: another person's fact (from the pool), so a wrong answer looks plausible. */
export function otherValue(rng: Rng, pool: Pool, a: Attribute, v: string): string {
  for (let i = 0; i < 100; i++) {
    const u = factOf(rng.pick(pool.people), a);
    if (u !== v) return u;
  }
  const rest = without(poolOf(pool.world, a), v);
  return rest.length > 0 ? rng.pick(rest) : v;
}

export function factItem(rng: Rng, pool: Pool): TaskItem {
  const p = rng.pick(pool.people);
  const a = rng.pick(ATTRIBUTES);
  const v = factOf(p, a);
  return {
    task: 'fact',
    turns: [frame(rng, pool, ASK[a].direct(p.name), ASK[a].indirect(p.name))],
    truth: {
      facts: [{ key: a, value: v }],
      entities: [p.name],
      format: 'sentence',
      reference: ANSWER[a](ref(p, true), v),
      wrong: without(poolOf(pool.world, a), ...own(p)),
    },
  };
}

const allValuesCache = new WeakMap<World, string[]>();

/** Every listed value of every attribute, once per world (a profile can get any of them wrong). */
function allValues(world: World): string[] {
  let all = allValuesCache.get(world);
  if (!all)
    allValuesCache.set(world, (all = [...new Set(ATTRIBUTES.flatMap((a) => poolOf(world, a)))]));
  return all;
}

export function profileItem(rng: Rng, pool: Pool): TaskItem {
  const p = rng.pick(pool.people);
  const values = ATTRIBUTES.map((a) => factOf(p, a));
  const k = Math.min(pool.phrasings, PROFILE_ASK.length);
  const turns = [PROFILE_ASK[rng.int(0, k - 1)](p.name)];
  return {
    task: 'profile',
    turns,
    named: [...turns, profileAnswer(p, true)],
    truth: {
      facts: ATTRIBUTES.map((a) => ({ key: a, value: factOf(p, a) })),
      entities: [p.name],
      format: 'profile',
      reference: profileAnswer(p),
      wrong: allValues(pool.world).filter((v) => !values.includes(v)),
    },
  };
}

/** People by the value of one attribute, built once per pool (comparisons draw pairs from it). */
const byValueCache = new WeakMap<readonly Person[], Map<CompareAttribute, Map<string, Person[]>>>();

function byValue(people: readonly Person[], a: CompareAttribute): Map<string, Person[]> {
  let perPool = byValueCache.get(people);
  if (!perPool) byValueCache.set(people, (perPool = new Map()));
  let index = perPool.get(a);
  if (!index) {
    index = new Map();
    for (const p of people) {
      const list = index.get(p[a]);
      if (list) list.push(p);
      else index.set(p[a], [p]);
    }
    perPool.set(a, index);
  }
  return index;
}

export function compareItem(rng: Rng, pool: Pool): TaskItem {
  const a = rng.pick(COMPARE_ATTRIBUTES);
  const pa = rng.pick(pool.people);
  // Half the pairs share the value, so "yes" and "no" are equally common.
  const wantSame = rng.chance(0.5);
  const same = byValue(pool.people, a)
    .get(pa[a])!
    .filter((q) => q !== pa);
  let pb: Person;
  if (wantSame && same.length > 0) pb = rng.pick(same);
  else {
    // Rejection sampling: a different value is the common case, so this ends fast.
    do pb = rng.pick(pool.people);
    while (pb === pa || (pb[a] === pa[a] && same.length < pool.people.length - 1));
  }
  const [va, vb] = [pa[a], pb[a]];
  const c = COMPARE[a];
  const isSame = va === vb;
  const turns = [frame(rng, pool, c.direct(pa.name, pb.name), c.indirect(pa.name, pb.name))];
  return {
    task: 'compare',
    turns,
    truth: {
      facts: [
        { key: `${a}:A`, value: va },
        { key: `${a}:B`, value: vb },
      ],
      entities: [pa.name, pb.name],
      format: 'compare',
      answer: isSame ? 'yes' : 'no',
      reference: isSame
        ? `Yes, both ${pa.name} and ${pb.name} ${c.both} ${va}.`
        : `No, ${pa.name} ${c.one} ${va}, while ${pb.name} ${c.one} ${vb}.`,
      wrong: without(poolOf(pool.world, a), ...own(pa, pb)),
    },
    explicit: [...turns, compareFactsFirst(a, [pa.name, va], [pb.name, vb])],
  };
}

export function howtoItem(rng: Rng, pool: Pool): TaskItem {
  const proc = rng.pick(pool.procedures);
  const k = Math.min(pool.phrasings, HOWTO_ASK.length);
  const turns = [HOWTO_ASK[rng.int(0, k - 1)](proc.task)];
  return {
    task: 'howto',
    turns,
    explicit: [...turns, stepsAnswer(proc.steps, proc.task)],
    truth: {
      facts: proc.steps.map((s, i) => ({ key: `step${i + 1}`, value: s })),
      entities: [],
      format: 'steps',
      steps: [...proc.steps],
      reference: stepsAnswer(proc.steps),
      wrong: [],
    },
  };
}

export function verifyItem(rng: Rng, pool: Pool): TaskItem {
  const p = rng.pick(pool.people);
  const a = rng.pick(ATTRIBUTES);
  const v = factOf(p, a);
  const truthful = rng.chance(0.5);
  const asked = truthful ? v : otherValue(rng, pool, a, v);
  const yes = asked === v;
  return {
    task: 'verify',
    turns: [frame(rng, pool, CHECK[a].direct(p.name, asked), CHECK[a].indirect(p.name, asked))],
    truth: {
      facts: [{ key: a, value: v }],
      entities: [p.name],
      format: 'yesno',
      answer: yes ? 'yes' : 'no',
      reference: `${yes ? 'Yes' : 'No'}, ${ANSWER[a](ref(p, true), v)}`,
      // A "no" answer may repeat the asked value while rejecting it.
      wrong: without(poolOf(pool.world, a), asked, ...own(p)),
    },
  };
}

/**
 * Three questions about one person: the first names them, the follow-ups refer back with a pronoun.
 * Returns the whole chain; the truth is about the last question.
 */
export function dialogueItem(
  rng: Rng,
  pool: Pool,
): TaskItem & { answer: string; explicit: string[] } {
  const p = rng.pick(pool.people);
  const [a1, a2, a3] = rng.shuffle([...ATTRIBUTES]).slice(0, 3);
  const named = ref(p, true);
  const pro = ref(p, false);
  const follow = (a: Attribute) =>
    FOLLOW_UP[a][rng.int(0, Math.min(pool.phrasings, FOLLOW_UP[a].length) - 1)](pro.s, pro.p);
  const ask = frame(rng, pool, ASK[a1].direct(p.name), ASK[a1].indirect(p.name));
  const [ask2, ask3] = [follow(a2), follow(a3)];
  const chain = (r: Ref) => [
    ask,
    ANSWER[a1](named, factOf(p, a1)),
    ask2,
    ANSWER[a2](r, factOf(p, a2)),
    ask3,
    ANSWER[a3](r, factOf(p, a3)),
  ];
  const concise = chain(pro);
  const turns = concise.slice(0, -1);
  const v = factOf(p, a3);
  const answer = concise[concise.length - 1];
  return {
    task: 'dialogue',
    turns,
    answer,
    // Follow-ups restate the name, so each fact is looked up next to it.
    explicit: chain(named),
    truth: {
      facts: [{ key: a3, value: v }],
      // A pronoun is the right way to answer a follow-up, so no name is required.
      entities: [],
      format: 'sentence',
      reference: answer,
      wrong: without(poolOf(pool.world, a3), ...own(p)),
    },
  };
}

export const GENERATORS: Record<TaskType, (rng: Rng, pool: Pool) => TaskItem> = {
  fact: factItem,
  profile: profileItem,
  compare: compareItem,
  howto: howtoItem,
  verify: verifyItem,
  dialogue: dialogueItem,
};

/** The task types a pool can produce (no how-to without procedures, no comparison without two people). */
export function availableTypes(pool: Pool, wanted: readonly TaskType[]): TaskType[] {
  return wanted.filter((t) => {
    if (t === 'howto') return pool.procedures.length > 0;
    if (t === 'compare') return pool.people.length > 1;
    return pool.people.length > 0;
  });
}
