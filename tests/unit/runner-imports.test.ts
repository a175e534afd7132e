// The runner with imported data (real Engine on tfjs cpu, fake-indexeddb): a missing file stops a sweep before any work; a stored one trains.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../../src/engine/engine';
import type { Spec, SpecInput } from '../../src/spec';
import { openLabDB } from '../../src/store/db';
import { saveImport } from '../../src/store/imports';
import { Store } from '../../src/store/store';
import { classifyStages } from '../../src/runner/cache';
import { Executor, type ExecEvent } from '../../src/runner/execute';
import { neededImports } from '../../src/runner/imports';
import type { SweepPlan } from '../../src/runner/plan';
import { SweepRunner } from '../../src/runner/runner';
import type { RunResult } from '../../src/runner/types';
import { textSha256 } from '../../src/util/hash';
import { planOf, specOf } from '../fixtures/micro-spec';

const jsonl = (tag: string) =>
  Array.from({ length: 6 }, (_, i) =>
    JSON.stringify({ conversations: [`Question ${tag} ${i}?`, `Answer ${tag} ${i}.`] }),
  ).join('\n');
const refOf = (text: string, name: string) => ({
  hash: textSha256(text),
  name,
  bytes: new TextEncoder().encode(text).length,
  count: 6,
});

function spec(text: string, over: SpecInput = {}): Spec {
  return specOf({
    backend: 'wasm',
    world: { people: 16, procedures: 2 },
    data: { vocabSize: 300, augmentation: 1, importedSft: refOf(text, 'mine.jsonl') },
    model: { nLayer: 1, nEmbd: 32, nHead: 2, blockSize: 256 },
    pretrain: { steps: 4, batchSize: 4, warmupSteps: 0 },
    finetune: { examples: 4, epochs: 1, batchSize: 4 },
    eval: { prompts: 10, devPrompts: 0, dialoguePrompts: 0, maxNewTokens: 128 },
    sweep: { axes: [{ path: 'finetune.examples', values: [2, 4] }] },
    ...over,
  });
}

const plan = planOf;

async function keep(name: string, text: string): Promise<void> {
  const db = await openLabDB(name);
  const ref = refOf(text, 'mine.jsonl');
  await saveImport(db, { ...ref, kind: 'sft', text, addedAt: Date.now() });
  db.close();
}

async function execute(store: Store<RunResult>, p: SweepPlan) {
  const events: ExecEvent[] = [];
  const ex = new Executor(new Engine(), store, { onEvent: (e) => events.push(e) });
  const statuses = await classifyStages(p, store);
  const outcome = await ex.run(p, statuses).then(
    () => 'done',
    (e: Error) => `${e.name}: ${e.message}`,
  );
  return { events, outcome, started: events.filter((e) => e.type === 'stage-start') };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('imported data in a sweep', () => {
  it('a file missing from this browser stops the sweep before any stage, naming the file and hash', async () => {
    const text = jsonl('a');
    const store = await Store.open<RunResult>({ name: 'imports-missing' });
    const r = await execute(store, plan(spec(text)));
    expect(r.started).toEqual([]);
    expect(r.outcome).toMatch(
      /^MissingImportError: This experiment fine-tunes on the imported file "mine.jsonl" \(6 conversations, SHA-256 [0-9a-f]{12}…\), which is not in this browser\. Import that file/,
    );
    expect(r.outcome).toContain(textSha256(text));
    store.close();
  });

  it('with the file stored it trains on it; another file recomputes fine-tuning only', async () => {
    const a = jsonl('a');
    const b = jsonl('b');
    await keep('imports-run', a);
    await keep('imports-run', b);
    const store = await Store.open<RunResult>({ name: 'imports-run' });
    const first = await execute(store, plan(spec(a)));
    expect(first.outcome).toBe('done');
    expect(first.events.filter((e) => e.type === 'run-done')).toHaveLength(2);
    const second = await execute(store, plan(spec(b)));
    expect(second.outcome).toBe('done');
    const p = plan(spec(b));
    const kinds = second.started.map(
      (e) => p.stages.find((s) => e.type === 'stage-start' && s.stageId === e.stageId)?.stage,
    );
    // The world, corpus, tokenizer and pretrained model are shared; fine-tuning and eval are not.
    expect(kinds).toEqual(['finetune', 'eval', 'finetune', 'eval']);
    store.close();
  });

  it('stages the cache holds need no file', async () => {
    const a = jsonl('a');
    const store = await Store.open<RunResult>({ name: 'imports-run' });
    const p = plan(spec(a));
    const statuses = await classifyStages(p, store);
    expect(neededImports(p, statuses)).toEqual([]);
    const fresh = new Map(p.stages.map((s) => [s.stageId, 'queued' as const]));
    expect(neededImports(p, fresh).map((n) => n.ref.name)).toEqual(['mine.jsonl']);
    store.close();
  });

  it('the page’s runner says so and starts no engine worker', async () => {
    const runner = new SweepRunner({ dbName: 'imports-page' });
    const state = await runner.start(spec(jsonl('c')));
    expect(state.status).toBe('failed');
    expect(state.messages.map((m) => m.level)).toEqual(['error']);
    expect(state.messages[0].text).toMatch(/^This experiment fine-tunes on the imported file/);
    expect(runner.engineWorker).toBeNull();
  });
});
