// Imports: a plain-text corpus and LIMA JSONL, with line-numbered errors and nothing half-imported.
import { describe, expect, it } from 'vitest';
import { parseCorpus, parseJsonl } from '../../src/data/import';
import { IMPORT_LIMITS } from '../../src/spec';

describe('parseCorpus', () => {
  it('splits documents at blank lines and keeps line breaks inside them', () => {
    const r = parseCorpus(
      '\uFEFFFirst doc,\r\nsecond line.\r\n\r\n  \n\nSecond doc.\n',
      'notes.txt',
    );
    expect(r).toEqual({ ok: true, value: ['First doc,\nsecond line.', 'Second doc.'] });
  });

  it('rejects an empty file and documents over the bound, with their line', () => {
    expect(parseCorpus(' \n\n ', 'empty.txt')).toEqual({
      ok: false,
      errors: ['empty.txt: the file has no text'],
    });
    const big = 'x'.repeat(IMPORT_LIMITS.documentChars + 1);
    const r = parseCorpus(`ok\n\n${big}\n\nfine`, 'big.txt');
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.errors).toEqual([
        `line 3: document of ${big.length} characters is over the ${IMPORT_LIMITS.documentChars} limit`,
      ]);
  });
});

describe('parseJsonl', () => {
  it('reads LIMA conversations, skipping blank lines', () => {
    const text = [
      '{"conversations": ["How do I boil an egg?", "1. Boil water.\\n2. Add the egg."], "source": "wikihow"}',
      '',
      '{"conversations": ["Hi", "Hello!", "Who are you?", "An assistant."]}',
      '',
    ].join('\n');
    const r = parseJsonl(text, 'mine.jsonl');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toEqual([
      {
        turns: ['How do I boil an egg?', '1. Boil water.\n2. Add the egg.'],
        task: 'howto',
        source: 'mine.jsonl/wikihow',
      },
      {
        turns: ['Hi', 'Hello!', 'Who are you?', 'An assistant.'],
        task: 'dialogue',
        source: 'mine.jsonl',
      },
    ]);
  });

  it('reports every bad line with its number and reason, and imports nothing', () => {
    const text = [
      '{"conversations": ["q", "a"]}',
      '{"conversations": ["q", "a"]', // bad JSON
      '["q", "a"]', // not an object
      '{"turns": ["q", "a"]}', // missing field
      '{"conversations": "q a"}', // wrong type
      '{"conversations": ["q", 42]}', // wrong turn type
      '{"conversations": ["q", "a", "q2"]}', // odd
      '{"conversations": ["q", "   "]}', // empty turn
      `{"conversations": ["q", "${'y'.repeat(IMPORT_LIMITS.turnChars + 1)}"]}`, // too long
      '{"conversations": ["q", "a"], "source": 3}',
      '{"conversations": []}',
    ].join('\r\n');
    const r = parseJsonl(text, 'bad.jsonl');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(10);
    expect(r.errors[0]).toMatch(/^line 2: bad JSON/);
    expect(r.errors.slice(1)).toEqual([
      'line 3: expected an object with "conversations", got an array',
      'line 4: missing field "conversations"',
      'line 5: "conversations" must be an array of strings, got a string',
      'line 6: turn 2 must be a string, got a number',
      'line 7: odd number of turns (3): every user turn needs an assistant turn',
      'line 8: turn 2 is empty',
      `line 9: turn 2 has ${IMPORT_LIMITS.turnChars + 1} characters, over the ${IMPORT_LIMITS.turnChars} limit`,
      'line 10: "source" must be a string, got a number',
      'line 11: "conversations" is empty',
    ]);
  });

  it('rejects an empty file and caps a flood of errors', () => {
    expect(parseJsonl('\n\n', 'e.jsonl')).toEqual({
      ok: false,
      errors: ['e.jsonl: the file has no conversations'],
    });
    const r = parseJsonl(Array.from({ length: 50 }, () => 'nope').join('\n'), 'x.jsonl');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(21);
      expect(r.errors[20]).toBe('… and 30 more errors');
    }
  });

  it('rejects more conversations than the bound', () => {
    const line = '{"conversations": ["q", "a"]}';
    const r = parseJsonl(
      Array.from({ length: IMPORT_LIMITS.conversations + 1 }, () => line).join('\n'),
      'many.jsonl',
    );
    expect(r).toEqual({
      ok: false,
      errors: [
        `many.jsonl: ${IMPORT_LIMITS.conversations + 1} conversations is over the ${IMPORT_LIMITS.conversations} limit`,
      ],
    });
  });
});
