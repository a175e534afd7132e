// The page's side of imported files: keep a checked file in the store, list and delete them, find what a spec lacks.
import { importsNamed, type ImportKind, type ImportNeed, type ImportRef, type Spec } from '../spec';
import { openLabDB } from '../store/db';
import { deleteImport, listImports, saveImport, type ImportSummary } from '../store/imports';
import { missingOf } from '../store/store';
import { textSha256 } from '../util/hash';

export type { ImportSummary };

async function withDb<T>(f: (db: Awaited<ReturnType<typeof openLabDB>>) => Promise<T>): Promise<T> {
  const db = await openLabDB();
  try {
    return await f(db);
  } finally {
    db.close();
  }
}

/**
 * Stores a file that checked out and returns the reference a spec holds. The hash is over the text
 * as read (UTF-8), which is what the engine verifies; `count` is its documents or conversations.
 */
export async function keepImport(
  kind: ImportKind,
  name: string,
  text: string,
  count: number,
): Promise<ImportRef> {
  const ref: ImportRef = {
    hash: textSha256(text),
    // The spec's bounds on a name: no control characters, at most 200 characters.
    name: name.replace(/\p{Cc}/gu, '').slice(0, 200) || 'imported file',
    bytes: new TextEncoder().encode(text).length,
    count,
  };
  await withDb((db) => saveImport(db, { ...ref, kind, text, addedAt: Date.now() }));
  return ref;
}

export function importSummaries(): Promise<ImportSummary[]> {
  return withDb(listImports);
}

export function removeImport(hash: string): Promise<void> {
  return withDb((db) => deleteImport(db, hash));
}

/** The imports a spec names that this browser does not hold (a link from someone else's). */
export function missingIn(spec: Spec): Promise<ImportNeed[]> {
  const named = importsNamed(spec);
  return named.length === 0 ? Promise.resolve([]) : withDb((db) => missingOf(db, named));
}
