// Imported files in IndexedDB: kept by content hash until the user deletes them; a full disk loses nothing else.
import type { ImportRecord, LabDatabase } from './db';
import { isQuotaError } from './store';

/** What the storage manager lists: everything but the text. */
export type ImportSummary = Omit<ImportRecord, 'text'>;

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

/** The browser refused to store an import: said plainly, with nothing evicted to make room. */
export class ImportStorageFullError extends Error {
  constructor(record: Pick<ImportRecord, 'name' | 'bytes'>, cause: unknown) {
    super(
      `Storage is full: "${record.name}" (${mb(record.bytes)}) was not kept. Nothing else was deleted and the experiment is unchanged; free space under Storage (model weights are recomputed when needed) and import it again.`,
      { cause },
    );
    this.name = 'ImportStorageFullError';
  }
}

/**
 * Keeps a file. Unlike results, an import never makes room by evicting checkpoints: the user is
 * adding data, and should decide what goes. The same text twice is one record (the newer name).
 */
export async function saveImport(db: LabDatabase, record: ImportRecord): Promise<void> {
  try {
    await db.put('imports', record);
  } catch (e) {
    if (isQuotaError(e)) throw new ImportStorageFullError(record, e);
    throw e;
  }
}

export function getImport(db: LabDatabase, hash: string): Promise<ImportRecord | undefined> {
  return db.get('imports', hash);
}

/** Every import, newest first, without its text. */
export async function listImports(db: LabDatabase): Promise<ImportSummary[]> {
  const out: ImportSummary[] = [];
  let cursor = await db.transaction('imports').store.openCursor();
  while (cursor) {
    const { text: _text, ...summary } = cursor.value;
    out.push(summary);
    cursor = await cursor.continue();
  }
  return out.sort((a, b) => b.addedAt - a.addedAt);
}

export async function deleteImport(db: LabDatabase, hash: string): Promise<void> {
  await db.delete('imports', hash);
}
