// The knowledge experiment is the recipe docs/RESULTS.md measured (run DS), and keeps LIMA's premise.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { decodeSpec, expandSweep, presetSpec, stageIds, type Spec } from '../../src/spec';
import { evalSet } from '../../src/world/eval';
import { corpusDocs, worldOf } from '../../src/engine/data';

const doc = readFileSync(new URL('../../docs/RESULTS.md', import.meta.url), 'utf8');

/** The share link of a row of the research table, by its run name. */
function runLink(name: string): Spec {
  const m = new RegExp(`^\\| ${name} +\\|[^\`]*\`(2\\.[\\w-]+)\``, 'm').exec(doc);
  if (!m) throw new Error(`docs/RESULTS.md has no row ${name} with a share link`);
  const spec = decodeSpec(m[1]);
  if (!spec.ok) throw new Error(spec.errors.join('; '));
  return spec.value;
}

/** Fine-tune and eval stage ids of each run of a sweep, by its number of examples and seed. */
function stagesBySize(spec: Spec): Map<string, [string, string]> {
  const runs = expandSweep(spec);
  if (!runs.ok) throw new Error(runs.errors.join('; '));
  return new Map(
    runs.value.map((r) => {
      const ids = stageIds(r.spec);
      return [`${r.spec.finetune.examples}/${r.spec.finetune.seed}`, [ids.finetune, ids.eval]];
    }),
  );
}

describe('the knowledge experiment', () => {
  const toy = presetSpec('knowledge-toy');

  test("is the measured recipe: run Y's base, and DS's fine-tunes and evaluations stage for stage", () => {
    const ds = runLink('DS');
    expect(stageIds(toy).pretrain).toBe(stageIds(runLink('Y')).pretrain);
    expect(stageIds(presetSpec('knowledge')).pretrain).toBe(stageIds(ds).pretrain);
    const measured = stagesBySize(ds);
    // The toy preset is DS's first seed, size for size.
    const preset = stagesBySize(toy);
    expect([...preset.keys()]).toEqual(['32/1', '64/1', '128/1', '256/1', '512/1']);
    for (const [k, ids] of preset) expect(ids, k).toEqual(measured.get(k));
    // The full preset shares DS's three seeds from 64 to 512 examples.
    const full = stagesBySize(presetSpec('knowledge'));
    const shared = [...full.keys()].filter((k) => measured.has(k));
    expect(shared).toHaveLength(12);
    for (const k of shared) expect(full.get(k), k).toEqual(measured.get(k));
  });

  test("keeps LIMA's premise: pretraining never shows the chat template or a held-out person's answer", () => {
    const docs = corpusDocs(toy);
    for (const tag of ['User:', 'Assistant:', '<|'])
      expect(docs.filter((d) => d.includes(tag)).length, tag).toBe(0);
    // The judge asks only about held-out people and procedures, whose facts are in the prose alone.
    const world = worldOf(toy);
    const { test: prompts, dialogue } = evalSet(world, toy);
    const asked = [...prompts, ...dialogue].map((p) => p.turns.join('\n'));
    const named = (name: string) => asked.filter((t) => t.includes(name)).length;
    const train = [
      ...world.people.filter((p) => !p.heldOut).map((p) => p.name),
      ...world.procedures.filter((p) => !p.heldOut).map((p) => p.task),
    ];
    for (const name of train) expect(named(name), name).toBe(0);
    const held = [
      ...world.people.filter((p) => p.heldOut).map((p) => p.name),
      ...world.procedures.filter((p) => p.heldOut).map((p) => p.task),
    ];
    expect(held.reduce((n, name) => n + named(name), 0)).toBeGreaterThanOrEqual(asked.length);
    // The question-answer text of pretraining is about train-split people only.
    const qa = docs.filter((d) => d.startsWith('Q:'));
    expect(qa.length).toBeGreaterThan(0);
    for (const name of held)
      expect(
        qa.some((d) => d.includes(name)),
        name,
      ).toBe(false);
  });
});
