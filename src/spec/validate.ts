// Parse unknown input into a Spec, with every problem spelled out as "path: what is wrong".
import * as v from 'valibot';
import { SpecSchema, type Spec } from './schema';
import { shapeIssues } from './shape';

export type Result<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Human-readable lines for valibot issues: `finetune.examples: must be at most 65536 (got 70000)`. */
export function formatIssues(issues: readonly v.BaseIssue<unknown>[]): string[] {
  return issues.map((issue) => {
    const path = v.getDotPath(issue);
    if (issue.type === 'strict_object' && issue.received !== 'never') {
      return `${path ?? '(top level)'}: unknown setting`;
    }
    const got = issue.input === undefined ? '' : ` (got ${preview(issue.input)})`;
    return path ? `${path}: ${issue.message}${got}` : issue.message;
  });
}

function preview(x: unknown): string {
  const s = typeof x === 'string' ? JSON.stringify(x) : (JSON.stringify(x) ?? String(x));
  return s.length > 40 ? s.slice(0, 37) + '…' : s;
}

/**
 * `input` checked against `schema`, shape first: a value whose shape is not what it claims (a list
 * for a section) is refused whole, never read as that section's defaults.
 */
export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
): Result<v.InferOutput<S>> {
  const shape = shapeIssues(schema, input);
  if (shape.length) return { ok: false, errors: shape };
  const r = v.safeParse(schema, input);
  if (r.success) return { ok: true, value: r.output };
  return { ok: false, errors: formatIssues(r.issues) };
}

export function parseSpec(input: unknown): Result<Spec> {
  return parseWith(SpecSchema, input);
}
