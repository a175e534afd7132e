// Migrations that bring a stored or shared spec from an older version to the current one.
import { isPlainObject } from '../util/paths';
import { SPEC_VERSION } from './schema';

/**
 * v1 → v2. A link carries only the values that differ from the defaults, so a v1 link that left a
 * field out meant v1's default. v2 added knobs whose defaults differ from what v1 did (Q&A text in
 * pretraining, LIMA's text chat template): the step writes v1's behaviour in explicitly, so an old
 * link runs what it ran before (its numbers still change where the code itself changed: the
 * tokenizer's dummy prefix and uncut prompts, which is why those stages' hashes changed too).
 */
export const V1_DEFAULTS = {
  data: { qa: 0, template: 'special' },
} as const;

function fillDefaults(value: unknown, defaults: Record<string, unknown>): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = { ...value };
  for (const [key, d] of Object.entries(defaults)) {
    if (isPlainObject(d)) {
      // A section given as something other than an object is left for validation to refuse.
      if (out[key] === undefined) out[key] = fillDefaults({}, d);
      else if (isPlainObject(out[key])) out[key] = fillDefaults(out[key], d);
    } else if (out[key] === undefined) out[key] = d;
  }
  return out;
}

/**
 * `MIGRATIONS[n]` turns a version-n spec override into version n+1. When a field is renamed,
 * re-scaled or its default changes, add a step here and bump SPEC_VERSION, so every link ever
 * shared still opens as it did. Steps take and return plain JSON (partial specs).
 */
export const MIGRATIONS: Record<number, (old: unknown) => unknown> = {
  1: (old) => fillDefaults(old, V1_DEFAULTS),
};

export function migrate(version: number, value: unknown): unknown {
  if (!Number.isInteger(version) || version < 1) throw new Error(`unknown spec version ${version}`);
  if (version > SPEC_VERSION) {
    throw new Error(
      `this link was made by a newer LIMA Lab (spec v${version}); this page reads v${SPEC_VERSION} and older — reload to update`,
    );
  }
  let out = value;
  for (let n = version; n < SPEC_VERSION; n++) {
    const step = MIGRATIONS[n];
    if (!step) throw new Error(`no migration from spec v${n} to v${n + 1}`);
    out = step(out);
  }
  return out;
}
