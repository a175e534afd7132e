// Byte-level BPE tokenizer: trained deterministically on the corpus, with LIMA's chat special tokens.

/**
 * Ids 0–255 are the raw bytes, so any UTF-8 text can be encoded; 256–260 are the special tokens
 * (fixed ids, so a chat template never depends on what the merges learned); merges follow from 261.
 */
export const BYTE_TOKENS = 256;
export const SPECIAL_NAMES = [
  '<|bos|>',
  '<|user|>',
  '<|assistant|>',
  '<|eot|>',
  '<|pad|>',
] as const;
export const FIRST_MERGE_ID = BYTE_TOKENS + SPECIAL_NAMES.length;

/**
 * GPT-2's pre-tokenizer: a word keeps its leading space, so merges never cross word boundaries and
 * " Tarsby" is one unit whether it opens a sentence or not.
 */
const PRETOKEN = / ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

/** Above this many characters, BPE learns from a strided sample of the texts (see `train`). */
export const TRAIN_SAMPLE_CHARS = 8_000_000;

function sample(texts: readonly string[], maxChars: number): readonly string[] {
  let total = 0;
  for (const t of texts) total += t.length;
  if (total <= maxChars) return texts;
  const stride = Math.ceil(total / maxChars);
  return texts.filter((_, i) => i % stride === 0);
}

/**
 * "BPE2": texts are encoded with Llama's dummy prefix (see `segment`). "BPE1" tokenizers encoded a
 * segment's first word without its space; they are refused rather than silently read another way.
 */
const MAGIC = 0x32455042; // "BPE2", little-endian
const OLD_MAGIC = 0x31455042; // "BPE1"

/**
 * Llama's dummy prefix: every text segment (a document, a turn between special tokens) is encoded
 * as if a space preceded it, so a word is the same tokens at the start of a reply as inside a
 * question. Without it " Druhil" in a question and "Druhil" opening an answer are different
 * tokens, and a model cannot restate the asked name by copying it.
 */
export function segment(text: string): string {
  return text === '' || /^\s/.test(text) ? text : ` ${text}`;
}
const encoder = new TextEncoder();

/** Pair key: both ids are below 2^16 (vocabSize ≤ 8192), so one safe integer holds a pair. */
const pairKey = (a: number, b: number) => a * 65536 + b;

export class Tokenizer {
  readonly vocabSize: number;
  readonly special: { bos: number; user: number; assistant: number; eot: number; pad: number };
  /** merges[i] = [a, b] makes id FIRST_MERGE_ID + i. */
  private readonly merges: readonly (readonly [number, number])[];
  /** Pair key → rank (= new id); lower ranks merge first, as they were learned. */
  private readonly ranks: Map<number, number>;
  /** Bytes of every id (specials render as their names). */
  private readonly pieces: Uint8Array[];
  private readonly cache = new Map<string, number[]>();
  private readonly decoder = new TextDecoder('utf-8');

  private constructor(vocabSize: number, merges: readonly (readonly [number, number])[]) {
    if (FIRST_MERGE_ID + merges.length > vocabSize) {
      throw new Error(`Tokenizer: ${merges.length} merges do not fit a vocabulary of ${vocabSize}`);
    }
    this.vocabSize = vocabSize;
    this.special = { bos: 256, user: 257, assistant: 258, eot: 259, pad: 260 };
    this.merges = merges;
    this.ranks = new Map();
    this.pieces = [];
    for (let b = 0; b < BYTE_TOKENS; b++) this.pieces.push(Uint8Array.of(b));
    for (const name of SPECIAL_NAMES) this.pieces.push(encoder.encode(name));
    merges.forEach(([a, b], i) => {
      const id = FIRST_MERGE_ID + i;
      if (
        a >= id ||
        b >= id ||
        (a >= BYTE_TOKENS && a < FIRST_MERGE_ID) ||
        (b >= BYTE_TOKENS && b < FIRST_MERGE_ID)
      ) {
        throw new Error(`Tokenizer: merge ${i} refers to an invalid id`);
      }
      this.ranks.set(pairKey(a, b), id);
      const piece = new Uint8Array(this.pieces[a].length + this.pieces[b].length);
      piece.set(this.pieces[a]);
      piece.set(this.pieces[b], this.pieces[a].length);
      this.pieces.push(piece);
    });
  }

  /** Number of learned merges (at most vocabSize − 261; fewer if the corpus ran out of pairs). */
  get mergeCount(): number {
    return this.merges.length;
  }

  /**
   * Learns merges on word counts: pair counts are updated incrementally for the words that contain
   * the merged pair only, which keeps training well under a second on the default corpus. Ties are
   * broken by the smaller pair key, so the result never depends on Map iteration order. A corpus
   * over `maxChars` is learned from every k-th text (a deterministic sample): word statistics settle
   * long before that, and the largest worlds would otherwise spend seconds counting words.
   */
  static train(
    texts: readonly string[],
    vocabSize: number,
    maxChars = TRAIN_SAMPLE_CHARS,
  ): Tokenizer {
    const counts = new Map<string, number>();
    for (const text of sample(texts, maxChars)) {
      for (const m of segment(text).matchAll(PRETOKEN)) {
        counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
      }
    }
    // Sorted, so word ids (and everything after) are independent of the corpus's document order.
    const uniq = [...counts.keys()].sort();
    const words: number[][] = uniq.map((w) => Array.from(encoder.encode(w)));
    const freq = uniq.map((w) => counts.get(w)!);

    const pairs = new Map<number, number>();
    const where = new Map<number, Set<number>>();
    const addPairs = (wi: number, sign: 1 | -1) => {
      const w = words[wi];
      for (let i = 0; i + 1 < w.length; i++) {
        const k = pairKey(w[i], w[i + 1]);
        const c = (pairs.get(k) ?? 0) + sign * freq[wi];
        if (c > 0) pairs.set(k, c);
        else pairs.delete(k);
        if (sign > 0) {
          let s = where.get(k);
          if (!s) where.set(k, (s = new Set()));
          s.add(wi);
        }
      }
    };
    for (let wi = 0; wi < words.length; wi++) addPairs(wi, 1);

    const merges: [number, number][] = [];
    const maxMerges = Math.max(0, vocabSize - FIRST_MERGE_ID);
    while (merges.length < maxMerges) {
      let best = -1;
      let bestCount = 1; // a pair seen once saves nothing
      for (const [k, c] of pairs) {
        if (c > bestCount || (c === bestCount && best >= 0 && k < best)) {
          best = k;
          bestCount = c;
        }
      }
      if (best < 0) break;
      const a = Math.floor(best / 65536);
      const b = best % 65536;
      const id = FIRST_MERGE_ID + merges.length;
      merges.push([a, b]);
      const affected = [...(where.get(best) ?? [])].sort((x, y) => x - y);
      for (const wi of affected) {
        addPairs(wi, -1);
        words[wi] = mergeWord(words[wi], a, b, id);
        addPairs(wi, 1);
      }
      pairs.delete(best);
      where.delete(best);
    }
    return new Tokenizer(vocabSize, merges);
  }

  /**
   * One text segment, with the dummy prefix (`segment`). Plain text only: the literal "<|eot|>"
   * becomes bytes, never the special id.
   */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const m of segment(text).matchAll(PRETOKEN)) {
      let ids = this.cache.get(m[0]);
      if (!ids) {
        ids = this.encodeWord(Array.from(encoder.encode(m[0])));
        if (this.cache.size < 100_000) this.cache.set(m[0], ids);
      }
      for (const id of ids) out.push(id);
    }
    return out;
  }

  /** Applies the merges in the order they were learned (lowest rank first), like GPT-2. */
  private encodeWord(ids: number[]): number[] {
    while (ids.length > 1) {
      let bestId = Infinity;
      let at = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const r = this.ranks.get(pairKey(ids[i], ids[i + 1]));
        if (r !== undefined && r < bestId) {
          bestId = r;
          at = i;
        }
      }
      if (at < 0) break;
      const [a, b] = this.merges[bestId - FIRST_MERGE_ID];
      ids = mergeWord(ids, a, b, bestId);
    }
    return ids;
  }

  /** Special tokens render as their names ("<|eot|>"); a broken UTF-8 sequence becomes U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    let n = 0;
    for (let i = 0; i < ids.length; i++) n += this.piece(ids[i]).length;
    const bytes = new Uint8Array(n);
    let o = 0;
    for (let i = 0; i < ids.length; i++) {
      const p = this.piece(ids[i]);
      bytes.set(p, o);
      o += p.length;
    }
    return this.decoder.decode(bytes);
  }

  private piece(id: number): Uint8Array {
    // Ids past the learned merges can be sampled from an untrained head: they decode to nothing.
    return this.pieces[id] ?? new Uint8Array(0);
  }

  /** Little-endian: magic, vocabSize, merge count, then the merge pairs as uint16. */
  serialize(): Uint8Array {
    const bytes = new Uint8Array(12 + 4 * this.merges.length);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, MAGIC, true);
    view.setUint32(4, this.vocabSize, true);
    view.setUint32(8, this.merges.length, true);
    this.merges.forEach(([a, b], i) => {
      view.setUint16(12 + 4 * i, a, true);
      view.setUint16(14 + 4 * i, b, true);
    });
    return bytes;
  }

  static deserialize(bytes: Uint8Array): Tokenizer {
    if (bytes.length < 12) throw new Error('Tokenizer.deserialize: too short');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (view.getUint32(0, true) === OLD_MAGIC)
      throw new Error('Tokenizer.deserialize: a tokenizer of an older version (no dummy prefix)');
    if (view.getUint32(0, true) !== MAGIC)
      throw new Error('Tokenizer.deserialize: not a tokenizer');
    const vocabSize = view.getUint32(4, true);
    const n = view.getUint32(8, true);
    if (bytes.length !== 12 + 4 * n) throw new Error('Tokenizer.deserialize: wrong length');
    const merges: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      merges.push([view.getUint16(12 + 4 * i, true), view.getUint16(14 + 4 * i, true)]);
    }
    return new Tokenizer(vocabSize, merges);
  }
}

function mergeWord(w: readonly number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < w.length; i++) {
    if (i + 1 < w.length && w[i] === a && w[i + 1] === b) {
      out.push(id);
      i++;
    } else {
      out.push(w[i]);
    }
  }
  return out;
}
