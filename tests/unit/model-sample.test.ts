// The fast sampler draws exactly the tokens of its plain reference, and consumes the seed's stream alike.
import { describe, expect, it } from 'vitest';
import { sampleToken, sampleTokenReference, type TokenSampling } from '../../src/model/sample';
import { Rng } from '../../src/util/rng';

/** Logits like a model's: a few likely tokens, a long tail, some exact ties. */
function logitsOf(rng: Rng, V: number, spread: number): Float32Array {
  const z = Float32Array.from({ length: V }, () => rng.normal() * spread);
  for (let k = 0; k < 8; k++) z[rng.int(0, V - 1)] = z[rng.int(0, V - 1)];
  return z;
}

describe('sampleToken', () => {
  const settings: TokenSampling[] = [
    { temperature: 0.7, topP: 0.9, repetitionPenalty: 1.2 }, // LIMA's
    { temperature: 1, topP: 1, repetitionPenalty: 1 }, // the whole vocabulary
    { temperature: 2, topP: 0.99, repetitionPenalty: 1 }, // a flat nucleus: the threshold falls far
    { temperature: 0.1, topP: 0.5, repetitionPenalty: 1.5 }, // one token
    { temperature: 0, topP: 0.9, repetitionPenalty: 1.2 }, // greedy
  ];

  it.each(settings)('draws what the reference draws: %o', (o) => {
    const data = new Rng(7);
    const a = new Rng(11);
    const b = new Rng(11);
    const distinct = new Set<number>();
    for (let i = 0; i < 400; i++) {
      const V = i % 3 === 0 ? 512 : data.int(2, 80);
      const z = logitsOf(data, V, [0.5, 3, 12][i % 3]);
      const generated = Array.from({ length: data.int(0, 20) }, () => data.int(0, V - 1));
      const fast = sampleToken(z.slice(), generated, o, a);
      expect(fast, `draw ${i}`).toBe(sampleTokenReference(z.slice(), generated, o, b));
      distinct.add(fast);
    }
    // Both consumed the same draws from their streams.
    expect(a.float()).toBe(b.float());
    if (o.temperature > 0 && o.topP > 0.5) expect(distinct.size).toBeGreaterThan(50);
  });

  it('penalises in place as the reference does', () => {
    const z = Float32Array.from([2, -1, 3, 0.5]);
    const r = z.slice();
    sampleToken(z, [0, 1, 0], { temperature: 0, topP: 1, repetitionPenalty: 2 }, new Rng(1));
    sampleTokenReference(
      r,
      [0, 1, 0],
      { temperature: 0, topP: 1, repetitionPenalty: 2 },
      new Rng(1),
    );
    expect(Array.from(z)).toEqual([1, -2, 3, 0.5]);
    expect(Array.from(z)).toEqual(Array.from(r));
  });
});
