// Content hashes: canonical JSON (RFC 8785 key order) through SHA-256, so key order never changes an id.
import canonicalize from 'canonicalize';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Hex SHA-256 of a value's canonical JSON; 16 hex digits (64 bits) is plenty for a cache key. */
export function contentHash(value: unknown, length = 16): string {
  const json = canonicalize(value);
  if (json === undefined) throw new Error('contentHash: value is not JSON-serialisable');
  return bytesToHex(sha256(utf8ToBytes(json))).slice(0, length);
}

/** Hash of an ordered list of parts (strings and numbers), full length. */
export function hashParts(parts: readonly (string | number)[]): string {
  return contentHash(parts, 64);
}

/** Hex SHA-256 of raw bytes, e.g. an imported file. */
export function bytesHash(bytes: Uint8Array, length = 16): string {
  return bytesToHex(sha256(bytes)).slice(0, length);
}

/**
 * Full hex SHA-256 of a text's UTF-8 bytes: the identity of an imported file. Hashing the text (not
 * the raw file) lets the engine verify what it was handed; for a UTF-8 file it is the file's hash.
 */
export function textSha256(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}
