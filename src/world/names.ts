// Pronounceable, unique made-up words (names, cities, companies) built from consonant–vowel syllables.
import type { Rng } from '../util/rng';

const ONSETS = [
  'b',
  'd',
  'f',
  'g',
  'h',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'z',
  'br',
  'dr',
  'st',
  'tr',
  'sh',
];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'a', 'e', 'o'];
const CODAS = ['n', 'l', 'r', 's', 'm'];

function syllable(rng: Rng, codaChance: number): string {
  return rng.pick(ONSETS) + rng.pick(VOWELS) + (rng.chance(codaChance) ? rng.pick(CODAS) : '');
}

export function capitalize(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

/**
 * Draws words from `make` until one is new to `used`, so names, cities and companies never share a
 * stem: a judge that looks for "Tarsby" must not find it inside "Tarsby Labs".
 */
export class WordMint {
  private readonly used = new Set<string>();

  constructor(private readonly rng: Rng) {}

  /** A new lowercase word of `syllables` syllables (+ optional suffix). */
  word(syllables: number, suffix = '', codaChance = 0.25): string {
    for (let attempt = 0; ; attempt++) {
      // Grow the word after many collisions, so huge worlds still terminate.
      const n = syllables + Math.floor(attempt / 200);
      let w = '';
      for (let i = 0; i < n; i++)
        w += syllable(this.rng, i === n - 1 ? codaChance + 0.2 : codaChance);
      w += suffix;
      if (!this.used.has(w)) {
        this.used.add(w);
        return w;
      }
    }
  }

  /** Reserve a word so nothing minted later collides with it. */
  reserve(w: string): boolean {
    if (this.used.has(w)) return false;
    this.used.add(w);
    return true;
  }
}
