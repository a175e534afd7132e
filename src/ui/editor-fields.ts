// Editor helpers: typed text to spec values, sweep axes from comma lists, and which field an error is about.
import { fieldInfo, FIELDS, type FieldInfo, type Spec } from '../spec';
import { getPath } from '../util/paths';

export type SweepValue = number | string | boolean;
export interface AxisDraft {
  path: string;
  /** Comma-separated values as typed. */
  text: string;
}

/** A field's value as the input shows it ('' for an override the preset decides). */
export function fieldText(spec: Spec, path: string): string {
  const v = getPath(spec, path);
  return v === undefined ? '' : String(v);
}

/** Typed text → the value to validate; numbers are checked by the schema, so bounds come from it. */
export function parseFieldText(
  info: FieldInfo,
  text: string,
): { value: unknown } | { error: string } {
  const t = text.trim();
  if (info.kind === 'bool') return { value: t === 'true' };
  if (info.kind === 'choice') return { value: t };
  if (t === '')
    return info.default === undefined ? { value: undefined } : { error: 'must be a number' };
  const n = Number(t);
  return Number.isNaN(n) ? { error: `must be a number (got "${t}")` } : { value: n };
}

/** One axis's typed values → sweep values of the swept field's kind. */
export function parseAxisText(
  path: string,
  text: string,
): { values: SweepValue[] } | { error: string } {
  const info = fieldInfo(path);
  const parts = text
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (parts.length === 0) return { error: 'list at least one value, separated by commas' };
  const values: SweepValue[] = [];
  for (const p of parts) {
    if (info?.kind === 'bool') {
      if (p !== 'true' && p !== 'false') return { error: `"${p}" should be true or false` };
      values.push(p === 'true');
    } else if (info?.kind === 'choice') {
      values.push(p);
    } else {
      const n = Number(p);
      if (Number.isNaN(n)) return { error: `"${p}" is not a number` };
      values.push(n);
    }
  }
  return { values };
}

/** The field (or section) an error line is about: the longest known path it starts with. */
export function errorTarget(line: string): string {
  const m = /^sweep point [^:]*: (.*)$/.exec(line);
  const body = m ? m[1] : line;
  const keys = [...FIELDS.map((f) => f.path), 'sweep', 'model', 'world', 'data'];
  const hit = keys
    .filter((k) => body.startsWith(`${k}:`) || body.startsWith(`${k}.`))
    .sort((a, b) => b.length - a.length)[0];
  return m ? 'sweep' : (hit ?? 'general');
}
