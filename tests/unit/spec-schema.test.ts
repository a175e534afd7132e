// The spec schema: defaults, bounds with readable errors, cross-field limits, presets and introspection.
import { describe, expect, test } from 'vitest';
import {
  defaultSpec,
  FIELDS,
  LIMITS,
  MODEL_PRESETS,
  paramCount,
  parseSpec,
  PRESETS,
  presetSpec,
  expandSweep,
  DEFAULT_PRESET,
} from '../../src/spec';

describe('schema', () => {
  test('an empty object parses to the defaults, with LIMA recipe values', () => {
    const s = defaultSpec();
    expect(s.optimizer).toEqual({ beta1: 0.9, beta2: 0.95, eps: 1e-8, gradClip: 1 });
    expect(s.finetune.epochs).toBe(15);
    expect(s.finetune.weightDecay).toBe(0.1);
    expect(s.eval).toMatchObject({
      prompts: 300,
      devPrompts: 50,
      temperature: 0.7,
      topP: 0.9,
      repetitionPenalty: 1.2,
    });
    expect(s.data.lossOn).toBe('assistant');
  });

  test('every field has a why-comment and numeric fields have bounds', () => {
    expect(FIELDS.length).toBeGreaterThan(40);
    for (const f of FIELDS) {
      expect(f.why.length, f.path).toBeGreaterThan(10);
      if (f.kind === 'int' || f.kind === 'number') {
        expect(f.min, f.path).toBeTypeOf('number');
        expect(f.max, f.path).toBeTypeOf('number');
        if (f.default !== undefined) {
          expect(f.default as number).toBeGreaterThanOrEqual(f.min!);
          expect(f.default as number).toBeLessThanOrEqual(f.max!);
        }
      }
      if (f.kind === 'choice') expect(f.options).toContain(f.default);
    }
  });

  test('out-of-range, wrong-type and unknown settings give path-specific messages', () => {
    const r = parseSpec({
      finetune: { examples: 70_000, epochs: 2.5 },
      data: { quality: 'great' },
      model: { depth: 3 },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('finetune.examples: must be at most 65536 (got 70000)');
    expect(r.errors).toContain('finetune.epochs: must be a whole number (got 2.5)');
    expect(r.errors).toContain('data.quality: must be one of: filtered, unfiltered (got "great")');
    expect(r.errors).toContain('model.depth: unknown setting');
  });

  test('a model a browser cannot hold is refused with what is wrong', () => {
    const big = parseSpec({ model: { preset: '7b-proxy', nLayer: 48, nEmbd: 2048, nHead: 16 } });
    expect(big.ok).toBe(false);
    if (!big.ok) expect(big.errors.join(' ')).toMatch(/parameters is over the 120M/);
    const mem = parseSpec({
      model: { preset: 'base', blockSize: 2048 },
      pretrain: { batchSize: 512 },
    });
    expect(mem.ok).toBe(false);
    if (!mem.ok) expect(mem.errors.join(' ')).toMatch(/GiB; the limit is 3 GiB/);
    const heads = parseSpec({ model: { nEmbd: 100, nHead: 3 } });
    expect(heads.ok).toBe(false);
    if (!heads.ok) expect(heads.errors.join(' ')).toMatch(/must divide by 3 heads/);
  });

  test('model presets keep LLaMA proportions and documented sizes', () => {
    const proxy = MODEL_PRESETS['7b-proxy'];
    expect(proxy.nEmbd / proxy.nHead).toBe(128); // LLaMA-7B head size
    expect(proxy.nLayer / proxy.nEmbd).toBeCloseTo(32 / 4096, 6); // depth:width
    expect(paramCount(MODEL_PRESETS.toy, 512, true)).toBeGreaterThan(80_000);
    expect(paramCount(MODEL_PRESETS.toy, 512, true)).toBeLessThan(200_000);
    const p = paramCount(proxy, 2048, true);
    expect(p).toBeGreaterThan(10e6);
    expect(p).toBeLessThan(LIMITS.maxParams);
  });
});

describe('presets', () => {
  test('each LIMA experiment has a full and a -toy variant, all valid and expandable', () => {
    const ids = PRESETS.map((p) => p.id);
    for (const name of [
      'plateau',
      'quality',
      'diversity',
      'dialogue',
      'in-context',
      'scale',
      'augmentation',
    ]) {
      expect(ids).toContain(name);
      expect(ids).toContain(`${name}-toy`);
    }
    for (const p of PRESETS) {
      expect(p.summary.length).toBeGreaterThan(20);
      expect(p.paper).toMatch(/\d/); // cites the paper's numbers
      const runs = expandSweep(presetSpec(p.id));
      expect(runs.ok, p.id).toBe(true);
    }
  });

  test('plateau sweeps 1×…16× sizes with ≥3 seeds, sharing one pretraining per world', () => {
    const runs = expandSweep(presetSpec(DEFAULT_PRESET));
    if (!runs.ok) throw new Error(runs.errors.join('; '));
    const sizes = [...new Set(runs.value.map((r) => r.spec.finetune.examples))].sort(
      (a, b) => a - b,
    );
    expect(sizes.map((s) => s / sizes[0])).toEqual([1, 2, 4, 8, 16]);
    expect(new Set(runs.value.map((r) => r.spec.finetune.seed)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(runs.value.map((r) => r.stages.pretrain)).size).toBe(1);
    expect(new Set(runs.value.map((r) => r.stages.finetune)).size).toBe(15);
  });
});
