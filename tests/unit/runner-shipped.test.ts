// Shipped base models (real Engine on tfjs cpu, fake-indexeddb): the file format, and a sweep that starts from a shipped base gives the numbers of one that pretrained it.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../../src/engine/engine';
import { stageIds, sweepCost, type Spec } from '../../src/spec';
import { decodeBaseFile, encodeBaseFile, type BaseFile } from '../../src/store/base-file';
import { Store } from '../../src/store/store';
import { classifyStages } from '../../src/runner/cache';
import { Executor, type ExecEvent } from '../../src/runner/execute';
import type { SweepPlan } from '../../src/runner/plan';
import {
  exportBase,
  seedShippedBases,
  shippedBaseIds,
  type AssetSource,
} from '../../src/runner/shipped';
import type { RunResult } from '../../src/runner/types';
import { plannedState } from '../../src/runner/state';
import { readyStages } from '../../src/ui/cost';
import { bytesHash } from '../../src/util/hash';
import { MICRO_SPEC, planOf, specOf } from '../fixtures/micro-spec';

/** The micro experiment, one run: pretraining, a fine-tune of it, its evaluation. */
const tiny = (): Spec =>
  specOf({
    ...MICRO_SPEC,
    pretrain: { ...MICRO_SPEC.pretrain, steps: 6 },
    finetune: { examples: 4, epochs: 1, batchSize: 4 },
    sweep: { axes: [] },
  });
const plan = planOf;

async function execute(store: Store<RunResult>, p: SweepPlan) {
  const events: ExecEvent[] = [];
  const ex = new Executor(new Engine(), store, { onEvent: (e) => events.push(e) });
  await ex.run(p, await classifyStages(p, store));
  return events
    .filter((e) => e.type === 'stage-start')
    .map((e) => p.stages.find((s) => e.type === 'stage-start' && s.stageId === e.stageId)?.stage);
}

/** Assets in memory, counting reads: a manifest naming one base file. */
function assetsOf(id: string, bytes: Uint8Array, over: { sha256?: string } = {}) {
  const manifest = {
    version: 1,
    bases: [
      {
        stageId: id,
        file: `${id}.lbase`,
        bytes: bytes.length,
        sha256: over.sha256 ?? bytesHash(bytes, 64),
        presets: [],
        link: 'test',
        ms: 1234,
        tokensPerSec: 567,
      },
    ],
  };
  const files = new Map<string, Uint8Array>([
    ['bases/manifest.json', new TextEncoder().encode(JSON.stringify(manifest))],
    [`bases/${id}.lbase`, bytes],
  ]);
  const reads: string[] = [];
  const source: AssetSource = async (path) => {
    reads.push(path);
    return files.get(path) ?? null;
  };
  return { source, reads };
}

const sample: BaseFile = {
  stageId: '0123456789abcdef',
  backend: 'wasm',
  totalSteps: 2,
  lossCurve: [
    { step: 1, loss: 5.5, lr: 1e-3, tokens: 64 },
    { step: 2, loss: 5.25, valLoss: 5.4, lr: 1e-3, tokens: 128 },
  ],
  knowledge: { recalled: 3, total: 10, chance: 0.1 },
  weights: Float32Array.from([1.5, -2, Math.PI, 1e-30, -0]).buffer,
};

describe('the base file', () => {
  it('round-trips a stage bit for bit', () => {
    const bytes = encodeBaseFile(sample);
    const back = decodeBaseFile(bytes, sample.stageId);
    if (!back.ok) throw new Error(back.error);
    expect(new Uint8Array(back.value.weights)).toEqual(new Uint8Array(sample.weights));
    expect({ ...back.value, weights: null }).toEqual({ ...sample, weights: null });
    // Only computed values go in: the same stage writes the same bytes.
    expect(encodeBaseFile(back.value)).toEqual(bytes);
  });

  it('says what is wrong with a damaged or foreign file', () => {
    const bytes = encodeBaseFile(sample);
    const error = (b: Uint8Array, id = sample.stageId) => {
      const r = decodeBaseFile(b, id);
      return r.ok ? 'ok' : r.error;
    };
    expect(error(new TextEncoder().encode('<!doctype html>'))).toMatch(/not a LIMA Lab base file/);
    expect(error(bytes.slice(0, bytes.length - 4))).toMatch(
      /16 bytes of weights where the header says 20/,
    );
    expect(error(bytes, 'fedcba9876543210')).toMatch(/holds stage 0123456789abcdef/);
    const future = bytes.slice();
    new DataView(future.buffer).setUint32(8, 99, true);
    expect(error(future)).toMatch(/format version 99, this app reads 1/);
    const badHeader = encodeBaseFile({ ...sample, totalSteps: -1 });
    expect(error(badHeader)).toMatch(/bad header/);
  });
});

describe('a sweep from a shipped base', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('skips pretraining and gives the same fine-tune and evaluation as pretraining here', async () => {
    const spec = tiny();
    const p = plan(spec);
    const pretrainId = stageIds(spec).pretrain;
    const here = await Store.open<RunResult>({ name: 'ship-here' });
    expect(await execute(here, p)).toEqual(['data', 'pretrain', 'finetune', 'eval']);
    const { bytes } = await exportBase(pretrainId, here);

    const { source, reads } = assetsOf(pretrainId, bytes);
    const shipped = await Store.open<RunResult>({ name: 'ship-shipped' });
    const seeded = await seedShippedBases(p, shipped, source);
    expect(seeded).toEqual({ loaded: [pretrainId], warnings: [] });
    const statuses = await classifyStages(p, shipped);
    expect(statuses.get(pretrainId)).toBe('cached');
    expect(await execute(shipped, p)).toEqual(['data', 'finetune', 'eval']);
    const evalId = stageIds(spec).eval;
    const a = await here.getStage(evalId);
    const b = await shipped.getStage(evalId);
    if (a?.stage !== 'eval' || b?.stage !== 'eval') throw new Error('no eval record');
    expect(b.eval.samples).toEqual(a.eval.samples);
    expect(b.eval.summary).toEqual(a.eval.summary);
    const rec = await shipped.getStage(pretrainId);
    expect(rec?.stage === 'pretrain' && [rec.ms, rec.tokensPerSec]).toEqual([1234, 567]);

    // Once cached, nothing is fetched again.
    reads.length = 0;
    expect(await seedShippedBases(p, shipped, source)).toEqual({ loaded: [], warnings: [] });
    expect(reads).toEqual([]);
    here.close();
    shipped.close();
  });

  it('the list of bases is read once per page, however often sweeps start', async () => {
    const spec = tiny();
    const p = plan(spec);
    const id = stageIds(spec).pretrain;
    const { source, reads } = assetsOf(id, encodeBaseFile({ ...sample, stageId: id }), {
      sha256: '0'.repeat(64),
    });
    const store = await Store.open<RunResult>({ name: 'ship-once' });
    // Each call finds the base missing (its file is damaged), so each consults the list.
    await seedShippedBases(p, store, source);
    await seedShippedBases(p, store, source);
    expect(reads).toEqual(['bases/manifest.json', `bases/${id}.lbase`, `bases/${id}.lbase`]);
    store.close();
  });

  it('a list that could not be read is read again by the next sweep', async () => {
    const spec = tiny();
    const p = plan(spec);
    const id = stageIds(spec).pretrain;
    const { source } = assetsOf(id, encodeBaseFile({ ...sample, stageId: id }), {
      sha256: '0'.repeat(64),
    });
    let offline = true;
    const flaky: AssetSource = (path) =>
      offline ? Promise.reject(new Error('network is down')) : source(path);
    const store = await Store.open<RunResult>({ name: 'ship-flaky' });
    expect((await seedShippedBases(p, store, flaky)).warnings).toEqual([
      'the list of shipped base models could not be read (network is down)',
    ]);
    offline = false;
    // Back online: the list is read, and the base (damaged here) is tried.
    expect((await seedShippedBases(p, store, flaky)).warnings).toEqual([
      `the shipped base ${id.slice(0, 8)} is damaged (its checksum does not match): it is pretrained here`,
    ]);
    store.close();
  });

  it('before a run, the page learns which bases the app ships: the estimate leaves them out', async () => {
    const spec = tiny();
    const id = stageIds(spec).pretrain;
    const { source, reads } = assetsOf(id, encodeBaseFile({ ...sample, stageId: id }));
    const shipped = new Set(await shippedBaseIds(source));
    expect([...shipped]).toEqual([id]);
    expect(reads).toEqual(['bases/manifest.json']); // the list only: no base is fetched
    // Nothing on screen yet: the shipped pretraining alone is ready, and costs nothing.
    expect([...readyStages(null, spec, shipped)]).toEqual([id]);
    const cost = sweepCost(spec, readyStages(null, spec, shipped))!;
    expect([cost.pretrains, cost.ready]).toEqual([0, 1]);
    // The runner's state for this experiment adds what its cache holds; another one's adds nothing.
    const p = plan(spec);
    const statuses = new Map(
      p.stages.map((st) => [st.stageId, st.stage === 'finetune' ? 'cached' : 'queued'] as const),
    );
    const state = plannedState(p, statuses, {}, null);
    expect([...readyStages(state, spec, shipped)].sort()).toEqual(
      [id, stageIds(spec).finetune].sort(),
    );
    expect([...readyStages(state, specOf({ ...MICRO_SPEC, seed: 99 }), new Set())]).toEqual([]);
    // A list that cannot be read lists nothing (a start says why).
    expect(await shippedBaseIds(() => Promise.reject(new Error('offline')))).toEqual([]);
  });

  it('a damaged base is pretrained here instead, with a warning', async () => {
    const spec = tiny();
    const p = plan(spec);
    const id = stageIds(spec).pretrain;
    const bytes = encodeBaseFile({ ...sample, stageId: id });
    const store = await Store.open<RunResult>({ name: 'ship-damaged' });
    const wrongSum = await seedShippedBases(
      p,
      store,
      assetsOf(id, bytes, { sha256: '0'.repeat(64) }).source,
    );
    expect(wrongSum.loaded).toEqual([]);
    expect(wrongSum.warnings).toEqual([
      `the shipped base ${id.slice(0, 8)} is damaged (its checksum does not match): it is pretrained here`,
    ]);
    const foreign = encodeBaseFile(sample);
    const other = assetsOf(id, foreign);
    const wrongStage = await seedShippedBases(p, store, other.source);
    expect(wrongStage.warnings[0]).toMatch(
      /is unreadable \(base file .*: holds stage 0123456789abcdef\)/,
    );
    expect(await store.hasStage(id)).toBe(false);
    expect((await classifyStages(p, store)).get(id)).toBe('queued');
    // No list of bases at all (a build without them): nothing to say.
    expect(await seedShippedBases(p, store, async () => null)).toEqual({
      loaded: [],
      warnings: [],
    });
    store.close();
  });
});
