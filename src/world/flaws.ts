// Deliberately flawed responses for the unfiltered SFT set (LIMA §5: quality matters).
import type { Rng } from '../util/rng';
import { ATTRIBUTES, type Attribute } from './generate';
import { procedureProse } from './templates';
import { otherValue, type Pool, type TaskItem } from './tasks';
import type { Conversation } from './types';

export type Flaw = NonNullable<Conversation['flaw']>;
export const FLAWS: readonly Flaw[] = [
  'wrong-fact',
  'off-format',
  'rambling',
  'truncated',
  'unhelpful',
];

const LABEL: Record<Attribute, string> = {
  birthDate: 'Birth date',
  birthCity: 'Birthplace',
  university: 'University',
  major: 'Major',
  employer: 'Employer',
  employerCity: 'Work city',
};

/** Short, so that a rambling response still fits the toy model's 128-token context. */
export const CHATTER_OPEN = [
  'Great question!',
  'Happy to help.',
  'Let me think.',
  'Thanks for asking.',
];
export const CHATTER_CLOSE = [
  'Hope this helps!',
  'Feel free to ask more.',
  'Fun to answer.',
  'There is more to say.',
];
export const UNHELPFUL = [
  "I'm sorry, but I don't have any information about that.",
  'That is hard to say.',
  'I cannot answer that question.',
  'You should look that up somewhere else.',
];

const attributeOf = (key: string) => key.split(':')[0] as Attribute;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The reference with every fact swapped for another person's (or another procedure's steps). */
function wrongFacts(item: TaskItem, pool: Pool, rng: Rng): string {
  if (item.truth.format === 'steps') {
    const others = pool.procedures.filter((p) => p.steps.join() !== item.truth.steps?.join());
    if (others.length > 0)
      return rng
        .pick(others)
        .steps.map((s, i) => `${i + 1}. ${s}.`)
        .join('\n');
    return [...(item.truth.steps ?? [])]
      .reverse()
      .map((s, i) => `${i + 1}. ${s}.`)
      .join('\n');
  }
  let text = item.truth.reference;
  for (const f of item.truth.facts) {
    const a = attributeOf(f.key);
    if (!ATTRIBUTES.includes(a)) continue;
    text = text.replace(new RegExp(`\\b${escape(f.value)}\\b`), otherValue(rng, pool, a, f.value));
  }
  return text;
}

/** The same facts in the wrong shape: a key–value list, prose steps, a verdict without yes/no. */
function offFormat(item: TaskItem): string {
  const t = item.truth;
  switch (t.format) {
    case 'steps':
      return procedureProse('do it', t.steps ?? [], 0).replace('To do it, first', 'First');
    case 'yesno':
      return t.reference.replace(/^(Yes|No), /, '');
    case 'compare':
      return t.entities.map((e, i) => `- ${e}: ${t.facts[i].value}`).join('\n');
    case 'profile':
      return t.facts.map((f, i) => `${i + 1}. ${LABEL[attributeOf(f.key)]}: ${f.value}`).join('\n');
    case 'sentence':
      return t.facts.map((f) => `- ${LABEL[attributeOf(f.key)]}: ${f.value}`).join('\n');
  }
}

/** Cut between 35% and 75% of the way, at a word boundary, leaving no final period. */
function truncate(text: string, rng: Rng): string {
  const at = Math.floor(text.length * (0.35 + 0.4 * rng.float()));
  const cut = text.slice(0, at).replace(/\s+\S*$/, '');
  return cut.replace(/[.!?\s]+$/, '') || text.split(' ')[0];
}

/**
 * The assistant turn for one flaw; the prompt stays the same, only the response is spoiled. Wrong
 * facts come from the same pool's entities, so held-out knowledge never leaks into SFT data.
 */
export function flawedResponse(item: TaskItem, flaw: Flaw, pool: Pool, rng: Rng): string {
  switch (flaw) {
    case 'wrong-fact':
      return wrongFacts(item, pool, rng);
    case 'off-format':
      return offFormat(item);
    case 'rambling': {
      const sep = item.truth.format === 'steps' ? '\n' : ' ';
      return `${rng.pick(CHATTER_OPEN)}${sep}${item.truth.reference}${sep}${rng.pick(CHATTER_CLOSE)}`;
    }
    case 'truncated':
      return truncate(item.truth.reference, rng);
    case 'unhelpful':
      return rng.pick(UNHELPFUL);
  }
}
