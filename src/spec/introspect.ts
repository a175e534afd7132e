// Reads the schema back as plain field descriptions (kind, bounds, default, why) for the editor, docs and tests.
import type * as v from 'valibot';
import { SECTIONS } from './schema';
import type { FieldMeta } from './fields';

export interface FieldInfo {
  path: string;
  section: string;
  /** 'import': a reference to an imported file (see `importRef`), set from the import panel. */
  kind: 'int' | 'number' | 'choice' | 'bool' | 'import';
  /** For kind 'import': what the file is used as. */
  imports?: 'corpus' | 'sft';
  min?: number;
  max?: number;
  options?: string[];
  /** undefined for optional overrides (the preset decides). */
  default: number | string | boolean | undefined;
  why: string;
  unit?: string;
}

type AnySchema = v.BaseSchema<unknown, unknown, v.BaseIssue<unknown>> & {
  type: string;
  wrapped?: AnySchema;
  default?: unknown;
  entries?: Record<string, AnySchema>;
  pipe?: { type: string; requirement?: unknown; metadata?: unknown; options?: string[] }[];
  options?: string[];
};

function describe(path: string, section: string, schema: AnySchema): FieldInfo | null {
  const def = schema.type === 'optional' ? (schema.default as FieldInfo['default']) : undefined;
  const inner = schema.type === 'optional' && schema.wrapped ? schema.wrapped : schema;
  const pipe = inner.pipe ?? [];
  const base = pipe[0] as unknown as AnySchema | undefined;
  const meta = pipe.find((p) => p.type === 'metadata')?.metadata as FieldMeta | undefined;
  if (!base || !meta) return null;
  const req = (t: string) => pipe.find((p) => p.type === t)?.requirement as number | undefined;
  const info: FieldInfo = {
    path,
    section,
    kind: 'number',
    default: def,
    why: meta.why,
    unit: meta.unit,
  };
  if (base.type === 'number') {
    info.kind = pipe.some((p) => p.type === 'integer') ? 'int' : 'number';
    info.min = req('min_value');
    info.max = req('max_value');
  } else if (base.type === 'picklist') {
    info.kind = 'choice';
    info.options = [...(base.options ?? [])];
  } else if (base.type === 'boolean') {
    info.kind = 'bool';
  } else if (base.type === 'strict_object' && meta.imports) {
    info.kind = 'import';
    info.imports = meta.imports;
  } else {
    return null;
  }
  return info;
}

/** Every editable field of the spec, in schema order (the sweep's axes are edited separately). */
export const FIELDS: readonly FieldInfo[] = Object.entries(SECTIONS).flatMap(([key, raw]) => {
  const schema = raw as unknown as AnySchema;
  const inner = schema.type === 'optional' && schema.wrapped ? schema.wrapped : schema;
  if (inner.entries) {
    return Object.entries(inner.entries)
      .map(([f, s]) => describe(`${key}.${f}`, key, s))
      .filter((x): x is FieldInfo => x !== null);
  }
  const top = describe(key, 'experiment', schema);
  return top ? [top] : [];
});

export function fieldInfo(path: string): FieldInfo | undefined {
  return FIELDS.find((f) => f.path === path);
}
