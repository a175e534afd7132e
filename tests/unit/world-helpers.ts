// Test helper: a parsed spec from a partial one (defaults fill the rest, bounds are checked).
import { parseSpec } from '../../src/spec/validate';
import type { Spec } from '../../src/spec';

type Partial2<T> = { [K in keyof T]?: T[K] extends object ? Partial<T[K]> : T[K] };

export function specWith(over: Partial2<Spec> = {}): Spec {
  const r = parseSpec(over);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.value;
}
