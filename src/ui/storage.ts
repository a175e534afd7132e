// What the cache holds, store by store, with approximate sizes; and deleting parts of it.
import { openLabDB, type LabDB } from '../store/db';
import type { StoreNames } from 'idb';

export const STORES: { name: StoreNames<LabDB>; title: string; about: string }[] = [
  {
    name: 'runs',
    title: 'Run results',
    about: 'Scores, samples and loss curves of finished runs.',
  },
  {
    name: 'stages',
    title: 'Stage results',
    about: 'Tokenizers, training curves and evaluations; reused by any run that shares a stage.',
  },
  {
    name: 'checkpoints',
    title: 'Model weights',
    about: 'Pretrained and fine-tuned weights, and partial ones to resume from; the largest part.',
  },
  {
    name: 'sweeps',
    title: 'Sweeps',
    about: 'The sweeps this browser ran, so a reload can resume one.',
  },
  {
    name: 'imports',
    title: 'Imported files',
    about: 'Your own data, kept until you delete it (never evicted); listed one by one below.',
  },
];

export interface StoreUsage {
  name: StoreNames<LabDB>;
  count: number;
  bytes: number;
}

/** Bytes of a stored value: buffers exactly, strings at two bytes a character, numbers at eight. */
export function approxBytes(value: unknown, seen = new Set<unknown>()): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'string') return value.length * 2;
  if (typeof value === 'number' || typeof value === 'boolean') return 8;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (typeof value !== 'object' || seen.has(value)) return 0;
  seen.add(value);
  let n = 0;
  for (const [k, v] of Object.entries(value)) n += k.length * 2 + approxBytes(v, seen);
  return n;
}

export async function storageUsage(): Promise<StoreUsage[]> {
  const db = await openLabDB();
  try {
    const out: StoreUsage[] = [];
    for (const { name } of STORES) {
      let bytes = 0;
      let count = 0;
      let cursor = await db.transaction(name).store.openCursor();
      while (cursor) {
        count++;
        bytes += approxBytes(cursor.value);
        cursor = await cursor.continue();
      }
      out.push({ name, count, bytes });
    }
    return out;
  } finally {
    db.close();
  }
}

export async function clearStore(name: StoreNames<LabDB>): Promise<void> {
  const db = await openLabDB();
  try {
    await db.clear(name);
  } finally {
    db.close();
  }
}

export async function estimate(): Promise<{
  usage: number | null;
  quota: number | null;
  persisted: boolean;
}> {
  const s = navigator.storage;
  const e = s?.estimate ? await s.estimate() : {};
  const persisted = s?.persisted ? await s.persisted() : false;
  return { usage: e.usage ?? null, quota: e.quota ?? null, persisted };
}
