// Field builders for the spec schema: every field gets a default, bounds and a why-comment the editor shows.
import * as v from 'valibot';

/** What the editor and docs read off each field: why it exists, and its unit if any. */
export interface FieldMeta {
  why: string;
  unit?: string;
  /** Set on a reference to imported data: what the file is used as. */
  imports?: 'corpus' | 'sft';
}

export function int(min: number, max: number, def: number, why: string, unit?: string) {
  return v.optional(
    v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number'),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
      v.metadata({ why, unit } satisfies FieldMeta),
    ),
    def,
  );
}

export function num(min: number, max: number, def: number, why: string, unit?: string) {
  return v.optional(
    v.pipe(
      v.number('must be a number'),
      v.finite('must be a finite number'),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
      v.metadata({ why, unit } satisfies FieldMeta),
    ),
    def,
  );
}

export function choice<const T extends readonly [string, ...string[]]>(
  options: T,
  def: T[number],
  why: string,
) {
  return v.optional(
    v.pipe(
      v.picklist(options, `must be one of: ${options.join(', ')}`),
      v.metadata({ why } satisfies FieldMeta),
    ),
    def,
  );
}

export function bool(def: boolean, why: string) {
  return v.optional(
    v.pipe(v.boolean('must be true or false'), v.metadata({ why } satisfies FieldMeta)),
    def,
  );
}

/** An optional override: absent means "take it from the preset". */
export function maybeInt(min: number, max: number, why: string, unit?: string) {
  return v.optional(
    v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number'),
      v.minValue(min, `must be at least ${min}`),
      v.maxValue(max, `must be at most ${max}`),
      v.metadata({ why, unit } satisfies FieldMeta),
    ),
  );
}

/** A finite number within bounds, each failure in words (import limits here, a link's summary in runner/link.ts). */
export const bounded = (min: number, max: number) =>
  v.pipe(
    v.number('must be a number'),
    v.finite('must be a finite number'),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

/** A whole number within bounds. (The spec's own fields spell their pipe out flat: introspect.ts reads it.) */
export const whole = (min: number, max: number) =>
  v.pipe(bounded(min, max), v.integer('must be a whole number'));

/**
 * A reference to a file imported in this browser: only its SHA-256, name and size travel in links
 * and stage hashes; the text stays in the browser's store. Absent means "the world's own data".
 */
export function importRef(
  kind: 'corpus' | 'sft',
  maxBytes: number,
  maxCount: number,
  why: string,
  unit: string,
) {
  return v.optional(
    v.pipe(
      v.strictObject({
        hash: v.pipe(
          v.string('must be text'),
          v.regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 hash (64 lowercase hex digits)'),
        ),
        name: v.pipe(
          v.string('must be text'),
          v.minLength(1, 'must not be empty'),
          v.maxLength(200, 'must be at most 200 characters'),
          v.regex(/^[^\p{Cc}]*$/u, 'must not contain control characters'),
        ),
        bytes: whole(1, maxBytes),
        count: whole(1, maxCount),
      }),
      v.metadata({ why, unit, imports: kind } satisfies FieldMeta),
    ),
  );
}
