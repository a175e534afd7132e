// Imported files inside the engine: verified against the spec's hash, parsed once, looked up by the data build.
import { parseCorpus, parseJsonl } from '../data/import';
import { importsUsed, MissingImportError, type ImportKind, type Spec } from '../spec';
import { textSha256 } from '../util/hash';
import type { Conversation } from '../world/types';
import type { ImportFile } from './api';

type Parsed =
  | { kind: 'corpus'; hash: string; name: string; docs: string[] }
  | { kind: 'sft'; hash: string; name: string; conversations: Conversation[] };

/** Keyed by kind and hash: the same text may be a corpus in one spec and (if it parses) SFT in another. */
let parsed = new Map<string, Parsed>();
const keyOf = (kind: ImportKind, hash: string) => `${kind}:${hash}`;

/** Re-parses with the same code the import panel used, so the engine trains on what was previewed. */
function parse(file: ImportFile): Parsed {
  const actual = textSha256(file.text);
  if (actual !== file.hash) {
    throw new Error(
      `the imported file "${file.name}" does not match the experiment: its SHA-256 is ${actual.slice(0, 12)}…, the experiment names ${file.hash.slice(0, 12)}… — import the same file again`,
    );
  }
  const bad = (errors: string[]) =>
    new Error(`the imported file "${file.name}" does not parse: ${errors.slice(0, 3).join('; ')}`);
  if (file.kind === 'corpus') {
    const r = parseCorpus(file.text, file.name);
    if (!r.ok) throw bad(r.errors);
    return { kind: 'corpus', hash: file.hash, name: file.name, docs: r.value };
  }
  const r = parseJsonl(file.text, file.name);
  if (!r.ok) throw bad(r.errors);
  return { kind: 'sft', hash: file.hash, name: file.name, conversations: r.value };
}

/**
 * Replaces the engine's imports with `files`. Every text is hashed again (what arrives is what
 * trains); only the parse of a text already seen is reused.
 */
export function useImports(
  files: ImportFile[],
): { hash: string; kind: ImportKind; count: number }[] {
  const next = new Map<string, Parsed>();
  for (const f of files) {
    const key = keyOf(f.kind, f.hash);
    const known = parsed.get(key) ?? next.get(key);
    next.set(key, known && textSha256(f.text) === f.hash ? known : parse(f));
  }
  parsed = next;
  return [...next.values()].map((p) => ({
    hash: p.hash,
    kind: p.kind,
    count: p.kind === 'corpus' ? p.docs.length : p.conversations.length,
  }));
}

function lookup(spec: Spec, stage: 'data' | 'finetune', kind: ImportKind): Parsed | null {
  const need = importsUsed(spec, stage).find((n) => n.kind === kind);
  if (!need) return null;
  const p = parsed.get(keyOf(kind, need.ref.hash));
  if (!p) throw new MissingImportError([need]);
  return p;
}

/** The imported pretraining documents the spec names ([] for the world's corpus alone). */
export function importedDocs(spec: Spec): string[] {
  const p = lookup(spec, 'data', 'corpus');
  return p?.kind === 'corpus' ? p.docs : [];
}

/** The imported fine-tuning conversations the spec names, or null for the world's SFT set. */
export function importedConversations(spec: Spec): Conversation[] | null {
  const p = lookup(spec, 'finetune', 'sft');
  return p?.kind === 'sft' ? p.conversations : null;
}
