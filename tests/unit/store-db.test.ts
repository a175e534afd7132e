// The IndexedDB store (fake-indexeddb): upgrade from v1 keeps data; LRU eviction of checkpoints never touches results.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { DB_VERSION, openLabDB, type StageRecord } from '../../src/store/db';
import { Store, isQuotaError } from '../../src/store/store';
import type { Checkpoint } from '../../src/engine/api';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkpoint(stageId: string, bytes: number, step = 10): Checkpoint {
  return {
    stageId,
    backend: 'cpu',
    step,
    totalSteps: 100,
    weights: new ArrayBuffer(bytes),
    lossCurve: [{ step: 1, loss: 2, lr: 0.001, tokens: 64 }],
  };
}

const evalRecord = (stageId: string): StageRecord => ({
  stageId,
  stage: 'eval',
  finishedAt: 1,
  eval: {
    stageId,
    backend: 'cpu',
    samples: [],
    summary: { mean: 4.5, ci95: 0.2, n: 10, excellent: 0.3 },
    byTask: {},
    ms: 5,
  },
});

describe('store schema', () => {
  it('a version-1 database with data opens at the current version with its data kept', async () => {
    expect(DB_VERSION).toBeGreaterThan(1);
    const v1 = await openLabDB('upgrade-test', 1);
    expect([...v1.objectStoreNames].sort()).toEqual(['checkpoints', 'runs', 'stages']);
    await v1.put('stages', evalRecord('e1'));
    await v1.put('checkpoints', {
      stageId: 'p1',
      stage: 'pretrain',
      kind: 'final',
      checkpoint: checkpoint('p1', 64),
      bytes: 64,
      lastUsed: 5,
    });
    await v1.put('runs', { runId: 'r1', status: 'done', result: { mean: 4.5 }, updatedAt: 1 });
    v1.close();

    const store = await Store.open({ name: 'upgrade-test' });
    expect(await store.getStage('e1')).toEqual(evalRecord('e1'));
    expect((await store.getRun('r1'))?.result).toEqual({ mean: 4.5 });
    // v2's LRU index sees the v1 checkpoint, and the sweeps store exists.
    expect(await store.checkpointIndex()).toEqual([{ stageId: 'p1', bytes: 64, lastUsed: 5 }]);
    await store.putSweep({
      sweepId: 's1',
      spec: {} as never,
      shard: null,
      status: 'running',
      updatedAt: 2,
    });
    expect((await store.latestSweep())?.sweepId).toBe('s1');
    store.close();
  });
});

describe('checkpoint eviction', () => {
  it('drops the least recently used checkpoints over the budget, keeps pinned ones and every result', async () => {
    const dropped: string[] = [];
    const store = await Store.open({
      name: 'lru-test',
      budget: 2500,
      onDropped: (t) => dropped.push(t),
    });
    await store.putStage(evalRecord('e1'));
    expect(await store.putCheckpoint('pretrain', 'final', checkpoint('a', 1000))).toBe(true);
    await sleep(5);
    expect(await store.putCheckpoint('finetune', 'partial', checkpoint('b', 1000))).toBe(true);
    await sleep(5);
    await store.getCheckpoint('a'); // a is now more recent than b
    await sleep(5);
    await store.putCheckpoint('finetune', 'final', checkpoint('c', 1000));
    expect((await store.checkpointIndex()).map((r) => r.stageId)).toEqual(['a', 'c']);
    expect(dropped).toEqual([
      'finetune checkpoint b (step 10/100, 0.0 MB) dropped: over the checkpoint budget',
    ]);
    // A pinned checkpoint survives even when it is the oldest.
    store.pinned.add('a');
    await sleep(5);
    await store.putCheckpoint('pretrain', 'partial', checkpoint('d', 1000));
    expect((await store.checkpointIndex()).map((r) => r.stageId).sort()).toEqual(['a', 'd']);
    expect(await store.getStage('e1')).toEqual(evalRecord('e1'));
    const info = await store.storageInfo();
    expect(info).toMatchObject({ checkpointBytes: 2000, budget: 2500 });
    store.close();
  });

  it('a partial checkpoint is replaced by the stage final one', async () => {
    const store = await Store.open({ name: 'replace-test' });
    await store.putCheckpoint('pretrain', 'partial', checkpoint('p', 100, 25));
    await store.putCheckpoint('pretrain', 'final', checkpoint('p', 100, 100));
    const r = await store.getCheckpoint('p');
    expect(r).toMatchObject({ kind: 'final', checkpoint: { step: 100 } });
    expect(await store.checkpointIndex()).toHaveLength(1);
    store.close();
  });

  it('recognises quota errors by name, wrapped or not', () => {
    const quota = new DOMException('full', 'QuotaExceededError');
    expect(isQuotaError(quota)).toBe(true);
    expect(isQuotaError(new Error('transaction aborted', { cause: quota }))).toBe(true);
    expect(isQuotaError(new DOMException('gone', 'NotFoundError'))).toBe(false);
  });
});
