// Sweep expansion: stable content hashes, shared stages, de-duplication, bounds and a seeded order.
import { describe, expect, test } from 'vitest';
import { defaultSpec, expandSweep, parseSpec, stageIds, type Spec } from '../../src/spec';

function spec(input: unknown): Spec {
  const r = parseSpec(input);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

describe('expandSweep', () => {
  test('a grid becomes one run per point, each with its own id', () => {
    const s = spec({
      sweep: {
        axes: [
          { path: 'finetune.examples', values: [64, 128, 256, 512, 1024] },
          { path: 'data.quality', values: ['filtered', 'unfiltered'] },
          { path: 'seed', values: [1, 2, 3] },
        ],
      },
    });
    const r = expandSweep(s);
    if (!r.ok) throw new Error(r.errors.join());
    expect(r.value).toHaveLength(30);
    expect(new Set(r.value.map((x) => x.id)).size).toBe(30);
    expect(r.value[0].point).toEqual({
      'finetune.examples': 64,
      'data.quality': 'filtered',
      seed: 1,
    });
    expect(r.value[0].spec.sweep.axes).toEqual([]);
  });

  test('ids do not depend on key order, and the same run has the same id in any sweep', () => {
    const a = spec({
      seed: 7,
      finetune: { examples: 128, epochs: 3 },
      data: { quality: 'unfiltered' },
    });
    const b = spec({
      data: { quality: 'unfiltered' },
      finetune: { epochs: 3, examples: 128 },
      seed: 7,
    });
    const reverseKeys = (x: unknown): unknown =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(
            Object.entries(x)
              .reverse()
              .map(([k, v]) => [k, reverseKeys(v)]),
          )
        : x;
    const reordered = reverseKeys(b) as Spec;
    expect(Object.keys(reordered)[0]).toBe('sweep');
    expect(stageIds(a)).toEqual(stageIds(b));
    expect(stageIds(reordered)).toEqual(stageIds(a));
    const swept = expandSweep(
      spec({
        seed: 7,
        finetune: { epochs: 3 },
        data: { quality: 'unfiltered' },
        sweep: { axes: [{ path: 'finetune.examples', values: [64, 128] }] },
      }),
    );
    if (!swept.ok) throw new Error();
    expect(swept.value[1].id).toBe(stageIds(a).eval);
  });

  test('stages are shared exactly where their inputs are equal', () => {
    const base = defaultSpec();
    const ids = (over: unknown) => stageIds(spec({ ...base, ...(over as object) }));
    const a = ids({});
    const moreExamples = ids({ finetune: { ...base.finetune, examples: 128 } });
    expect(moreExamples.pretrain).toBe(a.pretrain);
    expect(moreExamples.finetune).not.toBe(a.finetune);
    const otherEval = ids({ eval: { ...base.eval, temperature: 0 } });
    expect(otherEval.finetune).toBe(a.finetune);
    expect(otherEval.eval).not.toBe(a.eval);
    const otherSeed = ids({ seed: 2 });
    expect(otherSeed.world).not.toBe(a.world);
    const otherBackend = ids({ backend: 'cpu' });
    expect(otherBackend.data).toBe(a.data);
    expect(otherBackend.pretrain).not.toBe(a.pretrain);
    // The base's zero-shot probe answers in the chat template, so another template is another
    // pretraining result (the same weights, another report) as well as another fine-tune.
    for (const template of ['qa', 'special']) {
      const other = ids({ data: { ...base.data, template } });
      expect(other.data).toBe(a.data);
      expect(other.pretrain).not.toBe(a.pretrain);
      expect(other.finetune).not.toBe(a.finetune);
    }
    // A preset name and the same dimensions spelled out are the same model.
    const explicit = ids({
      model: {
        preset: 'toy',
        nLayer: 2,
        nEmbd: 64,
        nHead: 4,
        blockSize: 128,
        tiedEmbeddings: true,
      },
    });
    expect(explicit.pretrain).toBe(a.pretrain);
  });

  test('duplicate points are removed', () => {
    const r = expandSweep(
      spec({ sweep: { axes: [{ path: 'finetune.examples', values: [64, 64, 128] }] } }),
    );
    expect(r.ok && r.value.length).toBe(2);
  });

  test('bad axes and out-of-bounds values are reported, not run', () => {
    const unknown = expandSweep(
      spec({ sweep: { axes: [{ path: 'finetune.nope', values: [1] }] } }),
    );
    expect(unknown.ok).toBe(false);
    if (!unknown.ok)
      expect(unknown.errors[0]).toMatch(/"finetune.nope" is not a setting that can be swept/);
    const bad = expandSweep(
      spec({ sweep: { axes: [{ path: 'finetune.examples', values: [64, 1e9] }] } }),
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok)
      expect(bad.errors[0]).toMatch(
        /sweep point finetune.examples=1000000000: finetune.examples: must be at most 65536/,
      );
    const tooMany = expandSweep(
      spec({
        sweep: {
          axes: [
            { path: 'seed', values: Array.from({ length: 30 }, (_, i) => i) },
            { path: 'finetune.seed', values: Array.from({ length: 30 }, (_, i) => i) },
          ],
        },
      }),
    );
    expect(tooMany.ok).toBe(false);
    if (!tooMany.ok) expect(tooMany.errors[0]).toMatch(/900 runs is over the limit of 256/);
  });

  test('the shuffled order is seeded: same seed same order, and a permutation of the grid', () => {
    const axes = [{ path: 'finetune.examples', values: [16, 32, 64, 128, 256, 512, 1024, 2048] }];
    const grid = expandSweep(spec({ sweep: { axes } }));
    const s1 = expandSweep(spec({ sweep: { axes, shuffle: true } }));
    const s2 = expandSweep(spec({ sweep: { axes, shuffle: true } }));
    const s3 = expandSweep(spec({ seed: 99, sweep: { axes, shuffle: true } }));
    if (!grid.ok || !s1.ok || !s2.ok || !s3.ok) throw new Error();
    const ids = (r: typeof grid) => (r.ok ? r.value.map((x) => x.id) : []);
    expect(ids(s1)).toEqual(ids(s2));
    expect(ids(s1)).not.toEqual(ids(grid));
    expect([...ids(s1)].sort()).toEqual([...ids(grid)].sort());
    expect(ids(s3)).not.toEqual(ids(s1));
  });
});
