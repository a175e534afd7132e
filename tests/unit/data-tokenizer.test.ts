// Byte-level BPE: exact UTF-8 round trips, deterministic training, real compression, serialization.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { FIRST_MERGE_ID, segment, Tokenizer } from '../../src/data/tokenizer';

const TEXTS = [
  'Kima Dorsel was born on 3 March 1985 in Tarsby. Kima Dorsel studied biology at Velmora University.',
  'Velo Marnik was born on 12 June 1979 in Olbury. Velo Marnik works for Tarnex in Tarsby.',
  'To polish a brass morvel, rinse the morvel in cold water. Next, dry the morvel with linen.',
  'The market in Tarsby opens early on most days, and the river is calm in spring.',
].flatMap((t) => [t, t.toUpperCase(), t.replace(/ /g, '  ')]);

describe('Tokenizer', () => {
  const tok = Tokenizer.train(TEXTS, 400);

  it('round-trips any well-formed UTF-8 text exactly, behind its dummy prefix', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(tok.decode(tok.encode(s))).toBe(segment(s));
      }),
      { numRuns: 300 },
    );
    for (const s of [
      '',
      ' ',
      '\n\n',
      'naïve café 東京 🎉👩‍👩‍👧',
      'Tarsby\u0000\u007f',
      '<|eot|> literal',
    ]) {
      expect(tok.decode(tok.encode(s))).toBe(segment(s));
    }
  });

  it('encodes a word the same at the start of a segment as inside one (the dummy prefix)', () => {
    expect(segment('Tarsby')).toBe(' Tarsby');
    expect(segment(' Tarsby')).toBe(' Tarsby');
    expect(segment('\nTarsby')).toBe('\nTarsby');
    expect(segment('')).toBe('');
    const inside = tok.encode('The market in Tarsby');
    const name = tok.encode('Tarsby');
    expect(name).toEqual(tok.encode(' Tarsby'));
    expect(inside.slice(-name.length)).toEqual(name);
    expect(tok.encode('Tarsby is calm').slice(0, name.length)).toEqual(name);
  });

  it('learns merges that compress the text it was trained on', () => {
    expect(tok.mergeCount).toBeGreaterThan(100);
    const text = TEXTS[0];
    const ids = tok.encode(text);
    expect(ids.length).toBeLessThan(new TextEncoder().encode(text).length / 2.5);
    expect(Math.max(...ids)).toBeLessThan(tok.vocabSize);
    // A frequent word becomes one token, with its leading space.
    expect(tok.encode(' Tarsby')).toHaveLength(1);
  });

  it('never produces special ids from text, even from their literal names', () => {
    const ids = tok.encode('<|eot|><|bos|><|user|><|assistant|><|pad|>');
    const specials = Object.values(tok.special);
    expect(ids.some((id) => specials.includes(id))).toBe(false);
    expect(tok.decode([tok.special.eot])).toBe('<|eot|>');
    expect(specials).toEqual([256, 257, 258, 259, 260]);
  });

  it('trains deterministically and independently of document order', () => {
    const a = Tokenizer.train(TEXTS, 400).serialize();
    const b = Tokenizer.train([...TEXTS].reverse(), 400).serialize();
    expect(b).toEqual(a);
    const c = Tokenizer.train(TEXTS.slice(1), 400).serialize();
    expect(c).not.toEqual(a);
  });

  it('stops learning when no pair repeats, and keeps the requested vocabulary size', () => {
    const t = Tokenizer.train(['abcd'], 8192);
    expect(t.mergeCount).toBe(0);
    expect(t.vocabSize).toBe(8192);
    const t2 = Tokenizer.train(['ab ab ab'], 261);
    expect(t2.mergeCount).toBe(0);
    expect(t2.encode(' ab')).toEqual([32, 97, 98]);
  });

  it('serializes and deserializes to an identical tokenizer', () => {
    const bytes = tok.serialize();
    const back = Tokenizer.deserialize(bytes);
    expect(back.vocabSize).toBe(400);
    expect(back.serialize()).toEqual(bytes);
    for (const t of TEXTS) expect(back.encode(t)).toEqual(tok.encode(t));
    expect(() => Tokenizer.deserialize(bytes.subarray(0, bytes.length - 2))).toThrow(/length/);
    expect(() => Tokenizer.deserialize(new Uint8Array(12))).toThrow(/not a tokenizer/);
  });

  it('decodes ids it never learned to nothing rather than crashing', () => {
    const big = Tokenizer.train(TEXTS, 4000);
    const unused = FIRST_MERGE_ID + big.mergeCount;
    expect(unused).toBeLessThan(4000);
    expect(big.decode([72, unused, 105])).toBe('Hi');
  });
});

describe('Tokenizer.train on a large corpus', () => {
  it('learns from a deterministic strided sample past maxChars', () => {
    const texts = Array.from({ length: 40 }, (_, i) =>
      (i % 4 === 0 ? 'alpha beta gamma ' : 'delta epsilon zeta ').repeat(20),
    );
    // 14,800 characters over a 4,000 bound: a stride of 4, which sees only the alpha texts.
    const sampled = Tokenizer.train(texts, 300, 4_000);
    expect(sampled.encode(' alpha').length).toBe(1);
    expect(sampled.encode(' delta').length).toBeGreaterThan(1);
    const full = Tokenizer.train(texts, 300);
    expect(full.encode(' delta').length).toBe(1);
    expect(Tokenizer.train(texts, 300, 4_000).serialize()).toEqual(sampled.serialize());
  });
});
