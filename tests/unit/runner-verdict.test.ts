// The verdict rule on hand-made tables (each outcome of each experiment) and on every table in docs/RESULTS.md.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { factsNote, verdictOf, verdictText, type Outcome } from '../../src/runner/verdict';
import { wilson } from '../../src/world/stats';
import type { TableRow } from '../../src/runner/types';

const row = (
  condition: string,
  examples: number,
  mean: number,
  ci95: number,
  n = 240,
): TableRow => ({
  condition,
  examples,
  mean,
  ci95,
  n,
  excellent: 0,
  seeds: 3,
});
const sizes = (means: [number, number][]) => means.map(([m, c], i) => row('all', 8 * 2 ** i, m, c));
const PLATEAU = ['finetune.examples', 'finetune.seed'];

describe('the plateau', () => {
  test('no clear gain over the whole range reproduces it', () => {
    const v = verdictOf(
      PLATEAU,
      sizes([
        [1.9, 0.06],
        [1.95, 0.05],
        [1.9, 0.05],
        [2.0, 0.06],
        [2.02, 0.06],
      ]),
    );
    expect(v.outcome).toBe('reproduced');
    expect(v.shows).toContain('+0.12 over the 16-fold range (1.90 at 8 → 2.02 at 128 examples)');
    expect(v.shows).toContain('+0.02 from 64 to 128 examples, inside the 95% intervals');
  });
  test('a flat top step after a clear climb is a plateau at the top only: in direction', () => {
    // Steps each too small to see alone add up: LIMA saw nothing over its whole 16-fold range.
    const v = verdictOf(
      PLATEAU,
      sizes([
        [1.1, 0.05],
        [1.6, 0.05],
        [1.9, 0.05],
        [2.0, 0.06],
        [2.02, 0.06],
      ]),
    );
    expect(v.outcome).toBe('in direction');
    expect(v.shows).toContain('the top step adds nothing clear (+0.02 from 64 to 128 examples');
    expect(v.shows).toContain('+0.92 over the 16-fold range');
    expect(v.shows).toContain('a plateau at the top only');
  });
  test('a clear top step after bigger ones is in direction, and says the plateau did not appear', () => {
    // The default experiment as measured in docs/RESULTS.md.
    const v = verdictOf(
      PLATEAU,
      sizes([
        [1.07, 0.03],
        [1.21, 0.06],
        [1.8, 0.08],
        [1.84, 0.06],
        [2.06, 0.08],
      ]),
    );
    expect(v.outcome).toBe('in direction');
    expect(v.shows).toContain('+0.22 from 64 to 128 examples, the 95% intervals do not overlap');
    expect(v.shows).toContain('the plateau did not appear yet');
    expect(v.finding).toContain('16-fold');
  });
  test('scores rising fastest at the top do not reproduce it', () => {
    const v = verdictOf(
      PLATEAU,
      sizes([
        [1.1, 0.05],
        [1.2, 0.05],
        [1.4, 0.05],
        [1.7, 0.05],
        [2.3, 0.05],
      ]),
    );
    expect(v.outcome).toBe('not reproduced');
  });
  test('two sizes, or a size without an interval, are not enough', () => {
    expect(
      verdictOf(
        PLATEAU,
        sizes([
          [1.1, 0.05],
          [1.6, 0.05],
        ]),
      ).outcome,
    ).toBe('not enough runs');
    expect(
      verdictOf(
        PLATEAU,
        sizes([
          [1.1, 0.05],
          [1.6, NaN],
          [1.7, 0.1],
        ]),
      ).outcome,
    ).toBe('not enough runs');
  });
});

describe('the facts under the shape', () => {
  const withFacts = (examples: number, right: number, n = 80, chance = 0.075): TableRow => ({
    ...row('all', examples, 2.4, 0.2, n),
    facts: { right, ci95: 0, chance, n },
  });
  test('a plateau whose top answers state no more facts than chance is called the format floor', () => {
    const note = factsNote([withFacts(8, 0), withFacts(128, 0.025)])!;
    expect(note).toMatch(
      /^Held-out facts right at 128 examples: 2\.5% \(95% interval 0\.7%–8\.7%; chance 7\.5%\)\./,
    );
    expect(note).toContain('Not above chance');
    expect(note).toContain('format floor');
  });
  test('facts clearly above chance are said to surface, and conditions at the top size are pooled', () => {
    const note = factsNote([withFacts(128, 0.5), { ...withFacts(128, 0.4), condition: 'q' }])!;
    expect(note).toContain('at 128 examples: 45.0%');
    expect(note).toContain('Above chance');
    expect(factsNote([row('all', 8, 2, 0.1)])).toBeNull();
  });
});

describe('two-condition ablations', () => {
  const q = (f: number, u: number, c = 0.05) => [
    row('quality=filtered', 64, f, c),
    row('quality=unfiltered', 64, u, c),
  ];
  test.each([
    [2.5, 2.0, 'reproduced'],
    [2.05, 2.0, 'in direction'],
    [2.0, 2.0, 'not reproduced'],
    [1.84, 1.88, 'not reproduced'],
  ] as [number, number, Outcome][])('quality %s vs %s: %s', (f, u, outcome) => {
    expect(verdictOf(['data.quality', 'finetune.seed'], q(f, u)).outcome).toBe(outcome);
  });
  test('a missing condition is not enough runs', () => {
    expect(verdictOf(['data.quality'], q(2, 1).slice(0, 1)).outcome).toBe('not enough runs');
  });
  test('dialogue compares the share of excellent multi-turn answers with Wilson intervals', () => {
    const d = (k0: number, k30: number, n: number) =>
      [0, 30].map((c, i) => ({
        ...row(`dialogues=${c}`, 64, 2, 0.05),
        dialogue: { mean: 2, excellent: [k0, k30][i] / n, n },
      }));
    expect(verdictOf(['data.dialogues'], d(0, 4, 90)).outcome).toBe('in direction');
    expect(verdictOf(['data.dialogues'], d(0, 15, 108)).outcome).toBe('reproduced');
    expect(verdictOf(['data.dialogues'], d(0, 4, 90)).shows).toContain('0.0%');
  });
  test('augmentation uses the facts-right share when the judge reports it', () => {
    const a = (r1: number, r5: number) =>
      [1, 5].map((k, i) => ({
        ...row(`augmentation=${k}`, 64, [2.5, 1.5][i], 0.05, 80),
        facts: { right: [r1, r5][i], ci95: 0.05, chance: 0.1, n: 80 },
      }));
    // Scores say the opposite; facts decide.
    expect(verdictOf(['data.augmentation'], a(0.1, 0.9)).outcome).toBe('reproduced');
    expect(verdictOf(['data.augmentation'], a(0.1, 0.9)).shows).toContain('facts right');
  });
});

describe('in-context and scale', () => {
  const ic = (z: number, f: number, s: number) =>
    (['zero-shot', 'few-shot', 'sft'] as const).map((m, i) =>
      row(`method=${m}`, [0, 3, 64][i], [z, f, s][i], 0.1, 80),
    );
  test.each([
    [1.5, 1.8, 1.85, 'reproduced'],
    [1.2, 1.6, 2.2, 'in direction'],
    [1.48, 1.5, 1.84, 'not reproduced'],
  ] as [number, number, number, Outcome][])('zero %s, few %s, sft %s: %s', (z, f, s, o) => {
    expect(verdictOf(['finetune.method'], ic(z, f, s)).outcome).toBe(o);
  });
  test('scale compares the largest and smallest model at their largest common size', () => {
    const rows = [
      row('preset=toy', 8, 1.1, 0.07),
      row('preset=toy', 128, 1.94, 0.1),
      row('preset=small', 8, 1.35, 0.11),
      row('preset=small', 128, 2.04, 0.11),
    ];
    const v = verdictOf(['model.preset', 'finetune.examples'], rows);
    expect(v.outcome).toBe('in direction');
    expect(v.shows).toContain('at 128 examples small 2.04 vs toy 1.94');
  });
  test('a sweep that tests no finding gets a description and no outcome', () => {
    const v = verdictOf(
      ['finetune.lr'],
      [row('lr=0.001', 64, 2, 0.1), row('lr=0.01', 64, 1.5, 0.1)],
    );
    expect(v.outcome).toBeNull();
    expect(verdictText(v)).toBe(
      'Here: highest lr=0.001 @ 64 2.00, lowest lr=0.01 @ 64 1.50: +0.50, the 95% intervals do not overlap.',
    );
  });
  test('Wilson intervals stay inside 0–1 and are not empty at 0%', () => {
    const w = wilson(0, 90);
    expect(w?.lo).toBe(0);
    expect(w?.hi).toBeGreaterThan(0.03);
    expect(wilson(1, 10)?.hi).toBe(1);
  });
});

/** The axes a table of docs/RESULTS.md was swept over, from its condition names. */
const AXES: Record<string, string[]> = {
  all: ['finetune.examples'],
  quality: ['data.quality'],
  tasks: ['data.tasks'],
  dialogues: ['data.dialogues'],
  method: ['finetune.method'],
  augmentation: ['data.augmentation'],
  preset: ['model.preset', 'finetune.examples'],
};

function parseTable(block: string): TableRow[] {
  const LINE =
    /^(\S+(?:, \S+)*)\s+(\d+)\s+([\d.]+) ± ([\d.]+)\s+(\d+)\s+([\d.]+)%\s+(\d+)(?:\s+([\d.]+)% \(n=(\d+)\))?$/;
  return block
    .split('\n')
    .slice(2)
    .map((line) => {
      const m = LINE.exec(line);
      if (!m) throw new Error(`not a table line: ${line}`);
      const r = row(m[1], Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]));
      r.excellent = Number(m[6]) / 100;
      r.seeds = Number(m[7]);
      if (m[8]) r.dialogue = { mean: NaN, excellent: Number(m[8]) / 100, n: Number(m[9]) };
      return r;
    });
}

const CAPITAL: Record<Outcome, string> = {
  reproduced: 'Reproduced',
  'in direction': 'In direction',
  'not reproduced': 'Not reproduced',
  'not enough runs': 'Not enough runs',
};

test('docs/RESULTS.md states the verdict the rule gives for each of its tables', () => {
  const doc = readFileSync(new URL('../../docs/RESULTS.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/```\n(condition[^`]*?)\n```\n([\s\S]*?)\n\*\*([^*]+)\*\*/g)];
  expect(blocks.length).toBeGreaterThanOrEqual(13);
  const summary = new Map(
    [...doc.matchAll(/^\| `([a-z-]+)` +\| [^|]+\| ([^|]+)\|$/gm)].map((m) => [m[1], m[2].trim()]),
  );
  expect(summary.size).toBe(8);
  for (const [, table, , bold] of blocks) {
    const rows = parseTable(table);
    const key = rows[0].condition.split('=')[0];
    const v = verdictOf(AXES[key], rows);
    expect(bold, `${table}\n${verdictText(v)}`).toMatch(
      new RegExp(`^${CAPITAL[v.outcome as Outcome]}\\b`),
    );
  }
  // The summary row of each preset states its main section's verdict.
  const sections = [...doc.matchAll(/^## ([a-z-]+-toy) —[\s\S]*?```\n(condition[^`]*?)\n```/gm)];
  expect(sections.length).toBe(8);
  for (const [, preset, table] of sections) {
    const rows = parseTable(table);
    const v = verdictOf(AXES[rows[0].condition.split('=')[0]], rows);
    expect(summary.get(preset), preset).toMatch(new RegExp(`^${v.outcome}\\b`));
  }
});
