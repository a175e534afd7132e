// `npm run lab` end to end: a micro sweep from a share link, its cache, shards and merge, and refused files.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSpec, parseSpec } from '../../src/spec';
import { parseResultsFile } from '../../src/runner/results';
import { MICRO_SPEC } from '../fixtures/micro-spec';

const micro = (() => {
  const r = parseSpec(MICRO_SPEC);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
})();
const link = `http://127.0.0.1/#s=${encodeSpec(micro)}`;

let dir: string;
let port: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lab-cli-'));
  port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(join('node_modules', '.cache', 'lima-lab', `dist-${port}`), {
    recursive: true,
    force: true,
  });
});

function lab(...args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['scripts/lab.mjs', ...args],
      { timeout: 240_000, maxBuffer: 1 << 24 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error.code as number) ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

/** The table lines of a lab run's output. */
const tableOf = (out: string) => out.split('\n').filter((l) => /^(condition|all)\s/.test(l));
/** The verdict line (the rule the page and docs/RESULTS.md use). */
const verdictOf = (out: string) => out.split('\n').find((l) => /Here: .*Verdict: /.test(l));

describe('npm run lab', () => {
  test('runs a share link, prints the table and writes a valid results file; a second run computes nothing', async () => {
    const profile = join(dir, 'profile');
    const args = [link, '--profile', profile, '--port', String(port)];
    const first = await lab(...args, '--out', join(dir, 'whole.json'));
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/link: 2 of 2 runs, 6 stages/);
    expect(first.out).toMatch(/done: 2 runs; stages computed 6, from cache 0/);
    expect(tableOf(first.out)[0]).toMatch(/^condition\s+examples\s+mean ± 95% CI\s+n/);
    // Two sizes are no plateau yet: the verdict says so rather than guessing.
    expect(verdictOf(first.out)).toMatch(/^LIMA \(Fig\. 6\).*Verdict: not enough runs\.$/);
    // Where the time went: every stage kind computed, with training and generation rates.
    expect(first.out).toMatch(/time by stage \(computed in this run\):\n\s+data\s+1 stage /);
    // The one pretraining, which both fine-tunes read, ran alone on a thread per pool worker.
    const pool = Math.min(4, availableParallelism());
    const alone = pool > 1 ? ` \\(ran alone: one worker, ${pool} threads\\)` : '';
    expect(first.out).toMatch(
      new RegExp(`\\n\\s+pretrain\\s+1 stage\\s+[\\d.]+ s, [\\d,]+ tokens/s${alone}\\n`),
    );
    expect(first.out).toMatch(/\n\s+fine-tune\s+2 stages\s+[\d.]+ s, [\d,]+ tokens\/s\n/);
    expect(first.out).toMatch(/\n\s+eval\s+2 stages\s+[\d.]+ s, [\d,]+ generated tokens\/s\n/);
    // The base model's probes, each with its chance level.
    expect(first.out).toMatch(
      /base model of pretrain \w{8}: held-out facts completed in its own biography text \d+\/\d+ \([\d.]+%, chance [\d.]+%\); stated when asked in plain text \("Q: … A:"\) \d+\/\d+ \([\d.]+%, chance [\d.]+%\)/,
    );
    // Facts right per task type and run, each with its chance level.
    expect(first.out).toMatch(
      /held-out facts right by task \(answers right\/asked, chance\):\n {2}all, sft 4, seed \d+: fact \d+\/\d+ \(\d+\.\d%\)/,
    );
    const file = parseResultsFile(readFileSync(join(dir, 'whole.json'), 'utf8'), 'whole.json');
    expect(file.ok ? file.value.runs.map((r) => r.summary.n) : file.errors).toEqual([10, 10]);

    const second = await lab(...args, '--out', join(dir, 'again.json'));
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/done: 2 runs; stages computed 0, from cache 6/);
    expect(second.out).not.toMatch(/time by stage/);
    expect(tableOf(second.out)).toEqual(tableOf(first.out));

    // Shards (each from an empty cache) merged give the whole sweep's table.
    for (const k of [1, 2]) {
      const r = await lab(
        link,
        '--fresh',
        '--port',
        String(port),
        '--shard',
        `${k}/2`,
        '--out',
        join(dir, `s${k}.json`),
      );
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/done: 1 runs; stages computed 4/);
    }
    const merged = await lab(
      'merge',
      join(dir, 's2.json'),
      join(dir, 's1.json'),
      '--out',
      join(dir, 'm.json'),
    );
    expect(merged.code, merged.out).toBe(0);
    expect(merged.out).toMatch(/complete: all 2 runs/);
    expect(tableOf(merged.out)).toEqual(tableOf(first.out));
    expect(verdictOf(merged.out)).toBe(verdictOf(first.out));
  });

  test('merge refuses a corrupted file and a file from another experiment, naming them', async () => {
    const whole = readFileSync(join(dir, 'whole.json'), 'utf8');
    writeFileSync(join(dir, 'cut.json'), whole.slice(0, 300));
    const cut = await lab('merge', join(dir, 's1.json'), join(dir, 'cut.json'));
    expect(cut.code).toBe(1);
    expect(cut.out).toMatch(/cut\.json is not a results file: it is not valid JSON/);

    const other = parseSpec({ ...micro, seed: 2 });
    if (!other.ok) throw new Error('spec');
    const r = await lab(
      `http://127.0.0.1/#s=${encodeSpec(other.value)}`,
      '--fresh',
      '--port',
      String(port),
      '--shard',
      '1/2',
      '--out',
      join(dir, 'other.json'),
    );
    expect(r.code, r.out).toBe(0);
    const mixed = await lab('merge', join(dir, 's1.json'), join(dir, 'other.json'));
    expect(mixed.code).toBe(1);
    expect(mixed.out).toMatch(/other\.json is from a different experiment .* than .*s1\.json/);
  });
});
