// A compact results summary that rides in a share link beside the spec: a few rounded numbers per run.
import * as v from 'valibot';
import {
  bounded,
  decodePayload,
  encodePayload,
  LIMITS,
  parseWith,
  whole,
  type Result,
} from '../spec';
import type { BackendName } from '../engine/api';
import type { LinkSummary, RunResult } from './types';

/** Bumped when the summary's layout changes. */
const SUMMARY_VERSION = 1;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** A run with no judged response (or a diverged one) has no mean to share. */
const linkable = (r: RunResult) => r.summary.n >= 1 && Number.isFinite(r.summary.mean);

/** `version.base64url(deflate([sweepId, backend, [[runId, mean, ci95, n, excellent], …]]))`. */
export function summarizeForLink(sweepId: string, backend: BackendName, runs: RunResult[]): string {
  return encodePayload(
    [
      sweepId,
      backend,
      runs
        .filter(linkable)
        .map((r) => [
          r.runId,
          round(r.summary.mean, 3),
          round(Number.isFinite(r.summary.ci95) ? r.summary.ci95 : 0, 3),
          r.summary.n,
          round(r.summary.excellent, 3),
        ]),
    ],
    SUMMARY_VERSION,
  );
}

/** Stage and sweep ids are hex content hashes. */
const Id = v.pipe(v.string('must be text'), v.regex(/^[0-9a-f]{8,64}$/, 'must be a hex id'));
/** A row as `summarizeForLink` writes it: exactly five items, each within what a judged run can give. */
const Row = v.strictTuple([
  Id,
  bounded(1, 6), // the judge scores 1–6, so a mean lies between
  bounded(0, 1e3), // a 95% half-width: finite and non-negative
  whole(1, 1e9), // judged responses
  bounded(0, 1), // share of excellent (6) scores
]);
const Payload = v.strictTuple([
  Id,
  v.picklist(['webgpu', 'wasm', 'cpu'], 'must be webgpu, wasm or cpu'),
  v.pipe(
    v.array(Row, 'must be a list of runs'),
    v.maxLength(LIMITS.maxRuns, `must list at most ${LIMITS.maxRuns} runs`),
  ),
]);

const COLUMNS = ['id', 'mean', '95% interval', 'response count', 'excellent share'];

/** "2.3.1: must be …" → "run 4, mean: must be …": where in the summary, in words. */
function located(error: string): string {
  const m = /^(\d+)(?:\.(\d+)(?:\.(\d+))?)?: (.*)$/s.exec(error);
  if (!m) return error;
  const [, top, row, col, what] = m;
  if (top === '0') return `sweep id: ${what}`;
  if (top === '1') return `backend: ${what}`;
  if (top === '2' && row === undefined) return `runs: ${what}`;
  if (top === '2' && col === undefined) return `run ${Number(row) + 1}: ${what}`;
  if (top === '2') return `run ${Number(row) + 1}, ${COLUMNS[Number(col)] ?? col}: ${what}`;
  return error;
}

export function decodeLinkSummary(text: string): Result<LinkSummary> {
  const p = decodePayload(text, 'results summary');
  if (!p.ok) return p;
  if (p.value.version !== SUMMARY_VERSION)
    return {
      ok: false,
      errors: [`the results summary has an unknown version (${p.value.version})`],
    };
  const r = parseWith(Payload, p.value.value);
  if (!r.ok)
    return {
      ok: false,
      errors: r.errors.slice(0, 5).map((e) => `the results summary is damaged: ${located(e)}`),
    };
  const [sweepId, backend, runs] = r.value;
  return {
    ok: true,
    value: {
      sweepId,
      backend,
      runs: runs.map(([runId, mean, ci95, n, excellent]) => ({ runId, mean, ci95, n, excellent })),
    },
  };
}
