// The IndexedDB schema (idb): stores, their records, and the upgrade path as ordered, tested steps.
import {
  openDB,
  type DBSchema,
  type IDBPDatabase,
  type IDBPTransaction,
  type StoreNames,
} from 'idb';
import type {
  BackendName,
  Checkpoint,
  DataArtifact,
  EvalResult,
  KnowledgeProbe,
  LossPoint,
} from '../engine/api';
import type { Spec } from '../spec';

export const DB_NAME = 'lima-lab';

/** A training stage's outcome (its weights live in `checkpoints`). */
export interface TrainRecord {
  stageId: string;
  stage: 'pretrain' | 'finetune';
  backend: BackendName;
  lossCurve: LossPoint[];
  ms: number;
  tokensPerSec: number;
  diverged?: { step: number; message: string };
  /** Pretraining only (absent in records from before the probe existed). */
  knowledge?: KnowledgeProbe;
  finishedAt: number;
}

/** One stage's result, kept forever: never evicted. */
export type StageRecord =
  | { stageId: string; stage: 'data'; data: DataArtifact; finishedAt: number }
  | ({ stage: 'pretrain' | 'finetune' } & TrainRecord)
  | { stageId: string; stage: 'eval'; eval: EvalResult; finishedAt: number };

/** Weights of a stage: 'partial' ones resume training, 'final' ones feed the next stage. */
export interface CheckpointRecord {
  stageId: string;
  stage: 'pretrain' | 'finetune';
  kind: 'partial' | 'final';
  checkpoint: Checkpoint;
  bytes: number;
  /** ms since epoch of the last read or write: the LRU order of eviction. */
  lastUsed: number;
}

/** A finished run; its result's shape belongs to the runner (kept opaque here, so the store stays below it). */
export interface RunRecord<R = unknown> {
  runId: string;
  status: 'done' | 'failed';
  result: R;
  updatedAt: number;
}

/** The sweep this browser last ran, so a reload can offer to resume it. */
export interface SweepRecord {
  sweepId: string;
  spec: Spec;
  shard: { k: number; n: number } | null;
  status: 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
  updatedAt: number;
}

/**
 * A file imported in this browser, keyed by the SHA-256 of its text (what specs name). Kept until
 * the user deletes it: it cannot be recomputed, so it is never evicted like a checkpoint.
 */
export interface ImportRecord {
  hash: string;
  name: string;
  /** What it was imported as; a spec's field decides what a run uses it for. */
  kind: 'corpus' | 'sft';
  text: string;
  /** UTF-8 bytes of the text. */
  bytes: number;
  /** Documents (corpus) or conversations (JSONL). */
  count: number;
  /** ms since epoch. */
  addedAt: number;
}

export interface LabDB extends DBSchema {
  stages: { key: string; value: StageRecord };
  checkpoints: { key: string; value: CheckpointRecord; indexes: { lastUsed: number } };
  runs: { key: string; value: RunRecord };
  sweeps: { key: string; value: SweepRecord; indexes: { updatedAt: number } };
  imports: { key: string; value: ImportRecord };
}

type UpgradeTx = IDBPTransaction<LabDB, StoreNames<LabDB>[], 'versionchange'>;

/**
 * Upgrade steps, in order: step i takes a database at version i to version i + 1. A browser
 * that last ran version 1 gets steps 1.. applied, and keeps its data.
 * v1: stage results, checkpoints and runs.
 * v2: the checkpoints' LRU index (eviction under a size budget) and the sweeps store (resume after a reload).
 * v3: the imports store (your own data, by content hash).
 */
export const UPGRADES: ((db: IDBPDatabase<LabDB>, tx: UpgradeTx) => void)[] = [
  (db) => {
    db.createObjectStore('stages', { keyPath: 'stageId' });
    db.createObjectStore('checkpoints', { keyPath: 'stageId' });
    db.createObjectStore('runs', { keyPath: 'runId' });
  },
  (db, tx) => {
    tx.objectStore('checkpoints').createIndex('lastUsed', 'lastUsed');
    db.createObjectStore('sweeps', { keyPath: 'sweepId' }).createIndex('updatedAt', 'updatedAt');
  },
  (db) => {
    db.createObjectStore('imports', { keyPath: 'hash' });
  },
];

export const DB_VERSION = UPGRADES.length;

/** Opens (creating or upgrading) the database at `version` (tests open older versions). */
export function openLabDB(name = DB_NAME, version = DB_VERSION): Promise<IDBPDatabase<LabDB>> {
  return openDB<LabDB>(name, version, {
    upgrade(db, oldVersion, newVersion, tx) {
      for (let v = oldVersion; v < (newVersion ?? version); v++) UPGRADES[v](db, tx);
    },
    blocking(_current, _next, event) {
      // Another tab wants a newer schema: step aside so it can upgrade.
      (event.target as IDBDatabase).close();
    },
  });
}

export type LabDatabase = IDBPDatabase<LabDB>;
