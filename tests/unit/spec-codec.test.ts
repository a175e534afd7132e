// Share links: exact round trips (every preset, random valid specs) and specific errors for broken links.
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  decodeSpec,
  encodePayload,
  encodeSpec,
  FIELDS,
  MAX_LINK_CHARS,
  parseSpec,
  PRESETS,
  presetSpec,
  SPEC_VERSION,
  type FieldInfo,
  type Spec,
} from '../../src/spec';
import { setPath } from '../../src/util/paths';

/** A random value inside a field's bounds, straight from the schema's own description. */
function arbField(f: FieldInfo): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'int':
      return fc.integer({ min: f.min!, max: f.max! });
    case 'number':
      return fc.double({ min: f.min!, max: f.max!, noNaN: true, noDefaultInfinity: true });
    case 'choice':
      return fc.constantFrom(...f.options!);
    case 'bool':
      return fc.boolean();
    case 'import':
      return fc.record({
        hash: fc.stringMatching(/^[0-9a-f]{64}$/),
        name: fc.stringMatching(/^[\w .()-]{1,40}$/),
        bytes: fc.integer({ min: 1, max: 1e8 }),
        count: fc.integer({ min: 1, max: f.max ?? 1000 }),
      });
  }
}

/** Random valid specs: a random subset of fields set to random in-bounds values, kept if valid. */
const arbSpec: fc.Arbitrary<Spec> = fc
  .array(
    fc.constantFrom(...FIELDS).chain((f) => arbField(f).map((value) => [f.path, value] as const)),
    {
      maxLength: 12,
    },
  )
  .map((pairs) =>
    parseSpec(pairs.reduce<unknown>((acc, [path, value]) => setPath(acc, path, value), {})),
  )
  .filter((r) => r.ok)
  .map((r) => (r.ok ? r.value : (undefined as never)));

describe('share-link round trip', () => {
  test('decode(encode(spec)) equals spec for every preset', () => {
    for (const p of PRESETS) {
      const spec = presetSpec(p.id);
      const link = encodeSpec(spec);
      expect(link.startsWith(`${SPEC_VERSION}.`)).toBe(true);
      expect(decodeSpec(link)).toEqual({ ok: true, value: spec });
    }
  });

  test('decode(encode(spec)) equals spec for random valid specs', () => {
    fc.assert(
      fc.property(arbSpec, (spec) => {
        expect(decodeSpec(encodeSpec(spec))).toEqual({ ok: true, value: spec });
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  test('only non-default values travel, so the default link is tiny', () => {
    const defaults = decodeSpec(encodePayload({}));
    if (!defaults.ok) throw new Error(defaults.errors.join());
    expect(encodeSpec(defaults.value)).toBe(encodePayload({}));
    expect(encodeSpec(defaults.value).length).toBeLessThan(16);
  });
});

describe('broken links', () => {
  const good = encodeSpec(presetSpec('plateau-toy'));
  const errorOf = (text: string) => {
    const r = decodeSpec(text);
    expect(r.ok).toBe(false);
    return r.ok ? '' : r.errors.join(' | ');
  };

  test('each kind of damage gets its own human-readable message', () => {
    expect(errorOf('')).toMatch(/malformed/);
    expect(errorOf('hello world')).toMatch(/malformed/);
    expect(errorOf(good.slice(0, good.length - 12))).toMatch(/truncated|corrupt/);
    expect(errorOf(`1.${'A'.repeat(10)}*`)).toMatch(/malformed/);
    expect(errorOf(`1.${'Q'.repeat(21)}`)).toMatch(/base64url|corrupt|truncated/);
    expect(errorOf(`99.${good.split('.')[1]}`)).toMatch(/newer LIMA Lab \(spec v99\)/);
    expect(errorOf(`1.${'A'.repeat(MAX_LINK_CHARS)}`)).toMatch(/too long/);
    expect(errorOf(encodePayload([1, 2]))).toMatch(/does not describe an experiment/);
    expect(errorOf(encodePayload({ finetune: { examples: 1e9 } }))).toMatch(
      /finetune\.examples: must be at most 65536/,
    );
    expect(errorOf(encodePayload({ model: { preset: '70b' } }))).toMatch(
      /model\.preset: must be one of/,
    );
    expect(errorOf(encodePayload({ run: 'alert(1)' }))).toMatch(/run: unknown setting/);
    expect(errorOf(encodePayload(JSON.parse('{"__proto__": {"polluted": 1}}')))).toMatch(
      /forbidden key/,
    );
    expect(({} as { polluted?: number }).polluted).toBeUndefined();
    expect(
      errorOf(
        encodePayload({
          sweep: { axes: [{ path: 'seed', values: Array.from({ length: 33 }, (_, i) => i) }] },
        }),
      ),
    ).toMatch(/at most 32 values/);
  });

  test('a deflate bomb is refused before it is expanded in full', () => {
    const huge = encodePayload({ note: 'x'.repeat(5_000_000) });
    expect(huge.length).toBeLessThan(MAX_LINK_CHARS);
    expect(errorOf(huge)).toMatch(/expands to more than 64 KB/);
  });

  test('thousands of random mutations never throw and never yield a spec outside the schema', () => {
    const links = PRESETS.map((p) => encodeSpec(presetSpec(p.id)));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=%$ ';
    const mutation = fc.record({
      link: fc.constantFrom(...links),
      edits: fc.array(
        fc.record({
          kind: fc.constantFrom('replace', 'insert', 'delete', 'truncate', 'flipbyte'),
          at: fc.nat(),
          ch: fc.constantFrom(...alphabet.split('')),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    });
    let accepted = 0;
    fc.assert(
      fc.property(mutation, ({ link, edits }) => {
        let s = link;
        for (const e of edits) {
          const i = e.at % Math.max(1, s.length);
          if (e.kind === 'replace') s = s.slice(0, i) + e.ch + s.slice(i + 1);
          else if (e.kind === 'insert') s = s.slice(0, i) + e.ch + s.slice(i);
          else if (e.kind === 'delete') s = s.slice(0, i) + s.slice(i + 1);
          else if (e.kind === 'truncate') s = s.slice(0, i);
          else
            s = s.slice(0, i) + String.fromCharCode((s.charCodeAt(i) ^ 1) & 0x7f) + s.slice(i + 1);
        }
        const r = decodeSpec(s); // must not throw
        if (r.ok) {
          accepted++;
          // Whatever is accepted is a valid spec, within every bound.
          expect(parseSpec(r.value)).toEqual({ ok: true, value: r.value });
        } else {
          expect(r.errors.length).toBeGreaterThan(0);
          for (const e of r.errors) expect(e).toMatch(/\w/);
        }
      }),
      { numRuns: 5000, seed: 7 },
    );
    // Most mutations of compressed data must be caught.
    expect(accepted).toBeLessThan(2500);
  });
});
