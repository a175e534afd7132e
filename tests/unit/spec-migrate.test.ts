// Links made before a spec version bump open as the spec they opened as then (v1 links saved from every preset).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeSpec, encodeSpec, presetSpec, SPEC_VERSION, type Spec } from '../../src/spec';
import { V1_DEFAULTS } from '../../src/spec/migrate';

interface Saved {
  preset: string;
  link: string;
  spec: Spec;
}
const saved = JSON.parse(
  readFileSync(new URL('../fixtures/spec-v1-links.json', import.meta.url), 'utf8'),
) as Saved[];

describe('spec v1 links', () => {
  it('cover every preset of the time', () => {
    expect(saved.length).toBeGreaterThanOrEqual(14);
    expect(saved.every((s) => s.link.startsWith('1.'))).toBe(true);
  });

  it.each(saved.map((s) => [s.preset, s] as const))(
    '%s: resolves to the spec it resolved to before, with v1 behaviour for the new knobs',
    (_, s) => {
      const r = decodeSpec(s.link);
      if (!r.ok) throw new Error(r.errors.join('; '));
      const {
        qa,
        template,
        qaFormat,
        qaPhrasings,
        style,
        fillerText,
        stories,
        storyNames,
        chainContext,
        stepNames,
        ...data
      } = r.value.data;
      const { train, replay, ...finetune } = r.value.finetune;
      const { firstNames, ...world } = r.value.world;
      const { seed: pretrainSeed, ...pretrain } = r.value.pretrain;
      expect({ ...r.value, world, data, pretrain, finetune }).toEqual(s.spec);
      expect(pretrainSeed).toBe(0);
      expect(firstNames).toBe('shared');
      expect(train).toBe('all');
      expect(replay).toBe(0);
      expect({ qa, template }).toEqual(V1_DEFAULTS.data);
      // qaFormat does nothing without Q&A text; whatever it is, it cannot change a v1 run.
      expect(['plain', 'sentence', 'chat']).toContain(qaFormat);
      expect(qaPhrasings).toBe(1);
      expect(style).toBe('concise');
      expect(fillerText).toBe('town');
      expect(stories).toBe(0);
      expect(storyNames).toBe('world');
      expect(chainContext).toBe('style');
      expect(stepNames).toBe('pronoun');
    },
  );

  it('a v1 link no longer means what the same preset means today', () => {
    const today = presetSpec('plateau-toy');
    const old = decodeSpec(saved.find((s) => s.preset === 'plateau-toy')!.link);
    expect(old.ok && old.value).not.toEqual(today);
    expect(encodeSpec(today).startsWith(`${SPEC_VERSION}.`)).toBe(true);
  });
});
