// The facts-right metric's chance level: how often answering with a random entity's facts would be right.
import { ATTRIBUTES, type Attribute, type World } from './generate';
import type { EvalItem } from './types';

const countsCache = new WeakMap<World, Map<Attribute, Map<string, number>>>();

/** How many people hold each value of each attribute, once per world. */
function valueCounts(world: World): Map<Attribute, Map<string, number>> {
  let counts = countsCache.get(world);
  if (counts) return counts;
  counts = new Map();
  for (const a of ATTRIBUTES) {
    const m = new Map<string, number>();
    for (const p of world.people) m.set(p[a], (m.get(p[a]) ?? 0) + 1);
    counts.set(a, m);
  }
  countsCache.set(world, counts);
  return counts;
}

/** The share of people holding `value` of `attribute`: the chance of stating it by naming a random person's. */
export function valueShare(world: World, attribute: Attribute, value: string): number {
  return (valueCounts(world).get(attribute)?.get(value) ?? 0) / Math.max(1, world.people.length);
}

/** The chance of stating a procedure's steps by reciting a random procedure's. */
export function stepsChance(world: World): number {
  return 1 / Math.max(1, world.procedures.length);
}

/**
 * The chance of getting the item's facts right by answering about a random person of the world
 * (each person asked about replaced by one drawn at random) or with a random procedure's steps.
 * A single fact: the share of people holding that value. A yes/no question is right by chance
 * exactly when the random person holds the true value (the answer then follows from it).
 */
export function chanceOf(world: World, truth: EvalItem['truth']): number {
  if (truth.format === 'steps') return stepsChance(world);
  const n = Math.max(1, world.people.length);
  if (truth.format === 'profile') {
    // One random person must match all six facts: in practice only the person themself.
    const same = world.people.filter((p) =>
      truth.facts.every((f) => p[f.key as Attribute] === f.value),
    ).length;
    return Math.max(1, same) / n;
  }
  let chance = 1;
  for (const f of truth.facts)
    chance *= valueShare(world, f.key.split(':')[0] as Attribute, f.value);
  return chance;
}
