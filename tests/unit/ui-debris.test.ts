// Decoding debris in model output is split out and made visible; readable text is untouched.
import { describe, expect, it } from 'vitest';
import { debrisPieces } from '../../src/ui/debris';

describe('debrisPieces', () => {
  it('keeps readable text, newlines and tabs whole', () => {
    expect(debrisPieces('Druhil was born\nin Sonunton.\t')).toEqual([
      { text: 'Druhil was born\nin Sonunton.\t', debris: false },
    ]);
    expect(debrisPieces('')).toEqual([]);
  });

  it('shows U+FFFD as itself and control bytes as their Control Pictures, in place', () => {
    expect(debrisPieces('\u0006es, Voke \uFFFD\uFFFDwas\u0017ls\u007F')).toEqual([
      { text: '\u2406', debris: true },
      { text: 'es, Voke ', debris: false },
      { text: '\uFFFD\uFFFD', debris: true },
      { text: 'was', debris: false },
      { text: '\u2417', debris: true },
      { text: 'ls', debris: false },
      { text: '\u2421', debris: true },
    ]);
  });

  it('never loses or adds a readable character', () => {
    const text = 'a\u0001b\uFFFDc\nd\u001Fe';
    const readable = debrisPieces(text)
      .filter((p) => !p.debris)
      .map((p) => p.text)
      .join('');
    expect(readable).toBe('abc\nde');
  });
});
