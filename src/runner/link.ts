// A compact results summary that rides in a share link beside the spec: a few rounded numbers per run.
import * as v from 'valibot';
import { decodePayload, encodePayload, type Result } from '../spec';
import type { BackendName } from '../engine/api';
import type { LinkSummary, RunResult } from './types';

/** Bumped when the summary's layout changes. */
const SUMMARY_VERSION = 1;

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/** `version.base64url(deflate([sweepId, backend, [[runId, mean, ci95, n, excellent], …]]))`. */
export function summarizeForLink(sweepId: string, backend: BackendName, runs: RunResult[]): string {
  return encodePayload(
    [
      sweepId,
      backend,
      runs.map((r) => [
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

const Payload = v.tuple([
  v.string(),
  v.picklist(['webgpu', 'wasm', 'cpu']),
  v.array(v.tuple([v.string(), v.number(), v.number(), v.number(), v.number()])),
]);

export function decodeLinkSummary(text: string): Result<LinkSummary> {
  const p = decodePayload(text, 'results summary');
  if (!p.ok) return p;
  if (p.value.version !== SUMMARY_VERSION)
    return {
      ok: false,
      errors: [`the results summary has an unknown version (${p.value.version})`],
    };
  const r = v.safeParse(Payload, p.value.value);
  if (!r.success) return { ok: false, errors: ['the results summary is damaged'] };
  const [sweepId, backend, runs] = r.output;
  return {
    ok: true,
    value: {
      sweepId,
      backend,
      runs: runs.map(([runId, mean, ci95, n, excellent]) => ({ runId, mean, ci95, n, excellent })),
    },
  };
}
