// Access to the lab's IndexedDB: results kept forever, checkpoints evicted least-recently-used, quota errors survived.
import type { Checkpoint } from '../engine/api';
import type { ImportNeed } from '../spec';
import {
  openLabDB,
  type CheckpointRecord,
  type ImportRecord,
  type LabDatabase,
  type RunRecord,
  type StageRecord,
  type SweepRecord,
} from './db';

/** Checkpoint bytes kept by default (a budget; the browser's own quota may be lower). */
export const DEFAULT_CHECKPOINT_BUDGET = 1024 ** 3;

export function checkpointBytes(c: Checkpoint): number {
  return c.weights.byteLength + (c.optimizer?.byteLength ?? 0);
}

/** The named imports this browser does not hold (a key lookup: no text is read). */
export async function missingOf(
  db: LabDatabase,
  needs: readonly ImportNeed[],
): Promise<ImportNeed[]> {
  const out: ImportNeed[] = [];
  for (const n of needs) if ((await db.getKey('imports', n.ref.hash)) === undefined) out.push(n);
  return out;
}

export function isQuotaError(e: unknown): boolean {
  for (let x = e; x; x = (x as { cause?: unknown }).cause) {
    const name = (x as { name?: string }).name;
    if (name === 'QuotaExceededError') return true;
    if (typeof (x as { message?: unknown }).message === 'string') {
      if (/quota/i.test((x as { message: string }).message)) return true;
    }
    if (x === (x as { cause?: unknown }).cause) break;
  }
  return false;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

function describe(
  r: Pick<CheckpointRecord, 'stage' | 'stageId' | 'kind' | 'bytes' | 'checkpoint'>,
) {
  const at =
    r.kind === 'partial' ? `step ${r.checkpoint.step}/${r.checkpoint.totalSteps}` : 'final';
  return `${r.stage} checkpoint ${r.stageId.slice(0, 8)} (${at}, ${mb(r.bytes)})`;
}

export interface StorageInfo {
  usage: number | null;
  quota: number | null;
  persisted: boolean;
  /** Bytes of checkpoints kept; they are evicted least-recently-used above `budget`. */
  checkpointBytes: number;
  budget: number;
}

export interface StoreOptions {
  name?: string;
  budget?: number;
  /** Told, in words, about every checkpoint dropped to make room. */
  onDropped?: (text: string) => void;
}

/** `R` is the runner's run result: the store keeps it as it is given. */
export class Store<R = unknown> {
  readonly budget: number;
  /** Checkpoints not to evict while a stage needs them (stage ids). */
  readonly pinned = new Set<string>();
  private readonly onDropped: (text: string) => void;

  private constructor(
    private readonly db: LabDatabase,
    o: StoreOptions,
  ) {
    this.budget = o.budget ?? DEFAULT_CHECKPOINT_BUDGET;
    this.onDropped = o.onDropped ?? (() => {});
  }

  static async open<R = unknown>(o: StoreOptions = {}): Promise<Store<R>> {
    return new Store<R>(await openLabDB(o.name), o);
  }

  close(): void {
    this.db.close();
  }

  getStage(stageId: string): Promise<StageRecord | undefined> {
    return this.db.get('stages', stageId);
  }

  async hasStage(stageId: string): Promise<boolean> {
    return (await this.db.getKey('stages', stageId)) !== undefined;
  }

  /** Results are written at once; on a full disk checkpoints make room, never results. */
  async putStage(record: StageRecord): Promise<void> {
    await this.withRoom(() => this.db.put('stages', record), 'a result');
  }

  async getRun(runId: string): Promise<RunRecord<R> | undefined> {
    return (await this.db.get('runs', runId)) as RunRecord<R> | undefined;
  }

  async putRun(record: RunRecord<R>): Promise<void> {
    await this.withRoom(() => this.db.put('runs', record), 'a result');
  }

  /** An imported file by the hash a spec names (imports are written by the page, see `imports.ts`). */
  getImport(hash: string): Promise<ImportRecord | undefined> {
    return this.db.get('imports', hash);
  }

  /** The needed imports this browser does not hold. */
  missingImports(needs: readonly ImportNeed[]): Promise<ImportNeed[]> {
    return missingOf(this.db, needs);
  }

  getSweep(sweepId: string): Promise<SweepRecord | undefined> {
    return this.db.get('sweeps', sweepId);
  }

  /** The most recently updated sweep (what a reload offers to resume). */
  async latestSweep(): Promise<SweepRecord | undefined> {
    const cursor = await this.db
      .transaction('sweeps')
      .store.index('updatedAt')
      .openCursor(null, 'prev');
    return cursor?.value;
  }

  async putSweep(record: SweepRecord): Promise<void> {
    await this.withRoom(() => this.db.put('sweeps', record), 'the sweep record');
  }

  /** A checkpoint, marked as just used. */
  async getCheckpoint(stageId: string): Promise<CheckpointRecord | undefined> {
    const tx = this.db.transaction('checkpoints', 'readwrite');
    const r = await tx.store.get(stageId);
    if (r) await tx.store.put({ ...r, lastUsed: Date.now() });
    await tx.done;
    return r;
  }

  /**
   * Keeps a checkpoint (replacing the stage's previous one), then evicts least-recently-used
   * ones above the budget. Returns false when it could not be kept even after evicting every
   * other checkpoint: the stage goes on, it just cannot resume from here.
   */
  async putCheckpoint(
    stage: CheckpointRecord['stage'],
    kind: CheckpointRecord['kind'],
    checkpoint: Checkpoint,
  ): Promise<boolean> {
    const record: CheckpointRecord = {
      stageId: checkpoint.stageId,
      stage,
      kind,
      checkpoint,
      bytes: checkpointBytes(checkpoint),
      lastUsed: Date.now(),
    };
    try {
      await this.withRoom(
        () => this.db.put('checkpoints', record),
        describe(record),
        record.stageId,
      );
    } catch (e) {
      if (!isQuotaError(e)) throw e;
      this.onDropped(`storage is full: ${describe(record)} was not saved`);
      return false;
    }
    await this.evictOverBudget(record.stageId);
    return true;
  }

  async deleteCheckpoint(stageId: string): Promise<void> {
    await this.db.delete('checkpoints', stageId);
  }

  /** Checkpoints as (id, size, last use), oldest first, without reading their weights. */
  async checkpointIndex(): Promise<{ stageId: string; bytes: number; lastUsed: number }[]> {
    const out: { stageId: string; bytes: number; lastUsed: number }[] = [];
    let cursor = await this.db.transaction('checkpoints').store.index('lastUsed').openCursor();
    while (cursor) {
      const { stageId, bytes, lastUsed } = cursor.value;
      out.push({ stageId, bytes, lastUsed });
      cursor = await cursor.continue();
    }
    return out;
  }

  /** Drops least-recently-used checkpoints until the rest fit the budget. */
  async evictOverBudget(keep?: string): Promise<string[]> {
    const index = await this.checkpointIndex();
    let total = index.reduce((n, r) => n + r.bytes, 0);
    const dropped: string[] = [];
    for (const r of index) {
      if (total <= this.budget) break;
      if (r.stageId === keep || this.pinned.has(r.stageId)) continue;
      dropped.push(await this.dropCheckpoint(r.stageId, 'over the checkpoint budget'));
      total -= r.bytes;
    }
    return dropped;
  }

  private async dropCheckpoint(stageId: string, why: string): Promise<string> {
    const r = await this.db.get('checkpoints', stageId);
    await this.db.delete('checkpoints', stageId);
    const text = r ? `${describe(r)} dropped: ${why}` : `checkpoint ${stageId} dropped: ${why}`;
    this.onDropped(text);
    return text;
  }

  /**
   * Runs a write; on QuotaExceededError evicts checkpoints (oldest first, pinned ones last)
   * and tries again until it fits or none are left.
   */
  private async withRoom<T>(write: () => Promise<T>, what: string, keep?: string): Promise<T> {
    for (;;) {
      try {
        return await write();
      } catch (e) {
        if (!isQuotaError(e)) throw e;
        const index = (await this.checkpointIndex()).filter((r) => r.stageId !== keep);
        const victim =
          index.find((r) => !this.pinned.has(r.stageId)) ??
          (what === 'a result' ? index[0] : undefined);
        if (!victim) throw e;
        await this.dropCheckpoint(victim.stageId, `storage is full, making room for ${what}`);
      }
    }
  }

  /** Usage and quota of the origin, whether storage is persistent, and the checkpoints' share. */
  async storageInfo(): Promise<StorageInfo> {
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    let usage: number | null = null;
    let quota: number | null = null;
    let persisted = false;
    if (nav?.storage?.estimate) {
      const e = await nav.storage.estimate();
      usage = e.usage ?? null;
      quota = e.quota ?? null;
    }
    if (nav?.storage?.persisted) persisted = await nav.storage.persisted();
    const index = await this.checkpointIndex();
    return {
      usage,
      quota,
      persisted,
      checkpointBytes: index.reduce((n, r) => n + r.bytes, 0),
      budget: this.budget,
    };
  }
}

/** Asks the browser not to clear the lab's storage under pressure; true if granted. */
export async function requestPersistence(): Promise<boolean> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (!nav?.storage?.persist) return false;
  try {
    return await nav.storage.persist();
  } catch {
    return false;
  }
}
