// Byte-level decoding debris in model output, split out so the samples view can show it as such.

/** A piece of a response: readable text, or bytes that did not decode to text. */
export interface Piece {
  text: string;
  debris: boolean;
}

/** U+FFFD (an invalid UTF-8 sequence) and C0 control characters other than tab and newline. */
// eslint-disable-next-line no-control-regex -- matching control bytes is this pattern's purpose
const DEBRIS = /[\uFFFD\u0000-\u0008\u000B-\u001F\u007F]+/g;

/**
 * The response in pieces, in order. A byte-level tokenizer can emit a lone byte that is no
 * character; shown raw it is invisible or looks like a font glitch, so each such character is
 * made visible: U+FFFD stays as it is, a control byte becomes its Control Picture (␗ for 0x17).
 */
export function debrisPieces(text: string): Piece[] {
  const out: Piece[] = [];
  let at = 0;
  for (const m of text.matchAll(DEBRIS)) {
    if (m.index > at) out.push({ text: text.slice(at, m.index), debris: false });
    const shown = [...m[0]]
      .map((c) => {
        const code = c.codePointAt(0)!;
        if (code === 0x7f) return '\u2421';
        return code < 0x20 ? String.fromCodePoint(0x2400 + code) : c;
      })
      .join('');
    out.push({ text: shown, debris: true });
    at = m.index + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), debris: false });
  return out;
}
