// Chart scales never hand an SVG attribute a non-finite number, whatever the data holds.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { finiteExtent, linearScale, logScale } from '../../src/ui/charts/scales';

const anyNumber = fc.oneof(
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, 1e308, -1e308, 0, -0, Number.MIN_VALUE),
);

describe('chart scales', () => {
  it('map every input to a finite number for every domain, data and range (3,000 cases)', () => {
    fc.assert(
      fc.property(
        fc.array(anyNumber, { maxLength: 6 }),
        fc.tuple(anyNumber, anyNumber),
        anyNumber,
        fc.boolean(),
        (data, [r0, r1], input, nice) => {
          const range: [number, number] = [
            Number.isFinite(r0) ? r0 % 1e4 : 0,
            Number.isFinite(r1) ? r1 % 1e4 : 1,
          ];
          const [lo, hi] = finiteExtent(data, [1, 6]);
          const lin = linearScale([lo, hi], range, nice);
          const log = logScale([lo, hi], range, 2);
          const raw = linearScale([data[0] ?? 0, data[1] ?? 1], range);
          return [lin, log, raw].every(
            (s) => Number.isFinite(s(input)) && s.ticks(5).every((t) => Number.isFinite(s(t))),
          );
        },
      ),
      { numRuns: 3_000, seed: 14 },
    );
  });

  it('a mean of ±1e308 lands on the axis edge, not at NaN', () => {
    const y = linearScale([1, 6], [380, 16]);
    expect(y(1e308)).toBe(16);
    expect(y(-1e308)).toBe(380);
    expect(y(NaN)).toBe(380);
    expect(y(3.5)).toBeCloseTo(198, 10);
  });

  it('finiteExtent ignores what is not finite and falls back when nothing is', () => {
    expect(finiteExtent([3, NaN, Infinity, 1, -Infinity], [0, 1])).toEqual([1, 3]);
    expect(finiteExtent([NaN, Infinity], [0, 1])).toEqual([0, 1]);
    expect(finiteExtent([], [1, 6])).toEqual([1, 6]);
  });
});
