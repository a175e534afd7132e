// Pretraining stories about made-up people whose names come back: text that rewards copying a name from context.
import type { Rng } from '../util/rng';
import type { World } from './generate';
import { WordMint, capitalize } from './names';

/** What someone in a story does: everyday acts in the past tense, no fact of the world's kinds. */
const ACTS: ((p: string) => string)[] = [
  () => 'bought bread at the bakery',
  () => 'walked by the river in the morning',
  () => 'met a friend at the library',
  (p) => `wrote a long letter to ${p} brother`,
  () => 'took the early train',
  () => 'painted the old fence',
  (p) => `cooked soup for ${p} neighbours`,
  () => 'read a book about animals',
  () => 'fixed a broken chair',
  () => 'sang a song at the festival',
  () => 'planted flowers in the garden',
  () => 'visited the old mill',
  () => 'carried a heavy bag up the hill',
  (p) => `lost ${p} map on the way home`,
  () => 'found a coin in the street',
  () => 'asked the driver where to stop',
  (p) => `cleaned ${p} kitchen`,
  () => 'watched the rain from the window',
];

/** How a later sentence picks a person up again. */
const AGAIN = ['Later, ', 'The next day, ', 'That evening, ', 'After that, ', 'Then ', ''];

interface Character {
  first: string;
  name: string;
  s: string;
  p: string;
}

/** The first names and surnames a story's people are drawn from (one entry per draw weight). */
interface NamePool {
  firsts: readonly string[];
  lasts: readonly string[];
}

/**
 * The world's own first names and surnames (each once per person who holds it): paired so that no
 * person of the world holds both, the surname after a first name cannot be recalled, only copied
 * from earlier in the story. The world's first names are shared by about four people each (unless
 * `world.firstNames` is unique), and a reply that copies the asked first name and then writes the
 * surname of a person it memorised is the failure these stories are meant to train away.
 */
function worldPool(world: World): NamePool {
  return { firsts: world.people.map((p) => p.first), lasts: world.people.map((p) => p.last) };
}

/**
 * Names of no one in the world: 20 first names and 40 surnames minted like the world's, sharing no
 * word with it, so a story practises copying a name without making the world's names ambiguous.
 * Few enough that each is read often and becomes one token of a word-level vocabulary, as the
 * world's names are; their 800 pairings keep the surname after a first name a thing to copy.
 */
function madeUpPool(world: World, rng: Rng): NamePool {
  const mint = new WordMint(rng);
  for (const w of JSON.stringify(world)
    .toLowerCase()
    .match(/[a-z]+/g) ?? [])
    mint.reserve(w);
  const firsts = Array.from({ length: 20 }, () => capitalize(mint.word(2, '', 0.15)));
  const lasts = Array.from({ length: 40 }, () => capitalize(mint.word(rng.int(2, 3), '', 0.35)));
  return { firsts, lasts };
}

/**
 * A made-up person: a first name and a surname of the pool that no person of the world holds
 * together, and, beside `other`, another first name, so the first name never gives the copy away.
 */
function character(
  pool: NamePool,
  worldNames: ReadonlySet<string>,
  rng: Rng,
  other?: Character,
): Character {
  for (;;) {
    const first = rng.pick(pool.firsts);
    const name = `${first} ${rng.pick(pool.lasts)}`;
    if (worldNames.has(name) || first === other?.first) continue;
    const she = rng.chance(0.5);
    return { first, name, s: she ? 'she' : 'he', p: she ? 'her' : 'his' };
  }
}

const act = (c: Character, rng: Rng) => rng.pick(ACTS)(c.p);

/**
 * One story of one or two made-up people. Each is named in full, then "she"/"he" for a sentence or
 * two (one person) or the other person's sentences (two), then named in full again: the repeated
 * name sits one to three sentences after the first, as a follow-up's person sits two turns back.
 */
export function story(pool: NamePool, worldNames: ReadonlySet<string>, rng: Rng): string {
  const a = character(pool, worldNames, rng);
  const out: string[] = [];
  if (rng.chance(0.5)) {
    out.push(`${a.name} ${act(a, rng)}.`);
    for (let i = rng.int(1, 2); i > 0; i--) out.push(`${capitalize(a.s)} ${act(a, rng)}.`);
    out.push(`${rng.pick(AGAIN)}${a.name} ${act(a, rng)}.`);
  } else {
    const b = character(pool, worldNames, rng, a);
    out.push(`${a.name} and ${b.name} met in the square.`);
    // Both come back, in a seeded order, so neither name can be told from its place.
    const more = Array.from({ length: rng.int(0, 2) }, () => (rng.chance(0.5) ? a : b));
    for (const c of rng.shuffle([a, b, ...more]))
      out.push(`${rng.pick(AGAIN)}${c.name} ${act(c, rng)}.`);
  }
  return out.join(' ');
}

/**
 * Stories until they hold `chars` characters, from a stream of their own, about people named from
 * the world's names or from names of their own. A world whose people all share one first name has
 * no two made-up people to tell apart from its names, and gets none.
 */
export function storyDocuments(
  world: World,
  chars: number,
  rng: Rng,
  names: 'world' | 'made-up' = 'world',
): string[] {
  const docs: string[] = [];
  if (chars <= 0) return docs;
  if (names === 'world' && new Set(world.people.map((p) => p.first)).size < 2) return docs;
  const pool = names === 'world' ? worldPool(world) : madeUpPool(world, rng);
  const worldNames = new Set(world.people.map((p) => p.name));
  for (let n = 0; n < chars;) {
    const d = story(pool, worldNames, rng);
    docs.push(d);
    n += d.length;
  }
  return docs;
}
