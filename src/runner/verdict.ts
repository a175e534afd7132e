// The verdict rule: what LIMA found, what a sweep's table shows, and whether it reproduced — one rule for the page, the lab and the docs.
import type { TableRow } from './types';
import { wilson } from '../world/stats';

/**
 * "reproduced": LIMA's effect, with the 95% intervals apart (or, for a plateau, the smallest and
 * largest sizes inside them); "in direction": the sign LIMA found, intervals overlapping (or a
 * plateau that is forming: gains shrink, or the top step is flat while the whole range still
 * rose); "not reproduced": the opposite sign or no effect; "not enough runs": the conditions or
 * intervals the rule needs are missing.
 */
export type Outcome = 'reproduced' | 'in direction' | 'not reproduced' | 'not enough runs';

export interface Verdict {
  /** Which finding the sweep tests ('custom' when its axes match none). */
  experiment:
    | 'plateau'
    | 'quality'
    | 'diversity'
    | 'dialogue'
    | 'in-context'
    | 'augmentation'
    | 'scale'
    | 'custom';
  /** What LIMA (or the related paper) found, with its numbers; empty for a custom sweep. */
  finding: string;
  /** What this sweep's numbers show. */
  shows: string;
  /** null for a custom sweep: there is no finding to reproduce. */
  outcome: Outcome | null;
}

/** A measure with its 95% interval: a mean score or a share of responses. */
interface Measure {
  value: number;
  lo: number;
  hi: number;
}

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ok = (m: Measure | null): m is Measure => m !== null && Number.isFinite(m.lo + m.hi);

function scoreOf(r: TableRow | undefined): Measure | null {
  if (!r || !Number.isFinite(r.mean) || !Number.isFinite(r.ci95)) return null;
  return { value: r.mean, lo: r.mean - r.ci95, hi: r.mean + r.ci95 };
}

/** The facts-right share when the judge reported it, else null. */
function factsOf(r: TableRow | undefined): Measure | null {
  const f = r?.facts;
  return f ? wilson(f.right, f.n) : null;
}

/** b − a, and whether the two 95% intervals are apart (the simple test a reader can check by eye). */
function compare(a: Measure, b: Measure) {
  const d = b.value - a.value;
  const apart = b.lo > a.hi || a.lo > b.hi;
  return { d, apart };
}
const where = (apart: boolean) =>
  apart ? 'the 95% intervals do not overlap' : 'inside the 95% intervals';

/** The value each sweep axis took in a row's condition ("quality=unfiltered, tasks=howto"). */
function valueIn(condition: string, key: string): string | undefined {
  for (const part of condition.split(', ')) {
    const [k, v] = part.split('=');
    if (k === key) return v;
  }
  return undefined;
}

const rowWith = (rows: readonly TableRow[], key: string, value: string) =>
  rows.find((r) => valueIn(r.condition, key) === value);

const notEnough = (experiment: Verdict['experiment'], finding: string, shows: string): Verdict => ({
  experiment,
  finding,
  shows,
  outcome: 'not enough runs',
});

/** A two-condition ablation: LIMA found `better` above `worse`. */
function ablation(
  experiment: Verdict['experiment'],
  finding: string,
  rows: readonly TableRow[],
  key: string,
  better: { value: string; name: string },
  worse: { value: string; name: string },
  measure: (r: TableRow | undefined) => Measure | null = scoreOf,
  show: (x: number) => string = f2,
  diff: (x: number) => string = signed,
): Verdict {
  const b = measure(rowWith(rows, key, better.value));
  const w = measure(rowWith(rows, key, worse.value));
  if (!ok(b) || !ok(w))
    return notEnough(
      experiment,
      finding,
      `${better.name} and ${worse.name} both need finished runs with an interval (two or more responses each).`,
    );
  const { d, apart } = compare(w, b);
  const shows = `${better.name} ${show(b.value)} vs ${worse.name} ${show(w.value)}: ${diff(d)}, ${where(apart)}.`;
  const outcome: Outcome = d > 0 ? (apart ? 'reproduced' : 'in direction') : 'not reproduced';
  return { experiment, finding, shows, outcome };
}

function plateau(rows: readonly TableRow[]): Verdict {
  const finding =
    'LIMA (Fig. 6): from 2K to 32K filtered examples the score plateaued — a 16-fold increase did not help.';
  const pts = rows
    .filter((r) => r.examples > 0)
    .map((r) => ({ x: r.examples, m: scoreOf(r) }))
    .sort((a, b) => a.x - b.x);
  if (pts.length < 3 || !pts.every((p) => ok(p.m)))
    return notEnough(
      'plateau',
      finding,
      `${pts.length} size${pts.length === 1 ? '' : 's'} with an interval; a plateau needs three or more.`,
    );
  const steps = pts
    .slice(1)
    .map((p, i) => ({ from: pts[i].x, to: p.x, ...compare(pts[i].m as Measure, p.m as Measure) }));
  const top = steps[steps.length - 1];
  const first = pts[0];
  const last = pts[pts.length - 1];
  const range = `${f2((first.m as Measure).value)} at ${first.x} → ${f2((last.m as Measure).value)} at ${last.x} examples`;
  const topText = `${signed(top.d)} from ${top.from} to ${top.to} examples, ${where(top.apart)}`;
  // LIMA's claim is about the whole range (2K → 32K), not only its last doubling: a score that
  // climbs in steps each too small to see alone has not plateaued.
  const whole = compare(first.m as Measure, last.m as Measure);
  const fold = `${Math.round(last.x / first.x)}-fold`;
  const wholeText = `${signed(whole.d)} over the ${fold} range (${range}), ${where(whole.apart)}`;
  if (!top.apart || top.d < 0) {
    if (!whole.apart || whole.d < 0)
      return {
        experiment: 'plateau',
        finding,
        shows: `more data adds nothing clear: ${wholeText}; the top step ${topText} — the plateau appeared.`,
        outcome: 'reproduced',
      };
    return {
      experiment: 'plateau',
      finding,
      shows: `the top step adds nothing clear (${topText}), but the data helped: ${wholeText} — a plateau at the top only.`,
      outcome: 'in direction',
    };
  }
  const biggest = steps.slice(0, -1).reduce((a, s) => (s.d > a.d ? s : a), steps[0]);
  if (biggest.d > top.d)
    return {
      experiment: 'plateau',
      finding,
      shows: `gains shrink (${signed(biggest.d)} from ${biggest.from} to ${biggest.to}) but scores still rise: ${topText} — the plateau did not appear yet (${range}).`,
      outcome: 'in direction',
    };
  return {
    experiment: 'plateau',
    finding,
    shows: `scores rise most at the top: ${topText} — no plateau (${range}).`,
    outcome: 'not reproduced',
  };
}

function inContext(rows: readonly TableRow[]): Verdict {
  const finding =
    'URIAL (Lin et al. 2023): a base model with 3 in-context examples rivals its fine-tuned version.';
  const z = scoreOf(rowWith(rows, 'method', 'zero-shot'));
  const f = scoreOf(rowWith(rows, 'method', 'few-shot'));
  const s = scoreOf(rowWith(rows, 'method', 'sft'));
  if (!ok(z) || !ok(f) || !ok(s))
    return notEnough(
      'in-context',
      finding,
      'zero-shot, few-shot and SFT all need finished runs with an interval.',
    );
  const toSft = compare(s, f);
  const overZero = compare(z, f);
  const shows = `few-shot ${f2(f.value)}, zero-shot ${f2(z.value)}, SFT ${f2(s.value)}: few-shot vs SFT ${signed(toSft.d)} (${where(toSft.apart)}), vs zero-shot ${signed(overZero.d)} (${where(overZero.apart)}).`;
  const outcome: Outcome =
    toSft.d >= 0 || !toSft.apart
      ? 'reproduced'
      : overZero.d > 0 && overZero.apart
        ? 'in direction'
        : 'not reproduced';
  return { experiment: 'in-context', finding, shows, outcome };
}

const MODEL_ORDER = ['toy', 'small', 'base', '7b-proxy'];

function scale(rows: readonly TableRow[]): Verdict {
  const finding =
    'LIMA credits pretraining for capability (its 65B model with 1,000 examples tied or beat GPT-4 in 43% of cases): a larger base should plateau higher.';
  const models = [...new Set(rows.map((r) => valueIn(r.condition, 'preset') ?? ''))]
    .filter((m) => MODEL_ORDER.includes(m))
    .sort((a, b) => MODEL_ORDER.indexOf(a) - MODEL_ORDER.indexOf(b));
  const small = models[0];
  const large = models.at(-1);
  const sizesOf = (m: string | undefined) =>
    new Set(rows.filter((r) => valueIn(r.condition, 'preset') === m).map((r) => r.examples));
  const common = [...sizesOf(small)].filter((x) => sizesOf(large).has(x));
  const at = Math.max(...common);
  const pick = (m: string | undefined) =>
    scoreOf(rows.find((r) => valueIn(r.condition, 'preset') === m && r.examples === at));
  const a = pick(small);
  const b = pick(large);
  if (models.length < 2 || !common.length || !ok(a) || !ok(b))
    return notEnough('scale', finding, 'two model sizes need finished runs at a common size.');
  const { d, apart } = compare(a, b);
  return {
    experiment: 'scale',
    finding,
    shows: `at ${at} examples ${large} ${f2(b.value)} vs ${small} ${f2(a.value)}: ${signed(d)}, ${where(apart)}.`,
    outcome: d > 0 ? (apart ? 'reproduced' : 'in direction') : 'not reproduced',
  };
}

function custom(rows: readonly TableRow[]): Verdict {
  const scored = rows.filter((r) => ok(scoreOf(r)));
  if (scored.length < 2)
    return {
      experiment: 'custom',
      finding: '',
      shows: 'fewer than two conditions with an interval to compare.',
      outcome: null,
    };
  const hi = scored.reduce((a, r) => (r.mean > a.mean ? r : a));
  const lo = scored.reduce((a, r) => (r.mean < a.mean ? r : a));
  const name = (r: TableRow) => `${r.condition === 'all' ? '' : `${r.condition} `}@ ${r.examples}`;
  const { d, apart } = compare(scoreOf(lo) as Measure, scoreOf(hi) as Measure);
  return {
    experiment: 'custom',
    finding: '',
    shows: `highest ${name(hi)} ${f2(hi.mean)}, lowest ${name(lo)} ${f2(lo.mean)}: ${signed(d)}, ${where(apart)}.`,
    outcome: null,
  };
}

/** The verdict for a sweep's table, from the paths of its axes (seed axes ignored). */
export function verdictOf(axisPaths: readonly string[], rows: readonly TableRow[]): Verdict {
  const axes = axisPaths.filter((p) => p !== 'finetune.seed' && p !== 'pretrain.seed').sort();
  const key = axes.join(' ');
  switch (key) {
    case 'finetune.examples':
      return plateau(rows);
    case 'data.quality':
      return ablation(
        'quality',
        'LIMA §5 (7B, 2,000 examples): filtered 3.83 vs unfiltered 3.33 — quality is worth about half a point.',
        rows,
        'quality',
        { value: 'filtered', name: 'filtered' },
        { value: 'unfiltered', name: 'unfiltered' },
      );
    case 'data.tasks':
      return ablation(
        'diversity',
        'LIMA §5: diverse Stack Exchange 3.83 vs how-to-only wikiHow 3.49.',
        rows,
        'tasks',
        { value: 'mixed', name: 'mixed tasks' },
        { value: 'howto', name: 'how-to only' },
      );
    case 'data.dialogues':
      return ablation(
        'dialogue',
        'LIMA §6: 30 multi-turn chains raised excellent multi-turn responses from 45.2% to 76.1%.',
        rows,
        'dialogues',
        { value: '30', name: 'excellent multi-turn with 30 chains' },
        { value: '0', name: 'without' },
        (r) => (r?.dialogue ? wilson(r.dialogue.excellent, r.dialogue.n) : null),
        pct,
        (x) => `${x >= 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(1)} points`,
      );
    case 'finetune.method':
      return inContext(rows);
    case 'data.augmentation': {
      const facts = rows.some((r) => r.facts);
      return ablation(
        'augmentation',
        'Physics of LMs 3.1 (Allen-Zhu & Li 2023): held-out facts answered 9.7% without rewrites vs 96.6% with 5 per biography.',
        rows,
        'augmentation',
        { value: '5', name: facts ? 'facts right with 5 rewrites' : '5 rewrites' },
        { value: '1', name: facts ? 'with 1' : '1 rewrite' },
        facts ? factsOf : scoreOf,
        facts ? pct : f2,
        facts ? (x) => `${x >= 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(1)} points` : signed,
      );
    }
    case 'finetune.examples model.preset':
    case 'model.preset':
      return scale(rows);
    default:
      return custom(rows);
  }
}

/** The verdict as one line of plain text: what `npm run lab` prints and the docs quote. */
export function verdictText(v: Verdict): string {
  const head = v.finding ? `${v.finding} ` : '';
  const tail = v.outcome ? ` Verdict: ${v.outcome}.` : '';
  return `${head}Here: ${v.shows}${tail}`;
}

/**
 * What the judge's shape cannot say: whether the answers at the largest size state the held-out
 * facts. LIMA's hypothesis is about knowledge the base already has; a plateau of answers in the
 * right format with the wrong facts is a plateau on the format floor. Null without facts.
 */
export function factsNote(rows: readonly TableRow[]): string | null {
  const withFacts = rows.filter((r) => r.facts && r.facts.n > 0);
  if (withFacts.length === 0) return null;
  const top = Math.max(...withFacts.map((r) => r.examples));
  // Pooled over the conditions at the largest size.
  let right = 0;
  let n = 0;
  let chance = 0;
  for (const r of withFacts.filter((x) => x.examples === top)) {
    right += r.facts!.right * r.facts!.n;
    chance += r.facts!.chance * r.facts!.n;
    n += r.facts!.n;
  }
  const m = wilson(right / n, n);
  if (!m) return null;
  const head = `Held-out facts right at ${top} examples: ${pct(m.value)} (95% interval ${pct(m.lo)}–${pct(m.hi)}; chance ${pct(chance / n)}).`;
  return m.lo > chance / n
    ? `${head} Above chance: the fine-tuned model states facts it could only have learned in pretraining.`
    : `${head} Not above chance: the answers have the format but not the facts, so the scores sit on the format floor and do not yet show that alignment surfaces pretrained knowledge.`;
}
