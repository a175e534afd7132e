// The editor's state: field texts as typed, validated against the schema; only a valid spec reaches the page.
import { expandSweep, fieldInfo, FIELDS, parseSpec, type FieldInfo, type Spec } from '../spec';
import { getPath, setPath } from '../util/paths';
import type { Lab } from './lab.svelte';

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

export class EditorState {
  /** Values typed but not yet valid as a whole, keyed by path. */
  private pending: Record<string, unknown> = {};
  axes: AxisDraft[] = $state([]);
  /** Validation messages keyed by field path, 'sweep', a section or 'general'. */
  errors: Record<string, string[]> = $state({});

  constructor(private lab: Lab) {
    this.reset();
  }

  /** Forget drafts: the spec was replaced from outside (a preset, a lesson, a link). */
  reset(): void {
    this.pending = {};
    this.errors = {};
    this.axes = this.lab.spec.sweep.axes.map((a) => ({ path: a.path, text: a.values.join(', ') }));
  }

  get valid(): boolean {
    return Object.keys(this.errors).length === 0;
  }

  setField(path: string, text: string): void {
    const info = fieldInfo(path);
    if (!info) return;
    const r = parseFieldText(info, text);
    if ('error' in r) {
      this.pending[path] = text;
      this.validate({ [path]: [r.error] });
      return;
    }
    this.pending[path] = r.value;
    this.validate();
  }

  setAxes(axes: AxisDraft[]): void {
    this.axes = axes;
    this.validate();
  }

  /** Applies every pending value and the axes; commits to the page only when the whole spec is valid. */
  private validate(extra: Record<string, string[]> = {}): void {
    const errors: Record<string, string[]> = { ...extra };
    const add = (key: string, msg: string) => (errors[key] ??= []).push(msg);
    let candidate: unknown = this.lab.spec;
    for (const [path, value] of Object.entries(this.pending)) {
      if (!(path in extra)) candidate = setPath(candidate, path, value);
    }
    const axes: { path: string; values: SweepValue[] }[] = [];
    this.axes.forEach((a, i) => {
      const r = parseAxisText(a.path, a.text);
      if ('error' in r) add('sweep', `axis ${i + 1} (${a.path}): ${r.error}`);
      else axes.push({ path: a.path, values: r.values });
    });
    candidate = setPath(candidate, 'sweep.axes', axes);
    const parsed = parseSpec(candidate);
    if (!parsed.ok) parsed.errors.forEach((e) => add(errorTarget(e), e));
    else {
      const runs = expandSweep(parsed.value);
      if (!runs.ok) runs.errors.forEach((e) => add('sweep', e));
    }
    this.errors = errors;
    if (Object.keys(errors).length === 0 && parsed.ok) {
      this.pending = {};
      this.lab.setSpec(parsed.value);
    }
  }
}
