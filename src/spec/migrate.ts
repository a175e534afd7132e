// Migrations that bring a stored or shared spec from an older version to the current one.
import { SPEC_VERSION } from './schema';

/**
 * `MIGRATIONS[n]` turns a version-n spec override into version n+1. There is only v1 so far;
 * when a field is renamed or re-scaled, add a step here and bump SPEC_VERSION, so every link
 * ever shared still opens. Steps take and return plain JSON (partial specs).
 */
export const MIGRATIONS: Record<number, (old: unknown) => unknown> = {};

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
