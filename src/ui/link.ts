// Reads and writes the page's URL fragment: the experiment (#s=…), the view, workshop flags and shared results.
import { decodeSpec, encodeSpec, presetSpec, DEFAULT_PRESET, type Spec } from '../spec';
import { parseShard } from '../runner/plan';
import type { Shard } from '../runner/types';

export const VIEWS = [
  'start',
  'editor',
  'run',
  'results',
  'samples',
  'workshop',
  'device',
] as const;
export type View = (typeof VIEWS)[number];

/** The tabs' names as the header shows them (the workshop's hide list uses them too). */
export const VIEW_TITLES: Record<View, string> = {
  start: 'Start',
  editor: 'Experiment',
  run: 'Run',
  results: 'Results',
  samples: 'Samples',
  workshop: 'Workshop',
  device: 'Device & data',
};

/** Largest room a shard link may split a sweep across. */

export interface PageLink {
  spec: Spec;
  /** What was wrong with the link, if it could not be opened; the default experiment is shown then. */
  error: string[] | null;
  fromLink: boolean;
  view: View;
  /** Workshop flags: tabs, editor sections, single fields or `advanced` to hide (TensorFlow Playground style). */
  hide: string[];
  shard: Shard | null;
  /** 1-based lesson of the workshop sequence, when the link opens one. */
  lesson: number | null;
  /** The sharer's results summary payload (`r=`), decoded by the runner's link module. */
  results: string | null;
}

/** The page state a URL fragment describes; a broken part falls back to its default and says why. */
export function readLink(hash: string): PageLink {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const errors: string[] = [];
  let spec = presetSpec(DEFAULT_PRESET);
  let fromLink = false;
  const s = params.get('s');
  if (s !== null) {
    const r = decodeSpec(s);
    if (r.ok) {
      spec = r.value;
      fromLink = true;
    } else errors.push(...r.errors);
  }
  const viewText = params.get('view');
  const view = VIEWS.find((v) => v === viewText) ?? 'start';
  if (viewText !== null && viewText !== view) errors.push(`unknown view "${viewText}"`);
  const hide = (params.get('hide') ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  let shard: Shard | null = null;
  const shardText = params.get('shard');
  if (shardText !== null) {
    const r = parseShard(shardText);
    if (r.ok) shard = r.value;
    else errors.push(...r.errors);
  }
  let lesson: number | null = null;
  const lessonText = params.get('lesson');
  if (lessonText !== null) {
    const n = Number(lessonText);
    if (Number.isInteger(n) && n >= 1) lesson = n;
    else errors.push(`lesson "${lessonText}" should be a lesson number (1, 2, …)`);
  }
  return {
    spec,
    error: errors.length ? errors : null,
    fromLink,
    view,
    hide,
    shard,
    lesson,
    results: fromLink ? params.get('r') : null,
  };
}

export interface LinkParts {
  spec: Spec;
  view?: View;
  hide?: readonly string[];
  shard?: Shard | null;
  lesson?: number | null;
  results?: string | null;
}

/**
 * The fragment for a page state. The default experiment has no `s` at all, and only
 * non-default values travel in it, so links stay short and readable.
 */
export function linkHash(p: LinkParts): string {
  const params = new URLSearchParams();
  const isDefault = encodeSpec(p.spec) === encodeSpec(presetSpec(DEFAULT_PRESET));
  if (!isDefault || p.results) params.set('s', encodeSpec(p.spec));
  if (p.results) params.set('r', p.results);
  if (p.view && p.view !== 'start') params.set('view', p.view);
  if (p.hide?.length) params.set('hide', p.hide.join(','));
  if (p.shard) params.set('shard', `${p.shard.k}/${p.shard.n}`);
  if (p.lesson) params.set('lesson', String(p.lesson));
  const text = params.toString().replace(/%2C/g, ',').replace(/%2F/g, '/');
  return text ? `#${text}` : '';
}

/** A full URL for the page state on the current page's origin and path. */
export function shareUrl(p: LinkParts, base: string): string {
  const url = new URL(base);
  url.hash = linkHash(p);
  return url.toString();
}
