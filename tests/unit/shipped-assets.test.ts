// The base models shipped in public/bases are those of today's presets: a stale one (the engine or a preset changed its hash) fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as v from 'valibot';
import { DEFAULT_PRESET, PRESETS, decodeSpec, presetSpec, stageIds } from '../../src/spec';
import { decodeBaseFile } from '../../src/store/base-file';
import { ShippedManifest } from '../../src/runner/shipped';
import { bytesHash } from '../../src/util/hash';

const DIR = new URL('../../public/bases/', import.meta.url);
const manifest = v.parse(
  ShippedManifest,
  JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')),
);
const REGENERATE = 'regenerate the shipped bases with `npm run ship-bases`';

describe('shipped base models', () => {
  it('the default experiment starts from one', () => {
    const id = stageIds(presetSpec(DEFAULT_PRESET)).pretrain;
    expect(
      manifest.bases.map((b) => b.stageId),
      `${DEFAULT_PRESET} pretrains ${id}, which is not shipped: ${REGENERATE}`,
    ).toContain(id);
  });

  it.each(manifest.bases.map((b) => [b.stageId, b] as const))(
    '%s is the pretraining of its presets and its link, byte for byte as listed',
    (id, entry) => {
      expect(entry.presets.length).toBeGreaterThan(0);
      for (const preset of entry.presets) {
        expect(PRESETS.some((p) => p.id === preset)).toBe(true);
        expect(
          stageIds(presetSpec(preset)).pretrain,
          `preset ${preset} no longer pretrains the shipped base ${id}: ${REGENERATE}`,
        ).toBe(id);
      }
      const spec = decodeSpec(entry.link);
      expect(spec.ok && stageIds(spec.value).pretrain).toBe(id);
      const bytes = new Uint8Array(readFileSync(new URL(entry.file, DIR)));
      expect(bytes.length).toBe(entry.bytes);
      expect(bytesHash(bytes, 64)).toBe(entry.sha256);
      const base = decodeBaseFile(bytes, id);
      if (!base.ok) throw new Error(base.error);
      // A base that knows its world: the probe is what the run view shows for it.
      expect(base.value.knowledge?.total).toBeGreaterThan(0);
      // "A few MB at most" (the issue): shipped in the app, precached for offline use.
      expect(bytes.length).toBeLessThan(8 * 2 ** 20);
    },
  );

  it('every preset whose base is shipped is listed with it', () => {
    for (const p of PRESETS) {
      const id = stageIds(presetSpec(p.id)).pretrain;
      const entry = manifest.bases.find((b) => b.stageId === id);
      if (entry) expect(entry.presets).toContain(p.id);
    }
  });
});
