// Imported data in the spec: bounds with readable errors, share-link round trips, and stage hashes that follow the data.
import { describe, expect, test } from 'vitest';
import {
  decodePayload,
  decodeSpec,
  defaultSpec,
  encodeSpec,
  expandSweep,
  FIELDS,
  importsUsed,
  missingImportMessage,
  parseSpec,
  presetSpec,
  SPEC_VERSION,
  stageIds,
  SWEEPABLE_PATHS,
  type Spec,
} from '../../src/spec';
import { textSha256 } from '../../src/util/hash';

const jsonl = '{"conversations": ["Hi?", "Hello."]}\n';
const sftRef = { hash: textSha256(jsonl), name: 'mine.jsonl', bytes: 37, count: 1 };
const corpusRef = { hash: 'ab'.repeat(32), name: 'notes.txt', bytes: 12_000, count: 40 };

function spec(input: unknown): Spec {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

describe('imported-data fields', () => {
  test('absent by default; a valid reference parses as given', () => {
    expect(defaultSpec().data.importedSft).toBeUndefined();
    expect(defaultSpec().data.importedCorpus).toBeUndefined();
    const s = spec({ data: { importedSft: sftRef, importedCorpus: corpusRef } });
    expect(s.data.importedSft).toEqual(sftRef);
    expect(s.data.importedCorpus).toEqual(corpusRef);
  });

  test('out-of-bounds references are refused with path-specific messages', () => {
    const r = parseSpec({
      data: {
        importedSft: { hash: 'ABC', name: '', bytes: 0, count: 70_000 },
        importedCorpus: { ...corpusRef, name: 'a\u0007b', text: 'the data itself' },
      },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain(
      'data.importedSft.hash: must be a SHA-256 hash (64 lowercase hex digits) (got "ABC")',
    );
    expect(r.errors).toContain('data.importedSft.name: must not be empty (got "")');
    expect(r.errors).toContain('data.importedSft.bytes: must be at least 1 (got 0)');
    expect(r.errors).toContain('data.importedSft.count: must be at most 65536 (got 70000)');
    expect(r.errors).toContain(
      'data.importedCorpus.name: must not contain control characters (got "a\\u0007b")',
    );
    // A link can never smuggle the data itself: the reference has no place for it.
    expect(r.errors).toContain('data.importedCorpus.text: unknown setting');
    const long = parseSpec({ data: { importedSft: { ...sftRef, name: 'x'.repeat(201) } } });
    expect(long.ok).toBe(false);
  });

  test('the editor sees them as import fields with a why; sweeps cannot name them', () => {
    const fields = FIELDS.filter((f) => f.kind === 'import');
    expect(fields.map((f) => [f.path, f.imports])).toEqual([
      ['data.importedCorpus', 'corpus'],
      ['data.importedSft', 'sft'],
    ]);
    for (const f of fields) expect(f.why.length).toBeGreaterThan(40);
    expect(fields[0].why).toMatch(/mixed into the world's pretraining corpus/);
    expect(fields[1].why).toMatch(/first finetune\.examples conversations \(all if fewer\)/);
    expect(SWEEPABLE_PATHS).not.toContain('data.importedSft');
    const swept = expandSweep(
      spec({ sweep: { axes: [{ path: 'data.importedSft', values: ['x'] }] } }),
    );
    expect(swept).toEqual({
      ok: false,
      errors: ['sweep: "data.importedSft" is not a setting that can be swept'],
    });
  });
});

describe('share links', () => {
  test('a spec with imports round-trips, and the link carries only hash, name and size', () => {
    const s = spec({ data: { importedSft: sftRef, importedCorpus: corpusRef } });
    const link = encodeSpec(s);
    expect(decodeSpec(link)).toEqual({ ok: true, value: s });
    const payload = decodePayload(link);
    if (!payload.ok) throw new Error(payload.errors.join());
    const data = (payload.value.value as { data: Record<string, object> }).data;
    expect(Object.keys(data.importedSft).sort()).toEqual(['bytes', 'count', 'hash', 'name']);
    expect(link.length).toBeLessThan(400);
  });

  test('links round-trip, and a spec without imports carries no import field', () => {
    expect(SPEC_VERSION).toBe(2);
    const plateau = presetSpec('plateau-toy');
    expect(decodeSpec(encodeSpec(plateau))).toEqual({ ok: true, value: plateau });
    expect(encodeSpec(plateau)).not.toContain('imported');
  });

  test('a link with a broken reference names what is wrong', () => {
    const s = spec({ data: { importedSft: sftRef } });
    const bad = encodeSpec({ ...s, data: { ...s.data, importedSft: { ...sftRef, hash: 'nope' } } });
    const r = decodeSpec(bad);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.join()).toMatch(/^data\.importedSft\.hash: must be a SHA-256 hash/);
  });
});

describe('stage hashes', () => {
  test('without imports the ids are stable (pinned: a change here drops every cached stage)', () => {
    // Last changed by stage code versions (data 2, pretrain 2, fine-tune 2, eval 2) and the spec v2 knobs.
    expect(stageIds(defaultSpec())).toEqual({
      world: '308bb7b5ecde939e',
      data: '949e530f75e9a0f1',
      pretrain: '72f65d94467acbf4',
      finetune: '5dc890432dfe86aa',
      eval: '33e43bd858422f37',
    });
    expect(stageIds(presetSpec('plateau-toy')).eval).toBe('400aec9c9709d302');
  });

  test('an imported corpus changes the data stage and everything after it, by content only', () => {
    const base = stageIds(defaultSpec());
    const a = stageIds(spec({ data: { importedCorpus: corpusRef } }));
    const b = stageIds(spec({ data: { importedCorpus: { ...corpusRef, hash: 'cd'.repeat(32) } } }));
    const renamed = stageIds(spec({ data: { importedCorpus: { ...corpusRef, name: 'x.txt' } } }));
    expect(a.world).toBe(base.world);
    for (const k of ['data', 'pretrain', 'finetune', 'eval'] as const) {
      expect(a[k]).not.toBe(base[k]);
      expect(b[k]).not.toBe(a[k]);
    }
    expect(renamed).toEqual(a);
  });

  test('imported conversations change fine-tuning and evaluation only', () => {
    const base = stageIds(defaultSpec());
    const a = stageIds(spec({ data: { importedSft: sftRef } }));
    const b = stageIds(spec({ data: { importedSft: { ...sftRef, hash: 'ef'.repeat(32) } } }));
    expect([a.world, a.data, a.pretrain]).toEqual([base.world, base.data, base.pretrain]);
    expect(a.finetune).not.toBe(base.finetune);
    expect(b.finetune).not.toBe(a.finetune);
    expect(b.eval).not.toBe(a.eval);
    // The knobs that shape the generated set no longer apply; the loss mask still does.
    const unfiltered = stageIds(spec({ data: { importedSft: sftRef, quality: 'unfiltered' } }));
    expect(unfiltered.finetune).toBe(a.finetune);
    const allTokens = stageIds(spec({ data: { importedSft: sftRef, lossOn: 'all' } }));
    expect(allTokens.finetune).not.toBe(a.finetune);
    // In-context alignment never reads the file.
    const fewShot = (x: object) => spec({ finetune: { method: 'few-shot' }, data: x });
    expect(stageIds(fewShot({ importedSft: sftRef }))).toEqual(stageIds(fewShot({})));
  });
});

describe('the house style', () => {
  test('changes the fine-tune and evaluation, for SFT and few-shot prompts, never the base', () => {
    const base = stageIds(defaultSpec());
    const a = stageIds(spec({ data: { style: 'explicit' } }));
    expect([a.world, a.data, a.pretrain]).toEqual([base.world, base.data, base.pretrain]);
    expect([a.finetune, a.eval]).not.toContain(base.finetune);
    expect(a.eval).not.toBe(base.eval);
    const fewShot = (x: object) => stageIds(spec({ finetune: { method: 'few-shot' }, data: x }));
    expect(fewShot({ style: 'explicit' }).finetune).not.toBe(fewShot({}).finetune);
    const named = stageIds(spec({ data: { style: 'named' } }));
    expect(named.pretrain).toBe(base.pretrain);
    expect([base.finetune, a.finetune]).not.toContain(named.finetune);
  });
});

describe('the weights a fine-tune trains', () => {
  test('change the fine-tune and evaluation, never the base; all, the default, keeps every id', () => {
    const base = stageIds(defaultSpec());
    expect(stageIds(spec({ finetune: { train: 'all' } }))).toEqual(base);
    for (const train of ['attention', 'no-mlp'] as const) {
      const a = stageIds(spec({ finetune: { train } }));
      expect([a.world, a.data, a.pretrain]).toEqual([base.world, base.data, base.pretrain]);
      expect(a.finetune).not.toBe(base.finetune);
      expect(a.eval).not.toBe(base.eval);
    }
  });
});

describe('what each stage reads, and the missing-file message', () => {
  test('the corpus feeds data and pretraining; conversations feed SFT fine-tuning only', () => {
    const s = spec({ data: { importedSft: sftRef, importedCorpus: corpusRef } });
    expect(importsUsed(s, 'data')).toEqual([{ kind: 'corpus', ref: corpusRef }]);
    expect(importsUsed(s, 'pretrain')).toEqual([{ kind: 'corpus', ref: corpusRef }]);
    expect(importsUsed(s, 'finetune')).toEqual([{ kind: 'sft', ref: sftRef }]);
    expect(importsUsed(s, 'eval')).toEqual([]);
    const zero = spec({ data: { importedSft: sftRef }, finetune: { method: 'zero-shot' } });
    expect(importsUsed(zero, 'finetune')).toEqual([]);
  });

  test('the message names the file, its hash and what to do', () => {
    const text = missingImportMessage({ kind: 'sft', ref: sftRef });
    expect(text).toContain('fine-tunes on the imported file "mine.jsonl" (1 conversations');
    expect(text).toContain(sftRef.hash);
    expect(text).toContain('is not in this browser');
    expect(text).toContain('Import that file under Device & data → Your own data');
  });
});
