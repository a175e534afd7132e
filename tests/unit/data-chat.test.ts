// Chat encoding: LIMA's template, the assistant-only loss mask, truncation, prompts and response cleaning.
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../../src/data/tokenizer';
import { cleanResponse, encodeChat, encodePrompt, promptText, stopIds } from '../../src/data/chat';
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
  it("lays out LIMA's text template: plain-text turns, one EOT after every assistant turn", () => {
    const { ids } = encodeChat(conv, tok, 1000, 'assistant', 'text');
    expect(tok.decode(ids)).toBe(
      '<|bos|> User: Where was Kima born?\nAssistant: Kima was born in Tarsby.<|eot|>' +
        ' User: And where does she work?\nAssistant: She works in Olbury.<|eot|>',
    );
    expect(Array.from(ids).filter((i) => i >= 256 && i <= 260)).toEqual([bos, eot, eot]);
  });

  it("lays out the 'qa' template as the web's Q&A form, with LIMA's EOT after every answer", () => {
    const { ids, targetMask } = encodeChat(conv, tok, 1000, 'assistant', 'qa');
    expect(tok.decode(ids)).toBe(
      '<|bos|> Q: Where was Kima born?\nA: Kima was born in Tarsby.<|eot|>' +
        ' Q: And where does she work?\nA: She works in Olbury.<|eot|>',
    );
    // The loss is on the answers and their EOTs only, as in the text template.
    const text = encodeChat(conv, tok, 1000, 'assistant', 'text');
    const answerTokens = (m: Uint8Array) => m.reduce((n, x) => n + x, 0);
    expect(answerTokens(targetMask)).toBe(answerTokens(text.targetMask));
  });

  it('lays out bos, role tokens, text and an EOT with the special template', () => {
    const { ids } = encodeChat(conv, tok, 1000, 'assistant', 'special');
    const u1 = tok.encode(conv.turns[0]);
    const a1 = tok.encode(conv.turns[1]);
    expect(Array.from(ids.subarray(0, 4 + u1.length + a1.length))).toEqual([
      bos,
      user,
      ...u1,
      assistant,
      ...a1,
      eot,
    ]);
    expect(tok.decode(ids)).toBe(
      '<|bos|><|user|> Where was Kima born?<|assistant|> Kima was born in Tarsby.<|eot|>' +
        '<|user|> And where does she work?<|assistant|> She works in Olbury.<|eot|>',
    );
  });

  it.each(['text', 'qa', 'special'] as const)(
    '%s: a name in a reply is the same tokens as the name in the question',
    (template) => {
      const name = tok.encode(' Kima Dorsel');
      const c: Conversation = {
        turns: ['Where was Kima Dorsel born?', 'Kima Dorsel was born in Tarsby.'],
        task: 'fact',
        source: 'world',
      };
      const { ids, targetMask } = encodeChat(c, tok, 1000, 'assistant', template);
      const at = (from: number) => {
        for (let i = from; i + name.length <= ids.length; i++)
          if (name.every((id, k) => ids[i + k] === id)) return i;
        return -1;
      };
      const inQuestion = at(0);
      const inReply = at(inQuestion + 1);
      expect(inQuestion).toBeGreaterThan(0);
      expect(inReply).toBeGreaterThan(inQuestion);
      // The reply's copy is the first thing the assistant says, and the loss counts on it.
      expect(targetMask[inReply]).toBe(1);
      expect(targetMask[inReply - 1]).toBe(0);
    },
  );

  it('counts the loss on assistant tokens and their EOT only (LIMA), or on everything but BOS', () => {
    for (const template of ['text', 'special'] as const) {
      const { ids, targetMask } = encodeChat(conv, tok, 1000, 'assistant', template);
      expect(targetMask.length).toBe(ids.length);
      const counted = tok.decode(Array.from(ids).filter((_, i) => targetMask[i] === 1));
      expect(counted).toBe(' Kima was born in Tarsby.<|eot|> She works in Olbury.<|eot|>');
      const all = encodeChat(conv, tok, 1000, 'all', template).targetMask;
      expect(all[0]).toBe(0);
      expect(Array.from(all.subarray(1)).every((m) => m === 1)).toBe(true);
    }
  });

  it('truncates to maxLength like LIMA', () => {
    const full = encodeChat(conv, tok, 1000, 'assistant', 'text');
    const cut = encodeChat(conv, tok, 10, 'assistant', 'text');
    expect(cut.ids.length).toBe(10);
    expect(cut.targetMask.length).toBe(10);
    expect(Array.from(cut.ids)).toEqual(Array.from(full.ids.subarray(0, 10)));
  });
});

describe('encodePrompt', () => {
  it.each(['text', 'special'] as const)(
    '%s: the SFT prompt is the training encoding up to the assistant tag',
    (template) => {
      const p = encodePrompt(conv.turns.slice(0, 3), tok, 'sft', [], template);
      const trained = encodeChat(conv, tok, 1000, 'assistant', template).ids;
      expect(Array.from(p)).toEqual(Array.from(trained.subarray(0, p.length)));
      // What follows in training is the assistant's answer.
      expect(tok.decode(trained.subarray(p.length))).toBe(' She works in Olbury.<|eot|>');
      expect(() => encodePrompt(conv.turns, tok, 'sft', [], template)).toThrow(/user turn/);
    },
  );

  it('writes zero- and few-shot prompts as plain text without chat tokens', () => {
    const z = encodePrompt(['Where was Kima born?'], tok, 'zero-shot', [conv], 'text');
    expect(tok.decode(z)).toBe('<|bos|> User: Where was Kima born?\nAssistant:');
    const f = encodePrompt(['Where was Kima born?'], tok, 'few-shot', [conv], 'special');
    const text = tok.decode(f);
    expect(text).toBe(
      '<|bos|> User: Where was Kima born?\nAssistant: Kima was born in Tarsby.\n' +
        'User: And where does she work?\nAssistant: She works in Olbury.\n\n' +
        'User: Where was Kima born?\nAssistant:',
    );
    expect(Array.from(f.subarray(1)).some((id) => id >= 256 && id <= 260)).toBe(false);
  });

  it('shows the prompt as the model saw it: the same pieces, special tokens by name', () => {
    const three = conv.turns.slice(0, 3);
    for (const template of ['text', 'special'] as const)
      for (const method of ['sft', 'zero-shot', 'few-shot'] as const) {
        const text = promptText(three, method, [conv], template);
        // The tokens' text is this text plus the dummy-prefix space the tokenizer puts before each piece.
        const decoded = tok.decode(encodePrompt(three, tok, method, [conv], template));
        expect(decoded.replace(/\|> /g, '|>')).toBe(text.replace(/\|> /g, '|>'));
      }
    expect(promptText(['Where was Kima born?'], 'sft', [], 'text')).toBe(
      '<|bos|>User: Where was Kima born?\nAssistant:',
    );
    expect(promptText(three, 'sft', [], 'special')).toBe(
      `<|bos|><|user|>${three[0]}<|assistant|> ${three[1]}<|eot|><|user|>${three[2]}<|assistant|>`,
    );
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
