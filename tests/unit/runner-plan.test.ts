// The sweep plan, shards, results files, merge, table and link summary (pure, in Node).
import { describe, expect, it } from 'vitest';
import { presetSpec } from '../../src/spec';
import { parseShard, planSweep, type SweepPlan } from '../../src/runner/plan';
import { aloneStages, runOrder, stageQueue } from '../../src/runner/queue';
import {
  formatTable,
  mergeResultsFiles,
  parseResultsFile,
  resultsFileOf,
  resultsTable,
} from '../../src/runner/results';
import { decodeLinkSummary, summarizeForLink } from '../../src/runner/link';
import type { RunResult } from '../../src/runner/types';
import type { Score } from '../../src/world/types';

function plan(id: string, shard: { k: number; n: number } | null = null): SweepPlan {
  const p = planSweep(presetSpec(id), shard);
  if (!p.ok) throw new Error(p.errors.join('; '));
  return p.value;
}

/** A finished run with given judge scores (the numbers a real run would carry). */
function resultOf(p: SweepPlan, i: number, scores: Score[]): RunResult {
  const run = p.runs[i];
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  return {
    runId: run.id,
    point: run.point,
    condition: run.condition,
    spec: run.spec,
    stages: run.stages,
    backend: 'wasm',
    summary: { mean, ci95: 0.1, n: scores.length, excellent: 0 },
    byTask: {},
    samples: scores.map((score, k) => ({
      promptId: `p${k}`,
      task: k % 2 ? 'fact' : 'dialogue',
      turns: ['q'],
      sample: 0,
      response: 'a',
      score,
      reason: 'r',
    })),
    lossCurves: { pretrain: [], finetune: [] },
    timings: { eval: 1 },
    finishedAt: 0,
  };
}

describe('plan', () => {
  it('plateau-toy shares one world and one pretraining across its 5 sizes × 3 seeds', () => {
    const p = plan('plateau-toy');
    expect(p.runs).toHaveLength(15);
    const count = (s: string) => p.stages.filter((x) => x.stage === s).length;
    expect([count('data'), count('pretrain'), count('finetune'), count('eval')]).toEqual([
      1, 1, 15, 15,
    ]);
    expect(p.stages.find((s) => s.stage === 'pretrain')!.runs).toHaveLength(15);
    // Parents come before children.
    const seen = new Set<string>();
    for (const s of p.stages) {
      if (s.parent) expect(seen.has(s.parent)).toBe(true);
      seen.add(s.stageId);
    }
    // Sizes in the preset's order, each with its 3 seeds, doubling from the smallest (nested sets).
    const sizes = p.runs.map((r) => r.examples).filter((_, i) => i % 3 === 0);
    expect(sizes).toEqual([1, 2, 4, 8, 16].map((k) => k * sizes[0]));
    expect(p.runs.map((r) => r.examples)).toEqual(sizes.flatMap((n) => [n, n, n]));
    expect(p.runs.every((r) => r.condition === 'all')).toBe(true);
  });

  it('queues the cheapest run first, then the costliest first: no engine idles at the end', () => {
    const p = plan('plateau-toy');
    const queued = new Map(p.stages.map((s) => [s.stageId, 'queued' as const]));
    const sizes = [...new Set(p.runs.map((r) => r.examples))]; // 8 … 128
    const [small, , , , large] = sizes;
    expect(runOrder(p, queued).map((r) => r.examples)).toEqual([
      small,
      large,
      large,
      large,
      sizes[3],
      sizes[3],
      sizes[3],
      sizes[2],
      sizes[2],
      sizes[2],
      sizes[1],
      sizes[1],
      sizes[1],
      small,
      small,
    ]);
    // Seeds of one size keep plan order; the stage ranks follow the run order.
    const order = runOrder(p, queued);
    expect(order.slice(1, 4).map((r) => p.runs.indexOf(r))).toEqual([12, 13, 14]);
    const { rank } = stageQueue(p, queued);
    const rankOf = (i: number) => rank.get(order[i]!.stages.finetune)!;
    expect(order.map((_, i) => rankOf(i))).toEqual([...order.keys()].map((i) => rankOf(0) + 4 * i));
    // Cached runs cost nothing and go last (they show at once); the first is still the cheapest to compute.
    const cached = new Map<string, 'queued' | 'cached'>(queued);
    for (const r of p.runs.filter((x) => x.examples === large))
      for (const s of [r.stages.finetune, r.stages.eval]) cached.set(s, 'cached');
    expect(runOrder(p, cached).map((r) => r.examples)).toEqual([
      small,
      ...[3, 2, 1].flatMap((k) => [sizes[k], sizes[k], sizes[k]]),
      small,
      small,
      large,
      large,
      large,
    ]);
  });

  it('runs alone only what nothing else can run beside: a shared pretraining, every stage of a one-run sweep', () => {
    const ids = (p: SweepPlan, st: string) =>
      p.stages.filter((s) => s.stage === st).map((s) => s.stageId);
    const queuedOf = (p: SweepPlan) => new Map(p.stages.map((s) => [s.stageId, 'queued' as const]));
    // plateau-toy: 15 fine-tunes read one pretraining, which runs alone; they run side by side.
    const p = plan('plateau-toy');
    expect([...aloneStages(p, queuedOf(p))]).toEqual(ids(p, 'pretrain'));
    expect(stageQueue(p, queuedOf(p)).alone).toEqual(new Set(ids(p, 'pretrain')));
    // Its base cached (shipped): nothing runs alone.
    const cached = new Map<string, 'queued' | 'cached'>(queuedOf(p));
    for (const id of [...ids(p, 'data'), ...ids(p, 'pretrain')]) cached.set(id, 'cached');
    expect(aloneStages(p, cached).size).toBe(0);
    // All but one run cached: that run's fine-tune and evaluation run alone.
    const one = new Map(cached);
    for (const r of p.runs.slice(1))
      for (const id of [r.stages.finetune, r.stages.eval]) one.set(id, 'cached');
    expect([...aloneStages(p, one)]).toEqual([p.runs[0].stages.finetune, p.runs[0].stages.eval]);
    // scale-toy: two pretrainings can run side by side, so neither runs alone.
    const scale = plan('scale-toy');
    expect(aloneStages(scale, queuedOf(scale)).size).toBe(0);
  });

  it('keeps the runs of each pretraining together, in plan order', () => {
    const p = plan('scale-toy');
    const queued = new Map(p.stages.map((s) => [s.stageId, 'queued' as const]));
    const pretrains = runOrder(p, queued).map((r) => r.stages.pretrain);
    expect(pretrains).toEqual(p.runs.map((r) => r.stages.pretrain));
  });

  it('scale-toy finishes each model size before the next and names conditions by setting', () => {
    const p = plan('scale-toy');
    const pretrains = p.runs.map((r) => r.stages.pretrain);
    // Grouped: all runs of the first pretraining, then all of the second.
    expect(pretrains.indexOf(pretrains.at(-1)!)).toBe(pretrains.length / 2);
    expect(p.runs[0].condition).toBe('preset=toy');
  });

  it('shards are disjoint, deterministic and together make the whole sweep', () => {
    const whole = plan('quality-toy');
    const shards = [1, 2, 3].map((k) => plan('quality-toy', { k, n: 3 }));
    expect(shards.flatMap((s) => s.runs.map((r) => r.id))).toEqual(whole.runs.map((r) => r.id));
    expect(plan('quality-toy', { k: 2, n: 3 }).runs.map((r) => r.id)).toEqual(
      shards[1].runs.map((r) => r.id),
    );
    // A shard computes the upstream stages its runs need, itself.
    for (const s of shards) expect(s.stages[0].stage).toBe('data');
    expect(shards.every((s) => s.sweepId === whole.sweepId && s.totalRuns === 6)).toBe(true);
  });

  it('refuses a shard larger than the sweep and malformed --shard values', () => {
    expect(planSweep(presetSpec('augmentation-toy'), { k: 1, n: 3 })).toMatchObject({ ok: false });
    expect(parseShard('2/3')).toEqual({ ok: true, value: { k: 2, n: 3 } });
    for (const bad of ['0/2', '3/2', 'a/b', '2', '1/257'])
      expect(parseShard(bad).ok, bad).toBe(false);
    expect(parseShard('1/257')).toEqual({
      ok: false,
      errors: ['shard count must be between 1 and 256'],
    });
    expect(parseShard('256/256').ok).toBe(true);
  });
});

describe('results files', () => {
  const p = plan('quality-toy');
  const results = p.runs.map((_, i) => resultOf(p, i, i < 3 ? [5, 6, 4, 5] : [3, 2, 4, 3]));

  it('round-trip through JSON and are refused with a clear message when damaged or foreign', () => {
    // A task answered once has no interval (NaN), which JSON writes as null.
    results[0].byTask = { verify: { mean: 5, ci95: NaN, n: 1, excellent: 0 } };
    const file = resultsFileOf(p.spec, null, results);
    const text = JSON.stringify(file);
    const back = parseResultsFile(text, 'a.json');
    expect(back.ok && back.value.runs.map((r) => r.runId)).toEqual(p.runs.map((r) => r.id));
    expect(back.ok && back.value.runs[0].byTask.verify?.ci95).toBeNaN();
    expect(parseResultsFile(text.slice(0, text.length / 2), 'a.json')).toEqual({
      ok: false,
      errors: ['a.json is not a results file: it is not valid JSON (corrupted or cut short?)'],
    });
    expect(parseResultsFile('[1,2]', 'b.json').ok).toBe(false);
    const damaged = JSON.parse(text);
    damaged.runs[1].summary.mean = 'high';
    const d = parseResultsFile(JSON.stringify(damaged), 'c.json');
    expect(!d.ok && d.errors[0]).toMatch(/^c\.json is damaged: runs\.1\.summary\.mean/);
    // Tampered like a link: absurd numbers and lists where objects belong are refused by path.
    for (const [edit, why] of [
      [
        (f: typeof damaged) => (f.runs[1].summary.mean = 1e308),
        /runs\.1\.summary\.mean: must be at most 6/,
      ],
      [
        (f: typeof damaged) => (f.runs[0].summary.n = -3),
        /runs\.0\.summary\.n: must be at least 0/,
      ],
      [
        (f: typeof damaged) => (f.runs[0].byTask = []),
        /runs\.0\.byTask: must be an object of settings, not a list/,
      ],
      [
        (f: typeof damaged) => (f.runs[0].summary = [5, 0.1, 4, 0]),
        /runs\.0\.summary: must be an object/,
      ],
    ] as const) {
      const t = JSON.parse(text);
      edit(t);
      const out = parseResultsFile(JSON.stringify(t), 't.json');
      expect(!out.ok && out.errors[0]).toMatch(why);
    }
    const newer = { ...file, version: 99 };
    expect(!parseResultsFile(JSON.stringify(newer), 'n.json').ok).toBe(true);
    const stray = JSON.parse(text);
    stray.runs[0].runId = '0000000000000000';
    const s = parseResultsFile(JSON.stringify(stray), 's.json');
    expect(!s.ok && s.errors[0]).toMatch(/run 0000000000000000 is not part of its experiment/);
  });

  it('shards merge into the same table as the whole sweep; another experiment is refused', () => {
    const wholeTable = resultsTable(resultsFileOf(p.spec, null, results).runs);
    const parts = [1, 2].map((k) => {
      const shard = plan('quality-toy', { k, n: 2 });
      const ids = new Set(shard.runs.map((r) => r.id));
      return {
        name: `shard${k}.json`,
        file: resultsFileOf(
          p.spec,
          { k, n: 2 },
          results.filter((r) => ids.has(r.runId)),
        ),
      };
    });
    // Merge order does not matter.
    const merged = mergeResultsFiles([parts[1], parts[0]]);
    expect(merged.ok && merged.value.missing).toBe(0);
    expect(merged.ok && resultsTable(merged.value.file.runs)).toEqual(wholeTable);
    const partial = mergeResultsFiles([parts[0]]);
    expect(partial.ok && partial.value.missing).toBe(3);

    const other = plan('diversity-toy');
    const foreign = resultsFileOf(other.spec, null, [resultOf(other, 0, [4])]);
    const refused = mergeResultsFiles([parts[0], { name: 'theirs.json', file: foreign }]);
    expect(!refused.ok && refused.errors[0]).toMatch(
      /^theirs\.json is from a different experiment .* than shard1\.json/,
    );
  });

  it('the table pools seeds per condition with a t-based 95% interval', () => {
    const rows = resultsTable(results);
    expect(rows.map((r) => [r.condition, r.examples, r.seeds, r.n])).toEqual([
      ['quality=filtered', 64, 3, 12],
      ['quality=unfiltered', 64, 3, 12],
    ]);
    expect(rows[0].mean).toBeCloseTo(5, 10);
    expect(rows[1].mean).toBeCloseTo(3, 10);
    // Sample sd of [5,6,4,5]×3 is 0.7385; t(11, .975) = 2.201.
    expect(rows[0].ci95).toBeCloseTo((2.201 * 0.7385) / Math.sqrt(12), 2);
    expect(rows[0].excellent).toBeCloseTo(3 / 12, 10);
    expect(rows[0].dialogue?.n).toBe(6);
    const text = formatTable(rows);
    expect(text.split('\n')[0]).toMatch(/^condition\s+examples\s+mean ± 95% CI\s+n\s+excellent/);
    expect(text).toContain('quality=unfiltered  64        3.00 ± ');
  });

  it('a link summary carries a few rounded numbers per run and decodes back', () => {
    const text = summarizeForLink(p.sweepId, 'wasm', results);
    expect(text.length).toBeLessThan(600);
    const back = decodeLinkSummary(text);
    expect(back.ok && back.value.runs[0]).toEqual({
      runId: p.runs[0].id,
      mean: 5,
      ci95: 0.1,
      n: 4,
      excellent: 0,
    });
    expect(decodeLinkSummary(text.slice(0, 20)).ok).toBe(false);
  });
});
