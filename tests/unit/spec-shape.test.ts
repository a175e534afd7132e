// Type confusions in links: a list for a section, text for a number, a row of the wrong length — each refused by name.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deflateSync, strToU8 } from 'fflate';
import {
  decodeSpec,
  encodePayload,
  encodeSpec,
  FIELDS,
  presetSpec,
  SECTIONS,
  toBase64Url,
  type FieldInfo,
} from '../../src/spec';
import { shapeIssues } from '../../src/spec';
import { decodeLinkSummary, summarizeForLink } from '../../src/runner/link';
import { planSweep } from '../../src/runner/plan';
import type { RunResult } from '../../src/runner/types';
import * as v from 'valibot';
import { setPath } from '../../src/util/paths';

/** A payload from raw JSON text, so tests can send what JSON.stringify never writes (1e999). */
const rawPayload = (json: string, version = 1) =>
  `${version}.${toBase64Url(deflateSync(strToU8(json), { level: 9 }))}`;

/** The link summary's own layout version (the spec's version moves separately). */
const SUMMARY_V1 = 1;

const anyJson = fc.jsonValue({ maxDepth: 2 });
const notNumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 }),
  fc.integer().map(String),
);
const notString = fc.oneof(
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(anyJson, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 }),
);
const notBool = fc.oneof(
  fc.double(),
  fc.constantFrom('true', 'false', ''),
  fc.constant(null),
  fc.array(fc.boolean(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), anyJson, { maxKeys: 3 }),
);
/** Anything but a plain object: what a section or an import reference must never be read as. */
const notObject = fc.oneof(
  fc.array(anyJson, { maxLength: 4 }),
  fc.constant([]),
  fc.array(fc.array(anyJson, { maxLength: 2 }), { maxLength: 2 }),
  fc.string(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);

function wrongFor(f: FieldInfo): fc.Arbitrary<unknown> {
  if (f.kind === 'int' || f.kind === 'number') return notNumber;
  if (f.kind === 'choice') return notString;
  if (f.kind === 'bool') return notBool;
  return notObject;
}

const sections = Object.entries(SECTIONS)
  .filter(([, s]) => (s as { wrapped?: { type: string } }).wrapped?.type === 'strict_object')
  .map(([k]) => k);

/** A path and a value of the wrong type for it: every field, every section, the sweep's parts. */
const confusion: fc.Arbitrary<{ path: string; value: unknown }> = fc.oneof(
  fc.constantFrom(...FIELDS).chain((f) => wrongFor(f).map((value) => ({ path: f.path, value }))),
  fc.constantFrom(...sections).chain((path) => notObject.map((value) => ({ path, value }))),
  fc.record({
    path: fc.constant('sweep.axes'),
    value: fc.oneof(
      notObject.filter((x) => !Array.isArray(x)),
      fc.constant({ 0: {} }),
    ),
  }),
  fc.record({
    path: fc.constant('sweep.axes'),
    value: notObject.filter((x) => x !== null).map((axis) => [axis]),
  }),
);

describe('type confusions in a share link', () => {
  it('the reported reproducers are refused with a message naming the section', () => {
    for (const [link, section] of [
      ['1.q1bKzU9JzVGyio7VUSpOTU1RsrKsBQA', 'model'], // {"model":[],"seed":9}
      ['1.q1ZKSSxJVLKKjq0FAA', 'data'], // {"data":[]}
      ['1.q1ZKy8xLLSnNS1Wyio6tBQA', 'finetune'], // {"finetune":[]}
    ] as const) {
      const r = decodeSpec(link);
      expect(r.ok, link).toBe(false);
      if (!r.ok)
        expect(r.errors).toContain(`${section}: must be an object of settings, not a list`);
    }
  });

  it('a value of the wrong type anywhere in the spec is refused, naming its path (1,200 cases)', () => {
    fc.assert(
      fc.property(confusion, fc.integer({ min: 0, max: 100 }), ({ path, value }, seed) => {
        const override = setPath({ seed }, path, value);
        const r = decodeSpec(encodePayload(override));
        if (r.ok) return false;
        return r.errors.some((e) => e.startsWith(path) || path.startsWith(e.split(':')[0]));
      }),
      { numRuns: 1_200, seed: 14 },
    );
  }, 600_000);

  it('well-typed links still open, so the check refuses only what it should', () => {
    const spec = presetSpec('plateau-toy');
    const r = decodeSpec(encodeSpec(spec));
    expect(r.ok && encodeSpec(r.value)).toBe(encodeSpec(spec));
  });

  it('shapeIssues reads arrays for objects, records and tuple lengths wherever they nest', () => {
    const schema = v.object({
      a: v.optional(v.strictObject({ b: v.number() })),
      r: v.record(v.string(), v.object({ x: v.number() })),
      t: v.array(v.tuple([v.string(), v.number()])),
      u: v.union([v.number(), v.object({ k: v.string() })]),
    });
    expect(shapeIssues(schema, { a: [], r: { k: [] }, t: [['a', 1, 2], ['b']], u: [] })).toEqual([
      'a: must be an object of settings, not a list',
      'r.k: must be an object of settings, not a list',
      't.0: must have exactly 2 items (got 3)',
      't.1: must have exactly 2 items (got 1)',
      'u: must be an object of settings, not a list',
    ]);
    expect(shapeIssues(schema, { a: { b: 1 }, r: {}, t: [['a', 1]], u: 3 })).toEqual([]);
  });
});

describe('the results summary in a link', () => {
  const plan = planSweep(presetSpec('plateau-toy'), null);
  if (!plan.ok) throw new Error(plan.errors.join('; '));
  const ids = plan.value.runs.map((r) => r.id);
  const sweepId = plan.value.sweepId;
  const good = (id: string) => [id, 4.2, 0.31, 40, 0.25] as unknown[];

  it('the reported absurd means (±1e308) are refused, by run and column', () => {
    for (const mean of ['1e308', '-1e308', '1e999', '-1e999']) {
      const json = `["${sweepId}","wasm",[["${ids[0]}",${mean},0.1,12,0.5]]]`;
      const r = decodeLinkSummary(rawPayload(json));
      expect(r.ok, mean).toBe(false);
      if (!r.ok) expect(r.errors[0]).toMatch(/^the results summary is damaged: run 1, mean: must/);
    }
  });

  it('rows of the wrong shape or type, or numbers out of bounds, never decode (1,000 cases)', () => {
    const badCell = fc.oneof(
      // column, bad value
      fc.tuple(fc.constant(0), fc.oneof(notString, fc.constant('not-hex'), fc.constant(''))),
      fc.tuple(
        fc.constant(1),
        fc.oneof(
          notNumber,
          fc.double({ noNaN: true }).filter((x) => x < 1 || x > 6),
        ),
      ),
      fc.tuple(
        fc.constant(2),
        fc.oneof(notNumber, fc.double({ max: -Number.MIN_VALUE, noNaN: true })),
      ),
      fc.tuple(
        fc.constant(3),
        fc.oneof(
          notNumber,
          fc.integer({ max: 0 }),
          fc.double({ min: 1.01, max: 1e6, noNaN: true }).filter((x) => !Number.isInteger(x)),
        ),
      ),
      fc.tuple(
        fc.constant(4),
        fc.oneof(
          notNumber,
          fc.double({ noNaN: true }).filter((x) => x < 0 || x > 1),
        ),
      ),
    );
    const damage = fc.oneof(
      badCell.map(
        ([col, value]) =>
          (row: unknown[]) =>
            row.map((x, i) => (i === col ? value : x)),
      ),
      fc.integer({ min: 0, max: 4 }).map((n) => (row: unknown[]) => row.slice(0, n)),
      fc
        .array(anyJson, { minLength: 1, maxLength: 3 })
        .map((extra) => (row: unknown[]) => [...row, ...extra]),
      notObject.filter((x) => !Array.isArray(x)).map((x) => () => x),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: ids.length - 1 }),
        fc.integer({ min: 0, max: ids.length - 1 }),
        damage,
        (which, n, hurt) => {
          const rows: unknown[] = ids.slice(0, n + 1).map(good);
          rows[Math.min(which, n)] = hurt(rows[Math.min(which, n)] as unknown[]);
          const r = decodeLinkSummary(encodePayload([sweepId, 'wasm', rows], SUMMARY_V1));
          return !r.ok && r.errors.every((e) => e.startsWith('the results summary is damaged: '));
        },
      ),
      { numRuns: 1_000, seed: 14 },
    );
  }, 600_000);

  it('a summary of the wrong outer shape is refused; a well-formed one decodes', () => {
    for (const payload of [
      {},
      [sweepId, 'wasm'],
      [sweepId, 'wasm', [], 'extra'],
      [sweepId, 'tpu', []],
      [sweepId, 'wasm', {}],
      [sweepId, 'wasm', ids.map(good).concat(Array.from({ length: 300 }, () => good(ids[0])))],
    ])
      expect(
        decodeLinkSummary(encodePayload(payload, SUMMARY_V1)).ok,
        JSON.stringify(payload).slice(0, 60),
      ).toBe(false);
    const r = decodeLinkSummary(encodePayload([sweepId, 'wasm', ids.map(good)], SUMMARY_V1));
    expect(r.ok && r.value.runs.length).toBe(ids.length);
  });

  it('summarizeForLink leaves out runs with no judged response, so what it writes always decodes', () => {
    const run = (id: string, mean: number, n: number) =>
      ({ runId: id, summary: { mean, ci95: NaN, n, excellent: 0 } }) as unknown as RunResult;
    const text = summarizeForLink(sweepId, 'wasm', [run(ids[0], 4, 10), run(ids[1], NaN, 0)]);
    const r = decodeLinkSummary(text);
    expect(r.ok && r.value.runs).toEqual([
      { runId: ids[0], mean: 4, ci95: 0, n: 10, excellent: 0 },
    ]);
  });
});
