// The editor's state: field texts as typed, validated against the schema; only a valid spec reaches the page.
import { expandSweep, fieldInfo, parseSpec } from '../spec';
import { setPath } from '../util/paths';
import {
  errorTarget,
  parseAxisText,
  parseFieldText,
  type AxisDraft,
  type SweepValue,
} from './editor-fields';
import type { Lab } from './lab.svelte';

export type { AxisDraft } from './editor-fields';

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
