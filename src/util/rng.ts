// The only source of randomness: a seeded generator, derived per purpose so streams never collide.
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { hashParts } from './hash';

/** A seeded random stream. Never use Math.random in the lab: every number must come from here. */
export class Rng {
  private gen: RandomGenerator;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /**
   * A stream for one purpose, e.g. `Rng.derive(spec.seed, 'world')` or `(seed, 'init', runId)`.
   * Purposes are hashed, so 'world' and 'init' streams are independent even for seed 0.
   */
  static derive(seed: number, ...purpose: (string | number)[]): Rng {
    return new Rng(deriveSeed(seed, ...purpose));
  }

  /** Uniform in [0, 1). */
  float(): number {
    return uniformFloat64(this.gen);
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return uniformInt(this.gen, min, max);
  }

  /** A 31-bit non-negative integer, e.g. to seed a tfjs op. */
  seed31(): number {
    return uniformInt(this.gen, 0, 0x7fffffff);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** Fisher–Yates shuffle, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    const u = 1 - this.float(); // (0, 1]: log(0) must not happen
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** A 31-bit seed for a purpose, stable across platforms (derived by hashing, not by arithmetic). */
export function deriveSeed(seed: number, ...purpose: (string | number)[]): number {
  const h = hashParts(['rng', seed, ...purpose]);
  return parseInt(h.slice(0, 8), 16) & 0x7fffffff;
}
