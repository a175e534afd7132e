// Number and duration formatting shared by the views (d3-format conventions, plain words for durations).
import { format } from 'd3-format';

export const si = format('.3~s');
export const fixed2 = format('.2f');
export const pct = format('.0%');

/** "1 conversation", "6 conversations": a count with its noun, plural unless it is one. */
export function plural(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun.replace(/s$/, '') : noun}`;
}

export function duration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec)) return '—';
  if (sec < 60) return `${Math.max(1, Math.round(sec))} s`;
  if (sec < 3600) return `${Math.round(sec / 60)} min`;
  return `${(sec / 3600).toFixed(1)} h`;
}

export function bytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 2 ** 20) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MB`;
  return `${(n / 2 ** 30).toFixed(2)} GB`;
}

/**
 * The run button's words after a sweep stopped: "Run" when nothing has run yet, "Resume" when
 * some of it is done (a failure, a cancel or a reload midway), "Run again" only after it finished.
 */
/** The sweep's state in words: a sweep that stopped partway (cancelled, failed, or its page closed) says so, not "idle". */
export function statusText(status: string, fraction: number): string {
  return status === 'idle' && fraction > 0 && fraction < 1 ? 'stopped partway' : status;
}

export function runButtonText(status: string, fraction: number): string {
  if (status === 'done') return 'Run again (cached stages are reused)';
  if (fraction > 0) return 'Resume (finished stages and the last checkpoint are kept)';
  return 'Run';
}
