// Chat encoding: LIMA's template, the assistant-only loss mask, truncation, prompts and response cleaning.
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../../src/data/tokenizer';
import { cleanResponse, encodeChat, encodePrompt, stopIds } from '../../src/data/chat';
import { NO_STOP, type Conversation } from '../../src/world/types';

const tok = Tokenizer.train(['Where was Kima Dorsel born? Kima Dorsel was born in Tarsby.'], 300);
const { bos, user, assistant, eot } = tok.special;
const conv: Conversation = {
  turns: [
    'Where was Kima born?',
    'Kima was born in Tarsby.',
    'And where does she work?',
    'She works in Olbury.',
  ],
  task: 'dialogue',
  source: 'world',
};

describe('encodeChat', () => {
  it('lays out bos, tags, text and an EOT after every assistant turn', () => {
    const { ids } = encodeChat(conv, tok, 1000, 'assistant');
    const u1 = tok.encode(conv.turns[0]);
    const a1 = tok.encode(conv.turns[1]);
    expect(Array.from(ids.subarray(0, 3 + u1.length + a1.length))).toEqual(
      [bos, user, ...u1, assistant, ...a1, eot].slice(0, 3 + u1.length + a1.length),
    );
    expect(ids[ids.length - 1]).toBe(eot);
    expect(Array.from(ids).filter((i) => i === eot)).toHaveLength(2);
    expect(tok.decode(ids)).toBe(
      '<|bos|><|user|>Where was Kima born?<|assistant|>Kima was born in Tarsby.<|eot|>' +
        '<|user|>And where does she work?<|assistant|>She works in Olbury.<|eot|>',
    );
  });

  it('counts the loss on assistant tokens and their EOT only (LIMA), or on everything but BOS', () => {
    const { ids, targetMask } = encodeChat(conv, tok, 1000, 'assistant');
    expect(targetMask.length).toBe(ids.length);
    const counted = tok.decode(Array.from(ids).filter((_, i) => targetMask[i] === 1));
    expect(counted).toBe('Kima was born in Tarsby.<|eot|>She works in Olbury.<|eot|>');
    const all = encodeChat(conv, tok, 1000, 'all').targetMask;
    expect(all[0]).toBe(0);
    expect(Array.from(all.subarray(1)).every((m) => m === 1)).toBe(true);
  });

  it('truncates to maxLength like LIMA', () => {
    const full = encodeChat(conv, tok, 1000, 'assistant');
    const cut = encodeChat(conv, tok, 10, 'assistant');
    expect(cut.ids.length).toBe(10);
    expect(cut.targetMask.length).toBe(10);
    expect(Array.from(cut.ids)).toEqual(Array.from(full.ids.subarray(0, 10)));
  });
});

describe('encodePrompt', () => {
  it('ends the SFT prompt with the assistant tag, after earlier turns closed by EOT', () => {
    const p = encodePrompt(conv.turns.slice(0, 3), tok, 'sft', []);
    expect(tok.decode(p)).toBe(
      '<|bos|><|user|>Where was Kima born?<|assistant|>Kima was born in Tarsby.<|eot|>' +
        '<|user|>And where does she work?<|assistant|>',
    );
    expect(() => encodePrompt(conv.turns, tok, 'sft', [])).toThrow(/user turn/);
  });

  it('writes zero- and few-shot prompts as plain text without chat tokens', () => {
    const z = encodePrompt(['Where was Kima born?'], tok, 'zero-shot', [conv]);
    expect(tok.decode(z)).toBe('<|bos|>User: Where was Kima born?\nAssistant:');
    const f = encodePrompt(['Where was Kima born?'], tok, 'few-shot', [conv]);
    const text = tok.decode(f);
    expect(text).toBe(
      '<|bos|>User: Where was Kima born?\nAssistant: Kima was born in Tarsby.\n' +
        'User: And where does she work?\nAssistant: She works in Olbury.\n\n' +
        'User: Where was Kima born?\nAssistant:',
    );
    expect(Array.from(f.subarray(1)).some((id) => id >= 256 && id <= 260)).toBe(false);
  });

  it('stops SFT at EOT, and a base model also at the start of a new document', () => {
    expect(stopIds(tok, 'sft')).toEqual([eot]);
    expect(stopIds(tok, 'few-shot')).toEqual([eot, bos]);
  });
});

describe('cleanResponse', () => {
  it('cuts at the stop token and trims', () => {
    expect(cleanResponse(' Kima was born in Tarsby.<|eot|><|user|>x', 'sft')).toBe(
      'Kima was born in Tarsby.',
    );
    expect(cleanResponse('Kima was born in Tarsby.', 'sft')).toBe('Kima was born in Tarsby.');
  });

  it('cuts a plain-text continuation where the next turn or shot begins', () => {
    expect(cleanResponse(' Kima was born in Tarsby.\nUser: And', 'few-shot', false)).toBe(
      'Kima was born in Tarsby.',
    );
    expect(cleanResponse(' 1. Rinse it.\n2. Dry it.\n\nUser: How', 'zero-shot')).toBe(
      '1. Rinse it.\n2. Dry it.',
    );
  });

  it('marks a response that hit the token limit without stopping', () => {
    expect(cleanResponse('Kima was born in Tarsby. Kima was', 'sft', false)).toBe(
      `Kima was born in Tarsby. Kima was ${NO_STOP}`,
    );
    // The SFT template has no text markers: a blank line inside an answer is kept.
    expect(cleanResponse('a\n\nb', 'sft')).toBe('a\n\nb');
  });
});
