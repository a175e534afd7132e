// The data a stage needs, rebuilt from the spec (world, imports, corpus, tokenizer) and kept while the worker lives.
import { Tokenizer } from '../data/tokenizer';
import { packBlocks, sftRows } from '../data/batches';
import { encodeChat } from '../data/chat';
import { buildWorld, type World } from '../world/generate';
import { pretrainCorpus } from '../world/corpus';
import { sftSet } from '../world/sft';
import { stageIds, type Spec } from '../spec';
import type { DataArtifact } from './api';
import type { Batch } from '../train/step';
import type { SftRows } from './sft-batches';
import { Rng } from '../util/rng';
import type { Conversation } from '../world/types';
import { importedConversations, importedDocs } from './imports';

/** The last world, corpus documents and packed rows: a sweep's runs share them, so build each once. */
let world: { id: string; world: World } | null = null;
let corpus: { key: string; rows: Int32Array } | null = null;
let documents: { id: string; docs: string[] } | null = null;

export function worldOf(spec: Spec): World {
  const id = stageIds(spec).world;
  if (world?.id !== id) world = { id, world: buildWorld(spec) };
  return world.world;
}

export function tokenizerOf(data: DataArtifact): Tokenizer {
  return Tokenizer.deserialize(data.tokenizer);
}

/**
 * The pretraining documents: the world's corpus, with an imported corpus mixed in (a seeded shuffle
 * of both, so batches draw each in proportion to its length). The judge only asks about the world's
 * people, so their facts stay in; without an import this is exactly the world's corpus.
 */
export function corpusDocs(spec: Spec): string[] {
  // Built once per data stage: the tokenizer, the packed rows and the knowledge probe all read it.
  const id = stageIds(spec).data;
  if (documents?.id !== id) {
    const imported = importedDocs(spec);
    const world = pretrainCorpus(worldOf(spec), spec);
    documents = {
      id,
      docs:
        imported.length === 0
          ? world
          : Rng.derive(spec.seed, 'corpus-import').shuffle([...world, ...imported]),
    };
  }
  return documents.docs;
}

/** Builds the world, its pretraining corpus (with any import) and the tokenizer trained on it. */
export function buildData(spec: Spec): DataArtifact {
  const t0 = performance.now();
  const imported = importedDocs(spec);
  const w = worldOf(spec);
  const docs = corpusDocs(spec);
  const tok = Tokenizer.train(docs, spec.data.vocabSize);
  const chars = docs.reduce((n, d) => n + d.length, 0);
  const tokens = docs.reduce((n, d) => n + tok.encode(d).length, 0);
  return {
    stageId: stageIds(spec).data,
    tokenizer: tok.serialize(),
    stats: {
      people: w.people.length,
      procedures: w.procedures.length,
      documents: docs.length,
      characters: chars,
      tokens,
      charsPerToken: chars / Math.max(1, tokens),
      ...(imported.length
        ? {
            importedDocuments: imported.length,
            importedCharacters: imported.reduce((n, d) => n + d.length, 0),
          }
        : {}),
    },
    ms: performance.now() - t0,
  };
}

/** The corpus as rows of blockSize+1 tokens (input and shifted target), cached per context length. */
export function pretrainRows(spec: Spec, data: DataArtifact, blockSize: number): Int32Array {
  const key = `${data.stageId}:${blockSize}`;
  if (corpus?.key !== key) {
    const tok = tokenizerOf(data);
    const docs = corpusDocs(spec).map((d) => tok.encode(d));
    corpus = { key, rows: packBlocks(docs, blockSize, tok.special.bos) };
  }
  return corpus.rows;
}

/**
 * The fine-tuning set. Imported: its first finetune.examples conversations in file order (so sizes
 * nest as the world's do), or all of them when the file has fewer — `note` then says so.
 */
export function sftConversations(spec: Spec): { conversations: Conversation[]; note?: string } {
  const imported = importedConversations(spec);
  if (!imported) return { conversations: sftSet(worldOf(spec), spec) };
  const n = spec.finetune.examples;
  if (imported.length >= n) return { conversations: imported.slice(0, n) };
  return {
    conversations: imported,
    note: `the imported file has ${imported.length} conversations, fewer than finetune.examples = ${n}: fine-tuning uses all ${imported.length}`,
  };
}

/** SFT examples in the chat template, one per row, with their per-target loss weights. */
export function finetuneRows(
  spec: Spec,
  tok: Tokenizer,
  blockSize: number,
): SftRows & { note?: string } {
  const maxLength = Math.min(spec.finetune.maxLength ?? blockSize, blockSize) + 1;
  const { conversations, note } = sftConversations(spec);
  const examples = conversations.map((c) =>
    encodeChat(c, tok, maxLength, spec.data.lossOn, spec.data.template),
  );
  return {
    ...sftRows(examples, blockSize, tok.special.pad),
    lengths: Int32Array.from(examples, (e) => Math.min(e.ids.length, blockSize + 1)),
    pad: tok.special.pad,
    note,
  };
}

/** Inputs of one step, cut from rows of blockSize+1 tokens (row[t] → row[t+1]). */
export function batchFromRows(
  rows: Int32Array,
  mask: Float32Array | null,
  picks: number[],
  blockSize: number,
  T: number,
): Batch {
  const B = picks.length;
  const ids = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  const weights = new Float32Array(B * T);
  picks.forEach((r, b) => {
    const row = rows.subarray(r * (blockSize + 1), (r + 1) * (blockSize + 1));
    ids.set(row.subarray(0, T), b * T);
    targets.set(row.subarray(1, T + 1), b * T);
    if (mask) weights.set(mask.subarray(r * blockSize, r * blockSize + T), b * T);
    else weights.fill(1, b * T, (b + 1) * T);
  });
  return { B, T, ids, targets, weights };
}
