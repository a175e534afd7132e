// The judge: a strict, deterministic 1–6 helpfulness score modelled on LIMA's scale, with a short reason.
import { CHATTER_CLOSE, CHATTER_OPEN, UNHELPFUL } from './flaws';
import { MAJORS, MONTHS } from './generate';
import {
  BIO,
  FILLER,
  FOLLOW_UP,
  FRAMES,
  HOWTO_ASK,
  PROFILE_ASK,
  procedureProse,
  type Ref,
} from './templates';
import { NO_STOP, type EvalItem, type Score, type Verdict } from './types';

/**
 * The rubric, for the judge and for the page that explains its scores. Facts count only when stated
 * exactly; a value of the asked kind that is not the truth is an error. Chatter is one flaw of form;
 * rambling on for three or more unrequested sentences (a base model reciting a whole biography) is two.
 */
export const RUBRIC: Record<Score, string> = {
  6: 'Every asked fact right, the expected format, names the subject, concise, clean stop.',
  5: 'Every fact right but one flaw of form: wrong format, extra chatter, or cut off at the end.',
  4: 'Every fact right with two flaws of form, or at least half the facts and no wrong ones.',
  3: 'Some facts right next to a wrong one or most missing, or a partial answer with a flaw of form.',
  2: 'On topic but no right fact: a wrong fact (often another person’s), a refusal, a vague answer.',
  1: 'Empty, gibberish, a repetition loop, or never stops (hit the token limit).',
};

const DATE = new RegExp(`\\b\\d{1,2} (?:${MONTHS.join('|')}) \\d{4}\\b`, 'g');
const LIST_LINE = /^\s*(?:\d+[.)]|[-*•])\s+/m;
const NUMBERED = /^\s*(\d+)[.)]\s+(.*)$/;
const REFUSAL =
  /\b(?:i'?m sorry|i am sorry|i (?:don'?t|do not|cannot|can'?t) (?:know|say|help|answer|tell)|no information|hard to say|not sure|look that up|unable to)\b/i;
const CHATTER =
  /\b(?:great question|happy to help|hope this helps|let me know|feel free|thanks for asking|let me think|fun to answer|interesting one|more to say|as an ai)\b/i;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();

function mentions(text: string, value: string): boolean {
  return new RegExp(`(?:^|[^\\p{L}\\p{N}])${escape(norm(value))}(?:$|[^\\p{L}\\p{N}])`, 'u').test(
    norm(text),
  );
}

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /\p{L}/u.test(s));
}

const words = (s: string) => s.toLowerCase().match(/\p{L}+/gu) ?? [];

let knownWords: Set<string> | null = null;
/** Words the world's language uses: every template rendered, plus common English. Built once. */
function known(): Set<string> {
  if (knownWords) return knownWords;
  const r: Ref = { S: 'She', P: 'Her', s: 'she', p: 'her' };
  const h: Ref = { S: 'He', P: 'His', s: 'he', p: 'his' };
  const texts: string[] = [
    ...Object.values(BIO).flatMap((ts) => ts.flatMap((t) => [t(r, ''), t(h, '')])),
    ...Object.values(FOLLOW_UP).flatMap((ts) =>
      ts.flatMap((t) => [t('she', 'her'), t('he', 'his')]),
    ),
    ...FRAMES.map((f) => f('when where which what who whether', 'how')),
    ...PROFILE_ASK.map((f) => f('')),
    ...HOWTO_ASK.map((f) => f('')),
    ...FILLER.map((f) => f('', 1)),
    procedureProse('', ['', '', '', '', ''], 0),
    procedureProse('', ['', '', '', '', ''], 1),
    procedureProse('', ['', '', '', '', ''], 2),
    procedureProse('', ['', '', '', '', ''], 3),
    ...CHATTER_OPEN,
    ...CHATTER_CLOSE,
    ...UNHELPFUL,
    ...MONTHS,
    ...MAJORS,
    'yes no both same different while not the a an and or of to in on at for with is are was were be',
    'labs works systems foods motors media university born study studied works company city',
    'it this that these those there here they them their he she his her i you we my your our me',
    'do does did have has had can could would should will may might must first then next last step steps',
    'rinse dry heat wrap sand edges rub rest soak press flat cut parts hang near window check cracks',
    'fold twice store place tap gently cover shake well turn times water cloth minutes hours',
    'polish repair clean assemble prepare test paint brass wooden glass copper clay woolen silver stone',
    'linen cotton paper felt wool salt vinegar oil soap sand wax lemon juice cold warm hot',
    'birth date birthplace major employer work workplace profile name answer question from',
  ];
  knownWords = new Set(texts.flatMap(words));
  return knownWords;
}

function isGibberish(text: string, item: EvalItem): boolean {
  const ws = words(text);
  if (ws.length === 0) return true;
  const own = new Set(
    [...item.turns, item.truth.reference, ...item.truth.wrong, ...item.truth.entities].flatMap(
      words,
    ),
  );
  const k = known();
  const hits = ws.filter((w) => k.has(w) || own.has(w)).length;
  // Lenient: names of other people and companies are real words the judge cannot know.
  return hits / ws.length < 0.4;
}

/** A sentence said three times, or a 4-word run said four times: the model is stuck in a loop. */
function findLoop(text: string): string | null {
  const counts = new Map<string, number>();
  for (const s of sentences(text)) {
    const k = norm(s.replace(NUMBERED, '$2'));
    if (k.split(' ').length < 2) continue;
    const c = (counts.get(k) ?? 0) + 1;
    counts.set(k, c);
    if (c >= 3) return s;
  }
  const ws = words(text);
  const grams = new Map<string, number>();
  for (let i = 0; i + 4 <= ws.length; i++) {
    const g = ws.slice(i, i + 4).join(' ');
    const c = (grams.get(g) ?? 0) + 1;
    grams.set(g, c);
    if (c >= 4) return g;
  }
  return null;
}

/** 'yes' / 'no' from a leading word, or for comparisons from "same" / "different" wording. */
function stance(text: string, compare: boolean): 'yes' | 'no' | null {
  const lead = /^\W*(yes|no)\b/i.exec(text);
  if (lead) return lead[1].toLowerCase() as 'yes' | 'no';
  if (!compare) return null;
  const t = norm(text);
  if (/\b(?:not the same|different|differ|while)\b/.test(t)) return 'no';
  if (/\b(?:both|the same)\b/.test(t)) return 'yes';
  return null;
}

interface Findings {
  right: number;
  total: number;
  wrong: string[];
  missing: string[];
  /** Flaws of form: each costs a point from an otherwise complete answer. */
  form: string[];
  /** Sentences or lines beyond what the answer needs (all chatter together is one flaw). */
  extra: number;
}

function checkSteps(text: string, item: EvalItem, f: Findings): void {
  const steps = item.truth.steps ?? [];
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const positions: number[] = [];
  const lower = norm(text);
  for (const s of steps) {
    const at = lower.indexOf(norm(s));
    if (at >= 0) {
      f.right++;
      positions.push(at);
    } else f.missing.push(`step "${s}"`);
  }
  f.total = steps.length;
  if (positions.some((p, i) => i > 0 && p < positions[i - 1])) f.wrong.push('steps out of order');
  const numbered = lines.map((l) => NUMBERED.exec(l)).filter((m) => m !== null);
  for (const m of numbered) {
    if (!steps.some((s) => norm(m[2]).includes(norm(s))))
      f.wrong.push(`step "${m[2].slice(0, 40)}" does not belong`);
  }
  if (numbered.length === 0) f.form.push('steps are not a numbered list');
  else if (numbered.some((m, i) => Number(m[1]) !== i + 1)) f.form.push('numbering is off');
  if (numbered.length > 0) f.extra = lines.length - numbered.length;
}

function checkFacts(text: string, item: EvalItem, f: Findings): void {
  const t = item.truth;
  for (const fact of t.facts) {
    if (mentions(text, fact.value)) f.right++;
    else f.missing.push(`${fact.key.split(':')[0]} (${fact.value})`);
  }
  f.total = t.facts.length;
  for (const w of t.wrong) if (mentions(text, w)) f.wrong.push(`says ${w}`);
  if (t.facts.some((x) => x.key.startsWith('birthDate'))) {
    const ok = new Set(t.facts.map((x) => x.value));
    // A "no" may repeat the date it rejects.
    if (t.answer === 'no')
      for (const d of item.turns[item.turns.length - 1].match(DATE) ?? []) ok.add(d);
    for (const d of text.match(DATE) ?? []) if (!ok.has(d)) f.wrong.push(`says ${d}`);
  }
  for (const e of t.entities) if (!mentions(text, e)) f.form.push(`does not name ${e}`);
  const refCount = sentences(t.reference).length;
  const n = sentences(text).length;
  const list = LIST_LINE.test(text);
  if (t.format === 'yesno' || t.format === 'compare') {
    const s = stance(text, t.format === 'compare');
    if (s === null) f.form.push(t.format === 'yesno' ? 'no yes or no' : 'no conclusion');
    else {
      f.total++;
      if (s === t.answer) f.right++;
      else f.wrong.push(`says ${s}, the answer is ${t.answer}`);
    }
  }
  if (list) f.form.push(t.format === 'profile' ? 'a list, not prose' : 'a list, not a sentence');
  else f.extra = Math.max(0, n - refCount - (t.format === 'profile' ? 1 : 0));
}

/**
 * Whether the response states what was asked, whatever its form: every asked fact (or step, in
 * order) stated exactly, the asked person named (a pronoun is enough in a follow-up), the yes/no
 * right, and no wrong value of the asked kinds. This is "knows the fact" for the facts-right metric;
 * the score also weighs the form.
 */
export function statesFacts(item: EvalItem, response: string): boolean {
  const text = response.replace(NO_STOP, '').trim();
  const f: Findings = { right: 0, total: 0, wrong: [], missing: [], form: [], extra: 0 };
  if (item.truth.format === 'steps') checkSteps(text, item, f);
  else checkFacts(text, item, f);
  const named = item.truth.entities.every((e) => mentions(text, e));
  return f.total > 0 && f.right === f.total && f.wrong.length === 0 && named;
}

function verdict(score: Score, reason: string): Verdict {
  return { score, reason: reason.length > 160 ? reason.slice(0, 157) + '…' : reason };
}

export function judge(item: EvalItem, response: string): Verdict {
  const text = response.trim();
  if (text === '') return verdict(1, 'empty response');
  if (text.includes(NO_STOP)) return verdict(1, 'never stops: ran to the token limit');
  const loop = findLoop(text);
  if (loop) return verdict(1, `never stops: repeats "${loop.slice(0, 40)}"`);
  if (isGibberish(text, item)) return verdict(1, 'gibberish: hardly any real words');

  const f: Findings = { right: 0, total: 0, wrong: [], missing: [], form: [], extra: 0 };
  if (item.truth.format === 'steps') checkSteps(text, item, f);
  else checkFacts(text, item, f);
  if (REFUSAL.test(text) && f.right === 0 && f.wrong.length === 0)
    return verdict(2, 'unhelpful: declines to answer');
  if (CHATTER.test(text) || REFUSAL.test(text) || f.extra > 0) {
    f.form.push(
      f.extra > 0
        ? `extra chatter (${f.extra} unrequested ${f.extra > 1 ? 'sentences' : 'sentence'})`
        : 'extra chatter',
    );
    if (f.extra >= 3) f.form.push('rambles on');
  }
  if (!/[.!?]["')\]]*$/.test(text)) f.form.push('ends mid-sentence');

  let content: number;
  if (f.wrong.length > 0) content = f.right > 0 ? 3 : 2;
  else if (f.right === f.total) content = 6;
  else if (f.right * 2 >= f.total) content = 4;
  else content = f.right > 0 ? 3 : 2;
  const score = Math.max(2, content - f.form.length) as Score;

  if (score === 6)
    return verdict(6, `all ${f.total} facts right, clean ${item.truth.format} answer`);
  const parts: string[] = [];
  if (f.wrong.length > 0) parts.push(`wrong: ${f.wrong.join(', ')}`);
  if (f.right === 0 && f.wrong.length === 0) parts.push('no asked fact stated');
  else parts.push(`${f.right}/${f.total} right`);
  if (f.missing.length > 0 && f.right > 0) parts.push(`missing ${f.missing.join(', ')}`);
  if (f.form.length > 0) parts.push(f.form.join(', '));
  return verdict(score, parts.join('; '));
}

/** Head-to-head from judge scores (LIMA's win / tie / loss). */
export function preference(a: Verdict, b: Verdict): 'win' | 'tie' | 'loss' {
  return a.score > b.score ? 'win' : a.score < b.score ? 'loss' : 'tie';
}
