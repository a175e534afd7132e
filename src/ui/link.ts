// Reads and writes the experiment in the page's URL fragment (#s=<spec payload>), never executing it.
import { decodeSpec, encodeSpec, presetSpec, DEFAULT_PRESET, type Spec } from '../spec';

export interface LinkState {
  spec: Spec;
  /** What was wrong with the link, if it could not be opened; the default experiment is shown then. */
  error: string[] | null;
  fromLink: boolean;
}

/** The spec a URL fragment describes, or the default experiment plus the reasons the link failed. */
export function readLink(hash: string): LinkState {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const s = params.get('s');
  if (s === null) return { spec: presetSpec(DEFAULT_PRESET), error: null, fromLink: false };
  const r = decodeSpec(s);
  if (r.ok) return { spec: r.value, error: null, fromLink: true };
  return { spec: presetSpec(DEFAULT_PRESET), error: r.errors, fromLink: false };
}

/** A full share URL for `spec` on the current page. */
export function shareUrl(spec: Spec, base: string): string {
  const url = new URL(base);
  url.hash = new URLSearchParams({ s: encodeSpec(spec) }).toString();
  return url.toString();
}
