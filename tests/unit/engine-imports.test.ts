// The engine's data build from imported files in Node: hash checks, the mixed corpus, the imported SFT set, missing files.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../../src/engine/engine';
import {
  buildData,
  corpusDocs,
  finetuneRows,
  pretrainRows,
  sftConversations,
  tokenizerOf,
} from '../../src/engine/data';
import { useImports } from '../../src/engine/imports';
import type { ImportFile, Progress } from '../../src/engine/api';
import { parseSpec, type Spec, type SpecInput } from '../../src/spec';
import { pretrainCorpus } from '../../src/world/corpus';
import { buildWorld } from '../../src/world/generate';
import { textSha256 } from '../../src/util/hash';

const corpusText = Array.from(
  { length: 6 },
  (_, i) => `Quokkas hop across Rottnest Island, note ${i}.\nThey nap at noon.`,
).join('\n\n');
const conversations = Array.from({ length: 5 }, (_, i) => [
  `What is quokka fact ${i}?`,
  `Quokka fact ${i}: they smile.`,
]);
const jsonlText = conversations.map((c) => JSON.stringify({ conversations: c })).join('\n');

const file = (kind: ImportFile['kind'], name: string, text: string): ImportFile => ({
  kind,
  name,
  text,
  hash: textSha256(text),
});
const corpusFile = file('corpus', 'quokkas.txt', corpusText);
const sftFile = file('sft', 'quokkas.jsonl', jsonlText);
const ref = (f: ImportFile, count: number) => ({
  hash: f.hash,
  name: f.name,
  bytes: new TextEncoder().encode(f.text).length,
  count,
});

function spec(over: SpecInput = {}): Spec {
  const r = parseSpec({
    backend: 'wasm',
    world: { people: 16, procedures: 2 },
    model: { nLayer: 1, nEmbd: 32, nHead: 2, blockSize: 256 },
    pretrain: { steps: 4, batchSize: 4, warmupSteps: 0 },
    eval: { prompts: 10, devPrompts: 0, dialoguePrompts: 0, maxNewTokens: 128 },
    ...over,
    data: { vocabSize: 300, augmentation: 1, ...over.data },
    finetune: { examples: 3, epochs: 2, batchSize: 2, ...over.finetune },
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('handing imports to the engine', () => {
  it('verifies each file against its hash and parses it with the import panel’s parser', () => {
    expect(useImports([corpusFile, sftFile])).toEqual([
      { hash: corpusFile.hash, kind: 'corpus', count: 6 },
      { hash: sftFile.hash, kind: 'sft', count: 5 },
    ]);
    expect(() => useImports([{ ...sftFile, text: jsonlText + '\n{"conversations": []}' }])).toThrow(
      /^the imported file "quokkas.jsonl" does not match the experiment: its SHA-256 is [0-9a-f]{12}…, the experiment names [0-9a-f]{12}…/,
    );
    const broken = '{"conversations": ["only a question"]}';
    expect(() => useImports([file('sft', 'bad.jsonl', broken)])).toThrow(
      'the imported file "bad.jsonl" does not parse: line 1: odd number of turns (1): every user turn needs an assistant turn',
    );
  });
});

describe('data build from an imported corpus', () => {
  it('mixes the documents into the world corpus, and pretraining rows carry their text', () => {
    useImports([corpusFile]);
    const plain = spec();
    const s = spec({ data: { importedCorpus: ref(corpusFile, 6) } });
    const world = pretrainCorpus(buildWorld(s), s);
    const docs = corpusDocs(s);
    expect(docs).toHaveLength(world.length + 6);
    expect([...docs].sort()).toEqual([...world, ...corpusText.split('\n\n')].sort());
    // Without an import, exactly the world's corpus (what earlier caches were built from).
    expect(corpusDocs(plain)).toEqual(world);

    const data = buildData(s);
    expect(data.stats).toMatchObject({ importedDocuments: 6, documents: world.length + 6 });
    expect(data.stats.importedCharacters).toBe(corpusText.replace(/\n\n/g, '').length);
    expect(buildData(plain).stats.importedDocuments).toBeUndefined();
    const tok = tokenizerOf(data);
    // Rows overlap by one token (input and shifted target): the stream is each row less its last.
    const rows = pretrainRows(s, data, 32);
    const stream = Array.from({ length: rows.length / 33 }, (_, r) =>
      Array.from(rows.subarray(r * 33, r * 33 + 32)),
    ).flat();
    expect(tok.decode(stream)).toContain('Quokkas hop across Rottnest Island');
  });
});

describe('data build from imported conversations', () => {
  it('takes the first finetune.examples conversations in file order, or all with a note', () => {
    useImports([sftFile]);
    const three = spec({ data: { importedSft: ref(sftFile, 5) } });
    expect(sftConversations(three)).toEqual({
      conversations: conversations.slice(0, 3).map((turns) => ({
        turns,
        task: 'fact',
        source: 'quokkas.jsonl',
      })),
    });
    const many = spec({ data: { importedSft: ref(sftFile, 5) }, finetune: { examples: 64 } });
    const r = sftConversations(many);
    expect(r.conversations).toHaveLength(5);
    expect(r.note).toBe(
      'the imported file has 5 conversations, fewer than finetune.examples = 64: fine-tuning uses all 5',
    );
    // Encoded in the chat template with the loss on the assistant's words.
    const tok = tokenizerOf(buildData(three));
    const rows = finetuneRows(three, tok, 64);
    expect(rows.rows).toBe(3);
    expect(tok.decode(Array.from(rows.ids.subarray(0, 65)))).toContain(
      '\nAssistant: Quokka fact 0',
    );
  });

  it('fine-tunes on them end to end, saying when the file is shorter than asked', async () => {
    useImports([sftFile]);
    const engine = new Engine();
    const s = spec({ data: { importedSft: ref(sftFile, 5) }, finetune: { examples: 8 } });
    const progress: Progress[] = [];
    const hooks = { onProgress: (p: Progress) => void progress.push(p) };
    const data = await engine.buildData(s, hooks);
    const pre = await engine.pretrain(s, data, null, hooks);
    const ft = await engine.finetune(s, data, pre.checkpoint, null, hooks);
    expect(ft.lossCurve).toHaveLength(6); // 5 conversations / batch 2 → 3 steps × 2 epochs
    expect(progress.find((p) => p.stage === 'finetune' && p.message)?.message).toMatch(
      /has 5 conversations, fewer than/,
    );
    const ev = await engine.evaluate(s, data, ft.checkpoint, hooks);
    expect(ev.samples).toHaveLength(10); // the world's judged prompts, as always
  });
});

describe('a file the engine was not given', () => {
  it('stops the data build and fine-tuning with the file’s name and hash', async () => {
    useImports([]);
    const engine = new Engine();
    const hooks = { onProgress: () => {} };
    const s = spec({ data: { importedCorpus: ref(corpusFile, 6) } });
    const err = await engine.buildData(s, hooks).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('MissingImportError');
    expect((err as Error).message).toContain(
      'This experiment pretrains on the imported file "quokkas.txt" (6 documents',
    );
    expect((err as Error).message).toContain(corpusFile.hash);
    const t = spec({ data: { importedSft: ref(sftFile, 5) } });
    expect(() => sftConversations(t)).toThrow(/fine-tunes on the imported file "quokkas.jsonl"/);
  });
});
