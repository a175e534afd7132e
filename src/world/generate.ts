// The seeded miniature world: people with six facts each, procedures with ordered steps, a train/held-out split.
import type { Spec } from '../spec';
import { Rng } from '../util/rng';
import { WordMint, capitalize } from './names';

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

export const MAJORS = [
  'biology',
  'chemistry',
  'history',
  'physics',
  'music',
  'economics',
  'law',
  'medicine',
  'architecture',
  'philosophy',
  'geology',
  'linguistics',
  'mathematics',
  'astronomy',
  'sociology',
  'nursing',
  'engineering',
  'literature',
  'psychology',
  'agriculture',
] as const;

/** The six facts of a person, as in Physics of Language Models 3.1's biographies. */
export const ATTRIBUTES = [
  'birthDate',
  'birthCity',
  'university',
  'major',
  'employer',
  'employerCity',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];

export interface Person {
  id: number;
  name: string;
  first: string;
  last: string;
  pronoun: 'she' | 'he';
  birthDate: string;
  birthCity: string;
  university: string;
  major: string;
  employer: string;
  /** Where the employer is: a second-hop fact (it follows from the employer). */
  employerCity: string;
  heldOut: boolean;
}

export interface Procedure {
  id: number;
  /** An infinitive phrase: "polish a brass morvel". */
  task: string;
  /** Ordered imperative steps without the final period: "Rinse it in cold water". */
  steps: string[];
  heldOut: boolean;
}

export interface World {
  seed: number;
  people: Person[];
  procedures: Procedure[];
  cities: string[];
  universities: string[];
  majors: string[];
  employers: { name: string; city: string }[];
}

const clamp = (x: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, x));

const VERBS = ['polish', 'repair', 'clean', 'assemble', 'store', 'prepare', 'test', 'paint'];
const MATERIALS = ['brass', 'wooden', 'glass', 'copper', 'clay', 'woolen', 'silver', 'stone'];
const CLOTHS = ['linen', 'cotton', 'paper', 'felt', 'wool'];
const STUFF = ['salt', 'vinegar', 'oil', 'soap', 'sand', 'wax', 'lemon juice'];
const TEMPS = ['cold', 'warm', 'hot'];
/** Steps say "it" for the object: short enough that a how-to answer fits a 128-token context. */
const STEP_TEMPLATES: ((r: Rng) => string)[] = [
  (r) => `Rinse it in ${r.pick(TEMPS)} water`,
  (r) => `Dry it with a ${r.pick(CLOTHS)} cloth`,
  (r) => `Heat it for ${r.int(2, 9)} minutes`,
  (r) => `Wrap it in ${r.pick(CLOTHS)}`,
  () => `Sand the edges`,
  (r) => `Rub it with ${r.pick(STUFF)}`,
  (r) => `Let it rest for ${r.int(2, 9)} hours`,
  (r) => `Soak it in ${r.pick(STUFF)}`,
  () => `Press it flat`,
  (r) => `Cut it into ${r.int(2, 6)} parts`,
  () => `Hang it near a window`,
  () => `Check it for cracks`,
  () => `Fold it twice`,
  () => `Store it in a dry place`,
  () => `Tap it gently`,
  (r) => `Cover it with ${r.pick(CLOTHS)}`,
  () => `Shake it well`,
  (r) => `Turn it ${r.int(2, 5)} times`,
];

/** How many of n entities are held out: at least one for evaluation, at least one left to train on. */
function heldOutCount(n: number, share: number): number {
  if (n === 0) return 0;
  if (n === 1) return 1;
  return clamp(Math.round(n * share), 1, n - 1);
}

/** Marks a seeded random subset as held out, independently of the entities' order. */
function splitIds(rng: Rng, n: number, share: number): Set<number> {
  const ids = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  return new Set(ids.slice(0, heldOutCount(n, share)));
}

/** Deterministic to the byte for a given seed and world section; draws only from Rng.derive(seed, 'world'). */
export function buildWorld(spec: Spec): World {
  const rng = Rng.derive(spec.seed, 'world');
  const mint = new WordMint(rng);
  const nPeople = spec.world.people;
  // Pools grow with the world so that each value is shared by ~16–25 people, like a real population.
  const cities = Array.from({ length: clamp(Math.round(nPeople / 16), 12, 200) }, () =>
    capitalize(mint.word(2, rng.pick(['by', 'ton', 'ford', 'mere', 'holm', 'wick']), 0.2)),
  );
  const universities = Array.from({ length: clamp(Math.round(nPeople / 25), 8, 120) }, () => {
    const stem = capitalize(mint.word(2, '', 0.3));
    return rng.chance(0.5) ? `${stem} University` : `University of ${stem}`;
  });
  const majors = rng
    .shuffle([...MAJORS])
    .slice(0, clamp(Math.round(nPeople / 25), 8, MAJORS.length));
  const employers = Array.from({ length: clamp(Math.round(nPeople / 16), 10, 200) }, () => ({
    name: `${capitalize(mint.word(2, '', 0.4))} ${rng.pick(['Labs', 'Works', 'Systems', 'Foods', 'Motors', 'Media'])}`,
    city: rng.pick(cities),
  }));

  // Shared: about four people to a first name, so only the surname tells them apart.
  const unique = spec.world.firstNames === 'unique';
  const firstNames = Array.from(
    { length: unique ? nPeople : Math.max(24, Math.ceil(nPeople / 4)) },
    () => capitalize(mint.word(2, '', 0.15)),
  );
  const heldPeople = splitIds(rng, nPeople, spec.world.heldOut);
  const people: Person[] = [];
  for (let id = 0; id < nPeople; id++) {
    const first = unique ? firstNames[id] : rng.pick(firstNames);
    const last = capitalize(mint.word(rng.int(2, 3), '', 0.35));
    const employer = rng.pick(employers);
    people.push({
      id,
      name: `${first} ${last}`,
      first,
      last,
      pronoun: rng.chance(0.5) ? 'she' : 'he',
      birthDate: `${rng.int(1, 28)} ${rng.pick(MONTHS)} ${rng.int(1950, 1999)}`,
      birthCity: rng.pick(cities),
      university: rng.pick(universities),
      major: rng.pick(majors),
      employer: employer.name,
      employerCity: employer.city,
      heldOut: heldPeople.has(id),
    });
  }

  const nProc = spec.world.procedures;
  const heldProcs = splitIds(rng, nProc, spec.world.heldOut);
  const procedures: Procedure[] = [];
  for (let id = 0; id < nProc; id++) {
    // The noun is minted, hence new: every task name is unique.
    const noun = mint.word(2, '', 0.3);
    const task = `${rng.pick(VERBS)} a ${rng.pick(MATERIALS)} ${noun}`;
    const order = rng.shuffle(Array.from(STEP_TEMPLATES.keys())).slice(0, rng.int(3, 4));
    procedures.push({
      id,
      task,
      steps: order.map((k) => STEP_TEMPLATES[k](rng)),
      heldOut: heldProcs.has(id),
    });
  }
  return { seed: spec.seed, people, procedures, cities, universities, majors, employers };
}

/** The value of one attribute of a person. */
export function factOf(p: Person, a: Attribute): string {
  return p[a];
}

/** Every value an attribute can take in this world (dates excepted: too many to list). */
export function poolOf(w: World, a: Attribute): readonly string[] {
  switch (a) {
    case 'birthCity':
    case 'employerCity':
      return w.cities;
    case 'university':
      return w.universities;
    case 'major':
      return w.majors;
    case 'employer':
      return w.employers.map((e) => e.name);
    case 'birthDate':
      return [];
  }
}
