// Chart scales that only ever return finite numbers, so no NaN or Infinity reaches an SVG attribute.
import { extent } from 'd3-array';
import { scaleLinear, scaleLog } from 'd3-scale';

/** The finite values' [min, max], or `fallback` when there are none: ±Infinity or NaN cannot stretch an axis. */
export function finiteExtent(
  values: Iterable<number>,
  fallback: [number, number],
): [number, number] {
  const [lo, hi] = extent(values, (v) => (Number.isFinite(v) ? v : undefined));
  return lo === undefined || hi === undefined ? fallback : [lo, hi];
}

/** A domain whose ends are finite (else `fallback`) and whose width is finite and not vanishing. */
function safeDomain([a, b]: [number, number], fallback: [number, number]): [number, number] {
  if (!Number.isFinite(a) || !Number.isFinite(b) || !Number.isFinite(b - a)) return fallback;
  // d3's ticks cannot step through a sliver (5e-324 … 1e-323 asks for an impossible array).
  if (Math.abs(b - a) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) return [a - 1, b + 1];
  return [a, b];
}

/**
 * A linear scale that clamps to its domain and draws anything not a number at the range's start:
 * a value of 1e308 lands on the axis's edge instead of producing `cy="NaN"`.
 */
export function linearScale(domain: [number, number], range: [number, number], nice = false) {
  const s = scaleLinear()
    .domain(safeDomain(domain, [0, 1]))
    .range(range);
  if (nice) s.nice();
  return s.clamp(true).unknown(range[0]);
}

/** The same guard for a log scale; its domain must also be positive. */
export function logScale(domain: [number, number], range: [number, number], base = 10) {
  const [a, b] = safeDomain(domain, [1, 10]);
  const positive: [number, number] = a > 0 && b > 0 ? [a, b] : [1, 10];
  return scaleLog().base(base).domain(positive).range(range).clamp(true).unknown(range[0]);
}
