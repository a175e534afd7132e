// Imported files in IndexedDB (fake-indexeddb): the v3 upgrade keeps older data, files stay until deleted, a full disk loses nothing.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, openLabDB, type ImportRecord, type LabDatabase } from '../../src/store/db';
import {
  deleteImport,
  getImport,
  ImportStorageFullError,
  listImports,
  saveImport,
} from '../../src/store/imports';
import { Store } from '../../src/store/store';
import type { ImportNeed } from '../../src/spec';

const record = (hash: string, addedAt: number, text = 'One doc.\n\nAnother.'): ImportRecord => ({
  hash,
  name: `${hash}.txt`,
  kind: 'corpus',
  text,
  bytes: text.length,
  count: 2,
  addedAt,
});

describe('imports store', () => {
  it('a version-2 database opens at v3 with its data kept and an empty imports store', async () => {
    expect(DB_VERSION).toBe(3);
    const v2 = await openLabDB('imports-upgrade', 2);
    expect([...v2.objectStoreNames]).not.toContain('imports');
    await v2.put('runs', { runId: 'r1', status: 'done', result: { mean: 4 }, updatedAt: 1 });
    v2.close();
    const store = await Store.open({ name: 'imports-upgrade' });
    expect((await store.getRun('r1'))?.result).toEqual({ mean: 4 });
    expect(await store.missingImports([need('a'.repeat(64))])).toEqual([need('a'.repeat(64))]);
    store.close();
    const db = await openLabDB('imports-upgrade');
    expect(await listImports(db)).toEqual([]);
    db.close();
  });

  it('keeps files by hash until deleted, lists them newest first without their text', async () => {
    const db = await openLabDB('imports-crud');
    await saveImport(db, record('h1', 1));
    await saveImport(db, record('h2', 2));
    await saveImport(db, { ...record('h1', 3), name: 'renamed.txt' });
    const list = await listImports(db);
    expect(list.map((x) => [x.hash, x.name])).toEqual([
      ['h1', 'renamed.txt'],
      ['h2', 'h2.txt'],
    ]);
    expect(list.every((x) => !('text' in x))).toBe(true);
    expect((await getImport(db, 'h2'))?.text).toBe('One doc.\n\nAnother.');
    await deleteImport(db, 'h1');
    expect((await listImports(db)).map((x) => x.hash)).toEqual(['h2']);
    db.close();
    // The runner's store finds what the page stored.
    const store = await Store.open({ name: 'imports-crud' });
    expect(await store.missingImports([need('h2'), need('h3')])).toEqual([need('h3')]);
    expect((await store.getImport('h2'))?.name).toBe('h2.txt');
    store.close();
  });

  it('a quota error says so plainly and evicts nothing: checkpoints, results and other files stay', async () => {
    const store = await Store.open({ name: 'imports-quota' });
    await store.putCheckpoint('pretrain', 'final', {
      stageId: 'p1',
      backend: 'cpu',
      step: 1,
      totalSteps: 1,
      weights: new ArrayBuffer(64),
      lossCurve: [],
    });
    store.close();
    const db = await openLabDB('imports-quota');
    await saveImport(db, record('kept', 1));
    // A disk that is full for anything new.
    const full = new Proxy(db, {
      get(target, key) {
        if (key === 'put')
          return () => Promise.reject(new DOMException('over quota', 'QuotaExceededError'));
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    }) as LabDatabase;
    const big = { ...record('big', 2, 'x'.repeat(3 * 2 ** 20)), name: 'big corpus.txt' };
    const err = await saveImport(full, big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportStorageFullError);
    expect((err as Error).message).toBe(
      'Storage is full: "big corpus.txt" (3.0 MB) was not kept. Nothing else was deleted and the experiment is unchanged; free space under Storage (model weights are recomputed when needed) and import it again.',
    );
    expect((await listImports(db)).map((x) => x.hash)).toEqual(['kept']);
    expect(await db.getKey('checkpoints', 'p1')).toBe('p1');
    db.close();
  });
});

/** What a spec names for a corpus with this hash. */
function need(hash: string): ImportNeed {
  return { kind: 'corpus', ref: { hash, name: `${hash}.txt`, bytes: 1, count: 1 } };
}
