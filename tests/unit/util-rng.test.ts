// The seeded RNG: reproducible streams, independent purposes, and sane distributions.
import { describe, expect, test } from 'vitest';
import { Rng, deriveSeed } from '../../src/util/rng';
import { contentHash } from '../../src/util/hash';

describe('Rng', () => {
  test('the same seed and purpose give the same stream; another purpose or seed another', () => {
    const draw = (r: Rng) => Array.from({ length: 8 }, () => r.float());
    expect(draw(Rng.derive(1, 'world'))).toEqual(draw(Rng.derive(1, 'world')));
    expect(draw(Rng.derive(1, 'world'))).not.toEqual(draw(Rng.derive(1, 'init')));
    expect(draw(Rng.derive(1, 'world'))).not.toEqual(draw(Rng.derive(2, 'world')));
    expect(deriveSeed(1, 'init', 'run-a')).not.toBe(deriveSeed(1, 'init', 'run-b'));
    // Pinned values: a change of generator would silently change every experiment.
    expect(deriveSeed(1, 'world')).toMatchInlineSnapshot(`1046214924`);
    expect(Rng.derive(0, 'pin').int(0, 1_000_000)).toMatchInlineSnapshot(`123322`);
  });

  test('ints cover their range uniformly and floats stay in [0, 1)', () => {
    const r = new Rng(123);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[r.int(1, 6) - 1]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
    for (let i = 0; i < 10_000; i++) {
      const x = r.float();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });

  test('normal() has mean 0 and variance 1', () => {
    const r = new Rng(5);
    const xs = Array.from({ length: 50_000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(variance - 1)).toBeLessThan(0.03);
  });

  test('shuffle is a seeded permutation', () => {
    const a = new Rng(9).shuffle([...Array(20).keys()]);
    const b = new Rng(9).shuffle([...Array(20).keys()]);
    expect(a).toEqual(b);
    expect([...a].sort((x, y) => x - y)).toEqual([...Array(20).keys()]);
    expect(a).not.toEqual([...Array(20).keys()]);
  });
});

describe('contentHash', () => {
  test('ignores key order and sees every value', () => {
    expect(contentHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(
      contentHash({ b: { d: [1, 2], c: 2 }, a: 1 }),
    );
    expect(contentHash({ a: 1, b: { c: 2, d: [1, 2] } })).not.toBe(
      contentHash({ a: 1, b: { c: 2, d: [2, 1] } }),
    );
  });
});
