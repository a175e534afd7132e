// Share-link codec: a spec's non-default values, versioned, deflated and base64url-encoded; decoding validates.
import { Inflate, deflateSync, strToU8 } from 'fflate';
import { deepDiff, deepMerge, isPlainObject } from '../util/paths';
import { migrate } from './migrate';
import { SPEC_VERSION, defaultSpec, type Spec } from './schema';
import { expandSweep } from './sweep';
import { parseSpec, type Result } from './validate';

/** Longest encoded payload accepted (browsers keep far longer URLs; this bounds the work of decoding). */
export const MAX_LINK_CHARS = 16_384;
/** Largest decompressed payload accepted: guards against a deflate bomb. */
export const MAX_PAYLOAD_BYTES = 65_536;

export function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) throw new Error('not base64url');
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Any JSON value → `version.base64url(deflate(json))`. */
export function encodePayload(value: unknown, version = SPEC_VERSION): string {
  return `${version}.${toBase64Url(deflateSync(strToU8(JSON.stringify(value)), { level: 9 }))}`;
}

/** The inverse of `encodePayload`, with a specific message for each way a link can be broken. */
export function decodePayload(
  text: string,
  what = 'link',
): Result<{ version: number; value: unknown }> {
  const fail = (e: string): Result<never> => ({ ok: false, errors: [e] });
  if (text.length > MAX_LINK_CHARS) {
    return fail(
      `the ${what} is too long (${text.length} characters; the limit is ${MAX_LINK_CHARS})`,
    );
  }
  const m = /^(\d{1,4})\.([A-Za-z0-9_-]+)$/.exec(text);
  if (!m)
    return fail(
      `the ${what} is malformed: expected "<version>.<data>" in letters, digits, - and _`,
    );
  const version = Number(m[1]);
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(m[2]);
  } catch {
    return fail(`the ${what}'s data is not valid base64url — was the link cut short or edited?`);
  }
  let inflated: Uint8Array;
  try {
    inflated = inflateBounded(bytes, MAX_PAYLOAD_BYTES);
  } catch (e) {
    return fail(`the ${what}'s data ${(e as Error).message}`);
  }
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
  } catch {
    return fail(`the ${what}'s data is not UTF-8 text`);
  }
  try {
    return { ok: true, value: { version, value: JSON.parse(json) as unknown } };
  } catch {
    return fail(`the ${what}'s data is not valid JSON`);
  }
}

function inflateBounded(bytes: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let size = 0;
  let done = false;
  const inflater = new Inflate((chunk, final) => {
    size += chunk.length;
    if (size > limit) throw new Error(`expands to more than ${limit / 1024} KB`);
    chunks.push(chunk);
    if (final) done = true;
  });
  try {
    inflater.push(bytes, true);
  } catch (e) {
    if ((e as Error).message.startsWith('expands')) throw e;
    throw new Error('is corrupt or truncated (it does not decompress)', { cause: e });
  }
  if (!done) throw new Error('is truncated (the compressed stream ends early)');
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** A spec as its share-link payload: only values that differ from the defaults travel. */
export function encodeSpec(spec: Spec): string {
  return encodePayload(deepDiff(spec, defaultSpec()) ?? {});
}

/** A share-link payload back to a valid spec, or the list of what is wrong with it. */
export function decodeSpec(text: string): Result<Spec> {
  const payload = decodePayload(text);
  if (!payload.ok) return payload;
  let override: unknown;
  try {
    override = migrate(payload.value.version, payload.value.value);
  } catch (e) {
    return { ok: false, errors: [(e as Error).message] };
  }
  if (!isPlainObject(override))
    return {
      ok: false,
      errors: ['the link does not describe an experiment (expected an object of settings)'],
    };
  let merged: unknown;
  try {
    merged = deepMerge(defaultSpec(), override);
  } catch (e) {
    return { ok: false, errors: [`the link is not a valid experiment: ${(e as Error).message}`] };
  }
  const parsed = parseSpec(merged);
  if (!parsed.ok) return parsed;
  const runs = expandSweep(parsed.value);
  if (!runs.ok) return runs;
  return parsed;
}
