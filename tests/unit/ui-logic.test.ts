// The page's pure logic: links and workshop flags, editor parsing, pooled summaries, head-to-heads, costs, lessons, CSV.
import { describe, expect, test } from 'vitest';
import {
  decodeSpec,
  DEFAULT_PRESET,
  encodePayload,
  expandSweep,
  presetSpec,
  stageIds,
} from '../../src/spec';
import { summarize } from '../../src/world/stats';
import { Rng } from '../../src/util/rng';
import { linkHash, readLink } from '../../src/ui/link';
import {
  HIDEABLE_PARTS,
  SECTION_TITLES,
  hideTitle,
  isHidden,
  unknownHideNames,
} from '../../src/ui/flags';
import { resultsFileName } from '../../src/runner/results';
import { mostInformativeRun, promptSeen } from '../../src/ui/samples';
import { deepMerge } from '../../src/util/paths';
import { errorTarget, parseAxisText, parseFieldText } from '../../src/ui/editor-fields';
import { fieldInfo } from '../../src/spec';
import {
  headToHead,
  hasSizeAxis,
  lossSeries,
  plateauSeries,
  pool,
  referenceRows,
} from '../../src/ui/series';
import { LESSONS, lessonSpec } from '../../src/ui/lessons';
import { toCsv } from '../../src/ui/charts/export';
import { plural, runButtonText } from '../../src/ui/format';
import { deviceOf } from '../../src/engine/device';
import type { RunResult, TableRow } from '../../src/runner/types';
import type { Sample } from '../../src/engine/api';

describe('links', () => {
  test('the default experiment has an empty fragment; an edit travels as its non-default values only', () => {
    const spec = presetSpec(DEFAULT_PRESET);
    expect(linkHash({ spec })).toBe('');
    const edited = { ...spec, finetune: { ...spec.finetune, epochs: 3 } };
    const hash = linkHash({
      spec: edited,
      view: 'editor',
      hide: ['advanced', 'device'],
      shard: { k: 2, n: 5 },
    });
    expect(hash).toContain('hide=advanced,device');
    expect(hash).toContain('shard=2/5');
    const back = readLink(hash);
    expect(back.error).toBeNull();
    expect(back.spec.finetune.epochs).toBe(3);
    expect(back.spec.sweep).toEqual(spec.sweep);
    expect(back.view).toBe('editor');
    expect(back.shard).toEqual({ k: 2, n: 5 });
    // Only the differences from the schema's defaults are encoded.
    const s = new URLSearchParams(hash.slice(1)).get('s')!;
    const decoded = decodeSpec(s);
    expect(decoded.ok && decoded.value.finetune.epochs).toBe(3);
  });

  test('a broken spec falls back to the default experiment with reasons; other parts still apply', () => {
    const r = readLink('#s=1.@@not-base64&view=samples&shard=9/4&lesson=x');
    expect(r.spec).toEqual(presetSpec(DEFAULT_PRESET));
    expect(r.fromLink).toBe(false);
    expect(r.view).toBe('samples');
    expect(r.shard).toBeNull();
    expect(r.error?.join('\n')).toMatch(/malformed/);
    expect(r.error?.join('\n')).toMatch(/shard 9\/4/);
    expect(r.error?.join('\n')).toMatch(/lesson "x"/);
  });

  test('a link whose values break the bounds names the field', () => {
    const r = readLink(`#s=${encodePayload({ finetune: { examples: 70_000 } })}`);
    expect(r.error?.join('\n')).toMatch(/finetune\.examples: must be at most 65536/);
  });
});

describe('workshop flags', () => {
  test('advanced hides model, pretraining, optimizer and evaluation but not data or fine-tuning', () => {
    const hide = ['advanced'];
    for (const k of [
      'model',
      'model.nLayer',
      'pretrain.lr',
      'optimizer.beta2',
      'eval.prompts',
      'seed',
    ])
      expect(isHidden(hide, k), k).toBe(true);
    for (const k of ['data.quality', 'finetune.examples', 'sweep', 'world.people'])
      expect(isHidden(hide, k), k).toBe(false);
  });
  test('single fields, sections and tabs hide by name; unknown names are reported', () => {
    expect(isHidden(['finetune.lr'], 'finetune.lr')).toBe(true);
    expect(isHidden(['finetune.lr'], 'finetune.epochs')).toBe(false);
    expect(isHidden(['data'], 'data.flawRate')).toBe(true);
    expect(isHidden(['device'], 'device')).toBe(true);
    expect(unknownHideNames(['advanced', 'finetune.lr', 'nonsense', 'data'])).toEqual(['nonsense']);
  });
  test('the hide list names every choice as the page does, and no two alike', () => {
    const names = [...HIDEABLE_PARTS, ...Object.keys(SECTION_TITLES)].map(hideTitle);
    expect(new Set(names).size).toBe(names.length);
    expect(hideTitle('device')).toBe('Device & data tab');
    expect(hideTitle('editor')).toBe('Experiment tab');
    expect(hideTitle('experiment')).toBe('Experiment settings');
    expect(hideTitle('optimizer')).toBe('Optimizer (AdamW) settings');
  });
  test("a results file is named by its sweep and, for one laptop's slice, its shard", () => {
    const sweepId = '0123456789abcdef';
    expect(resultsFileName({ sweepId, shard: null })).toBe('lima-lab-results-01234567.json');
    expect(resultsFileName({ sweepId, shard: { k: 2, n: 3 } })).toBe(
      'lima-lab-results-01234567-shard-2of3.json',
    );
    expect(resultsFileName({ sweepId, shard: null }, 'merged')).toBe(
      'lima-lab-merged-01234567.json',
    );
  });
});

describe('editor parsing', () => {
  test('numbers pass to the schema for bounds; non-numbers and empty required fields are errors', () => {
    const examples = fieldInfo('finetune.examples')!;
    expect(parseFieldText(examples, '70000')).toEqual({ value: 70000 });
    expect(parseFieldText(examples, 'abc')).toEqual({ error: 'must be a number (got "abc")' });
    expect(parseFieldText(examples, ' ')).toEqual({ error: 'must be a number' });
    // An override left empty means "from the preset".
    expect(parseFieldText(fieldInfo('model.nLayer')!, '')).toEqual({ value: undefined });
  });
  test('axes parse by the swept field’s kind', () => {
    expect(parseAxisText('finetune.examples', '16, 32,64')).toEqual({ values: [16, 32, 64] });
    expect(parseAxisText('data.quality', 'filtered, unfiltered')).toEqual({
      values: ['filtered', 'unfiltered'],
    });
    expect(parseAxisText('model.tiedEmbeddings', 'true,false')).toEqual({ values: [true, false] });
    expect(parseAxisText('finetune.examples', '16, x')).toEqual({ error: '"x" is not a number' });
    expect(parseAxisText('finetune.examples', ' , ')).toHaveProperty('error');
  });
  test('errors go to the field they name, sweep-point errors to the sweep', () => {
    expect(errorTarget('finetune.examples: must be at most 65536 (got 70000)')).toBe(
      'finetune.examples',
    );
    expect(errorTarget('model.nEmbd: width 100 must divide by 3 heads')).toBe('model.nEmbd');
    expect(
      errorTarget('sweep point finetune.examples=0: finetune.examples: must be at least 1'),
    ).toBe('sweep');
    expect(errorTarget('something else')).toBe('general');
  });
});

function sample(promptId: string, task: Sample['task'], score: number): Sample {
  return {
    promptId,
    task,
    turns: ['q'],
    sample: 0,
    response: 'r',
    score: score as Sample['score'],
    reason: '',
  };
}

describe('results for charts', () => {
  test('counts read as English: one conversation, six conversations', () => {
    expect(plural(1, 'conversations')).toBe('1 conversation');
    expect(plural(6, 'conversations')).toBe('6 conversations');
    expect(plural(0, 'documents')).toBe('0 documents');
  });

  test('the run view names the device without repeating the backend', () => {
    const report = {
      webgpu: { description: 'NVIDIA H100', device: '', vendor: 'nvidia' },
      wasm: { simd: true, threads: true },
    };
    expect(deviceOf('wasm', report)).toBe('SIMD, threads');
    expect(deviceOf('wasm', report, 2)).toBe('SIMD, 2 workers × 1 thread');
    expect(deviceOf('webgpu', report, 1)).toBe('NVIDIA H100');
    expect(deviceOf('webgpu', report)).toBe('NVIDIA H100');
    expect(deviceOf('cpu', report)).toBe('JavaScript');
  });

  test('a loss curve with validation points gives a dashed validation series of those points only', () => {
    const pts = [
      { step: 1, loss: 5, lr: 1, tokens: 1 },
      { step: 2, loss: 4, lr: 1, tokens: 2, valLoss: 4.5 },
      { step: 3, loss: 3, lr: 1, tokens: 3, valLoss: 4.2 },
    ];
    const [train, val] = lossSeries('pretrain 1', pts);
    expect(train!.points.map((p) => p.value)).toEqual([5, 4, 3]);
    expect(val).toEqual({
      name: 'pretrain 1 (val)',
      dashed: true,
      points: [
        { step: 2, value: 4.5 },
        { step: 3, value: 4.2 },
      ],
    });
    expect(lossSeries('x', pts.slice(0, 1))).toHaveLength(1);
  });

  test('pooling per-run summaries equals summarizing the pooled scores', () => {
    const rng = new Rng(7);
    const runs = [12, 30, 5].map((n) => Array.from({ length: n }, () => rng.int(1, 6)));
    const pooled = pool(runs.map((s) => summarize(s)));
    const direct = summarize(runs.flat());
    expect(pooled.n).toBe(direct.n);
    expect(pooled.mean).toBeCloseTo(direct.mean, 10);
    expect(pooled.ci95).toBeCloseTo(direct.ci95, 10);
    expect(pooled.excellent).toBeCloseTo(direct.excellent, 10);
  });

  test('reference rows group the sharer’s runs by this page’s plan of the same spec', () => {
    const spec = presetSpec(DEFAULT_PRESET);
    const runs = expandSweep(spec);
    if (!runs.ok) throw new Error('preset does not expand');
    const plan = runs.value.map((r) => ({
      id: r.id,
      condition: 'all',
      examples: r.spec.finetune.examples,
    }));
    const summary = {
      sweepId: 'x',
      backend: 'wasm' as const,
      runs: runs.value.map((r, i) => ({
        runId: r.id,
        mean: 2 + (i % 5) * 0.5,
        ci95: 0.2,
        n: 100,
        excellent: 0.1,
      })),
    };
    const rows = referenceRows(summary, plan);
    expect(rows).toHaveLength(5); // five sizes, three seeds pooled in each
    expect(rows.every((r) => r.n === 300 && r.seeds === 3)).toBe(true);
    const series = plateauSeries(rows, true);
    expect(series).toHaveLength(1);
    const sizes = spec.sweep.axes.find((a) => a.path === 'finetune.examples')!.values;
    expect(series[0].points.map((p) => p.x)).toEqual(sizes);
    expect(series[0].reference).toBe(true);
  });

  test('a plateau needs one condition at several sizes; in-context methods at one size each are bars', () => {
    const row = (condition: string, examples: number): TableRow => ({
      condition,
      examples,
      mean: 3,
      ci95: 0.1,
      n: 10,
      excellent: 0,
      seeds: 1,
    });
    expect(hasSizeAxis([row('all', 16), row('all', 32)])).toBe(true);
    expect(
      hasSizeAxis([row('method=zero-shot', 0), row('method=few-shot', 3), row('method=sft', 64)]),
    ).toBe(false);
  });

  test('the samples view opens on the run with the most examples, the best of those, and shows the prompt as the model saw it', () => {
    const base = presetSpec('plateau-toy');
    const run = (id: string, examples: number, mean: number, over: object = {}) =>
      ({
        runId: id,
        spec: deepMerge(base, { finetune: { examples }, ...over }),
        summary: { mean },
      }) as unknown as RunResult;
    const runs = [run('a', 8, 2.5), run('b', 128, 2.0), run('c', 128, 2.2), run('d', 64, 3)];
    expect(mostInformativeRun(runs)?.runId).toBe('c');
    expect(mostInformativeRun([])).toBeUndefined();
    expect(promptSeen(runs[0], ['Who is Kima?'])).toBe('<|bos|>User: Who is Kima?\nAssistant:');
    // Few-shot: the shots the engine prepends, then the question, all plain text after BOS.
    const fewShot = run('e', 3, 1, { finetune: { method: 'few-shot', fewShot: 3 } });
    const seen = promptSeen(fewShot, ['Who is Kima?']);
    expect(seen.startsWith('<|bos|>User: ')).toBe(true);
    expect(seen.match(/\nAssistant: /g)?.length).toBeGreaterThanOrEqual(3);
    expect(seen.endsWith('\n\nUser: Who is Kima?\nAssistant:')).toBe(true);
  });

  test('head to head counts wins, ties and losses on the prompts both runs answered', () => {
    const a = {
      samples: [
        sample('p1', 'fact', 6),
        sample('p2', 'fact', 3),
        sample('p3', 'howto', 2),
        sample('p4', 'howto', 5),
      ],
    } as RunResult;
    const b = {
      samples: [sample('p1', 'fact', 4), sample('p2', 'fact', 3), sample('p3', 'howto', 5)],
    } as RunResult;
    const rows = headToHead(a, b);
    expect(rows.find((r) => r.label === 'all prompts')).toEqual({
      label: 'all prompts',
      win: 1,
      tie: 1,
      loss: 1,
    });
    expect(rows.find((r) => r.label === 'howto')).toEqual({
      label: 'howto',
      win: 0,
      tie: 0,
      loss: 1,
    });
  });
});

describe('lessons and exports', () => {
  test('every lesson is a valid experiment, in the order the brief gives, new ones last', () => {
    expect(LESSONS.map((l) => l.preset)).toEqual([
      'augmentation-toy',
      'plateau-toy',
      'plateau-toy',
      'quality-toy',
      'diversity-toy',
      'dialogue-toy',
      'in-context-toy',
      'knowledge-toy',
    ]);
    for (const l of LESSONS) expect(expandSweep(lessonSpec(l)).ok, l.title).toBe(true);
    // Lesson 2 is the plateau's 1× set: its smallest size.
    const sizes = lessonSpec(LESSONS[2]).sweep.axes.find((a) => a.path === 'finetune.examples')!;
    expect(lessonSpec(LESSONS[1]).finetune.examples).toBe(Math.min(...(sizes.values as number[])));
    // The last is one run of 8 examples on the knowledge experiment's base (the one the app ships).
    const last = lessonSpec(LESSONS[LESSONS.length - 1]);
    const runs = expandSweep(last);
    expect(runs.ok && runs.value.length).toBe(1);
    expect(last.finetune.examples).toBe(8);
    expect(stageIds(last).pretrain).toBe(stageIds(presetSpec('knowledge-toy')).pretrain);
  });
  test('CSV quotes commas, quotes and line breaks', () => {
    expect(toCsv([{ a: 'x, y', b: 'say "hi"', c: 'two\nlines', d: 1.5 }])).toBe(
      'a,b,c,d\n"x, y","say ""hi""","two\nlines",1.5\n',
    );
  });
});

describe('the run button after a sweep stopped', () => {
  test('says Run before anything ran, Resume when part is done, Run again only when finished', () => {
    expect(runButtonText('idle', 0)).toBe('Run');
    expect(runButtonText('cancelled', 0)).toBe('Run');
    expect(runButtonText('idle', 0.78)).toMatch(/^Resume /);
    expect(runButtonText('failed', 0.4)).toMatch(/^Resume /);
    expect(runButtonText('cancelled', 0.1)).toMatch(/^Resume /);
    expect(runButtonText('done', 1)).toMatch(/^Run again /);
  });
});
