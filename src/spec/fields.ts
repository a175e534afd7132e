// Field builders for the spec schema: every field gets a default, bounds and a why-comment the editor shows.
import * as v from 'valibot';

/** What the editor and docs read off each field: why it exists, and its unit if any. */
export interface FieldMeta {
  why: string;
  unit?: string;
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
