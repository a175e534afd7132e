// `npm run lab -- <preset | share link> [--shard k/n] [--out file] [--backend b]` and `npm run lab -- merge a.json b.json …`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, createServer, preview } from 'vite';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from './chromium.mjs';
import { merge } from './lab-merge.mjs';

const HELP = `Usage:
  npm run lab -- <preset | share link> [--shard k/n] [--out results.json] [--backend auto|webgpu|wasm|cpu] [--workers n] [--fresh | --profile dir] [--port 5199] [--dev] [--trace trace.json] [--no-shipped] [--no-wide] [--save-bases dir]
  npm run lab -- merge a.json b.json … [--out merged.json]

Runs a sweep in headless Chromium (the app's runner, store and engine worker), prints progress and a
results table (condition, examples, mean judge score ± 95% CI, n) and writes the results as JSON.
It builds the app first (--dev serves the sources instead).
The cache lives in a Chromium profile under node_modules/.cache/lima-lab, so a second run of the same
sweep computes nothing and an interrupted one resumes; --fresh starts from an empty cache.
--shard k/n runs a deterministic slice of the runs; merge combines the shards' files.
--workers n fixes how many engine workers compute independent stages at once (default: one per
core on wasm and cpu, one on webgpu); the results are the same whatever n.
--no-shipped pretrains every base model here instead of starting from one the app ships.
--no-wide keeps a stage that runs alone (a sweep's one pretraining) on the pool's one-thread workers
instead of a worker with a thread per core (to compare; the results are the same).
--save-bases dir writes each pretraining of the sweep as a base file the app ships (dir/<stage>.lbase,
listed in dir/manifest.json): \`npm run ship-bases\` does this for the default experiment.`;

function fail(message) {
  console.error(`lab: ${message}`);
  process.exit(1);
}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    shard: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string' },
    workers: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    port: { type: 'string', default: '5199' },
    dev: { type: 'boolean', default: false },
    profile: { type: 'string' },
    trace: { type: 'string' },
    'no-shipped': { type: 'boolean', default: false },
    'no-wide': { type: 'boolean', default: false },
    'save-bases': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help || positionals.length === 0) {
  console.log(HELP);
  process.exit(positionals.length === 0 && !opts.help ? 1 : 0);
}
if (opts.backend && !['auto', 'webgpu', 'wasm', 'cpu'].includes(opts.backend))
  fail(`--backend must be auto, webgpu, wasm or cpu (got "${opts.backend}")`);
if (opts.workers !== undefined && !/^[1-8]$/.test(opts.workers))
  fail(`--workers must be a whole number from 1 to 8 (got "${opts.workers}")`);

/** The repository: the app is built from here whatever the working directory. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONFIG = join(ROOT, 'vite.config.ts');

if (positionals[0] === 'merge') {
  try {
    await merge(positionals.slice(1), {
      root: ROOT,
      config: CONFIG,
      out: opts.out ?? 'merged.json',
    });
  } catch (e) {
    fail(e.message);
  }
} else await run(positionals[0]);

/** A preset id, a share link (…#s=…) or a bare spec payload. */
function experimentOf(arg) {
  if (/^[a-z][a-z0-9-]*$/.test(arg)) return { preset: arg, link: null, shard: null };
  const at = arg.indexOf('#') >= 0 ? arg.slice(arg.indexOf('#') + 1) : arg.split('?')[1];
  if (at !== undefined) {
    const params = new URLSearchParams(at);
    if (params.get('s')) return { preset: null, link: params.get('s'), shard: params.get('shard') };
  }
  if (/^\d+\.[A-Za-z0-9_-]+$/.test(arg)) return { preset: null, link: arg, shard: null };
  fail(`"${arg}" is neither a preset id nor a share link with #s=…`);
}

async function run(arg) {
  const experiment = experimentOf(arg);
  const shardText = opts.shard ?? experiment.shard;
  const server = await serve();
  const base = server.resolvedUrls.local[0];
  const fresh = opts.fresh;
  const profile = fresh
    ? mkdtempSync(join(tmpdir(), 'lima-lab-'))
    : (opts.profile ?? join(ROOT, 'node_modules', '.cache', 'lima-lab', 'chromium-profile'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: ensureChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    // The app's offline service worker would serve an earlier build's precache: always run this build.
    serviceWorkers: 'block',
  });
  const stop = async () => {
    await context.close().catch(() => {});
    if (fresh) rmSync(profile, { recursive: true, force: true });
    await server.close();
  };
  process.once('SIGINT', () => {
    console.log(
      '\ninterrupted: finished stages and the last checkpoints are kept; run again to resume',
    );
    void stop().then(() => process.exit(130));
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.exposeFunction('labPrint', (line) => console.log(line));
    await ready(page, new URL('scripts/lab.html', base).toString());
    const t0 = Date.now();
    const out = await page.evaluate(inPage, {
      preset: experiment.preset,
      link: experiment.link,
      shard: shardText ?? null,
      backend: opts.backend ?? null,
      workers: opts.workers === undefined ? null : Number(opts.workers),
      trace: !!opts.trace,
      noShipped: opts['no-shipped'],
      noWide: opts['no-wide'],
      saveBases: !!opts['save-bases'],
    });
    if (out.error) fail(out.error);
    console.log(`\n${out.table}\n\n${out.verdict}\n${out.facts ? `${out.facts}\n` : ''}`);
    // The knowledge probe of each pretraining: held-out facts the base model completes from its training text.
    const probed = new Map();
    for (const r of out.file?.runs ?? [])
      if (r.knowledge?.total) probed.set(r.stages.pretrain, r.knowledge);
    const share = (a, b, chance) =>
      `${a}/${b} (${((100 * a) / Math.max(1, b)).toFixed(1)}%` +
      (chance === undefined ? ')' : `, chance ${(100 * chance).toFixed(1)}%)`);
    for (const [id, k] of probed) {
      console.log(
        `base model of pretrain ${id.slice(0, 8)}: held-out facts completed in its own biography text ${share(k.recalled, k.total, k.chance)}` +
          (k.asked
            ? `; stated when asked in plain text ("Q: … A:") ${share(k.asked.recalled, k.asked.total, k.asked.chance)}`
            : ''),
      );
      const pr = k.procedures;
      if (pr)
        console.log(
          `  held-out procedures, every step in order: continuing its own text ${share(pr.recalled, pr.total, pr.chance)}; asked in plain text ${share(pr.asked, pr.total, pr.chance)}`,
        );
      const z = k.zeroShot;
      if (z)
        console.log(
          `  zero-shot base in the chat template (greedy, ${z.n} prompts): judge ${z.mean.toFixed(2)} ± ${z.ci95.toFixed(2)}` +
            (z.facts
              ? `, facts right ${(100 * z.facts.right).toFixed(1)}% (chance ${(100 * z.facts.chance).toFixed(1)}%)`
              : ''),
        );
    }
    printFactsByTask(out.file?.runs ?? [], out.labels);
    printBreakdown(out.breakdown);
    console.log(
      `${out.status}: ${out.runs} runs; stages computed ${out.computed}, from cache ${out.cached}, resumed ${out.resumed}; ` +
        `backend ${out.backend ?? '—'}${out.device ? ` (${out.device})` : ''}; ${((Date.now() - t0) / 1000).toFixed(0)} s`,
    );
    if (out.backendReason) console.log(`why ${out.backend}: ${out.backendReason}`);
    const name = experiment.preset ?? `sweep-${out.file?.sweepId ?? 'unknown'}`;
    const shardName = out.file?.shard ? `-shard-${out.file.shard.k}of${out.file.shard.n}` : '';
    const file = opts.out ?? `results-${name}${shardName}.json`;
    if (opts.trace && out.trace) {
      writeFileSync(opts.trace, JSON.stringify(out.trace));
      console.log(`wrote the progress trace to ${opts.trace}`);
    }
    if (out.file) {
      writeFileSync(file, JSON.stringify(out.file));
      console.log(`wrote ${file}`);
    }
    if (opts['save-bases'] && out.status === 'done') saveBases(opts['save-bases'], out.bases);
    if (out.status !== 'done') process.exitCode = 1;
  } finally {
    await stop();
  }
}

/** Writes base files and merges them into the directory's manifest (one entry per stage id). */
function saveBases(dir, bases) {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'manifest.json');
  const manifest = existsSync(path)
    ? JSON.parse(readFileSync(path, 'utf8'))
    : { version: 1, bases: [] };
  for (const b of bases) {
    const bytes = Buffer.from(b.b64, 'base64');
    const file = `${b.stageId}.lbase`;
    writeFileSync(join(dir, file), bytes);
    const entry = {
      stageId: b.stageId,
      file,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      presets: b.presets,
      link: b.link,
      ms: Math.round(b.ms),
      tokensPerSec: Math.round(b.tokensPerSec),
    };
    manifest.bases = [...manifest.bases.filter((x) => x.stageId !== b.stageId), entry].sort(
      (x, y) => x.stageId.localeCompare(y.stageId),
    );
    console.log(
      `wrote base ${file} (${(bytes.length / 2 ** 20).toFixed(2)} MiB, SHA-256 ${entry.sha256.slice(0, 12)}…) for ${b.presets.join(', ') || 'no preset'}`,
    );
  }
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * Held-out facts right per task type and run, beside each type's chance level: a single fact is
 * far easier than a six-fact profile, so the pooled share alone hides where knowledge surfaces.
 */
function printFactsByTask(runs, labels) {
  const rows = runs.filter((r) => Object.values(r.byTask ?? {}).some((s) => s.facts));
  if (rows.length === 0) return;
  console.log('held-out facts right by task (answers right/asked, chance):');
  for (const r of rows) {
    const cells = Object.entries(r.byTask)
      .filter(([, s]) => s.facts)
      .map(([task, s]) => {
        const f = s.facts;
        return `${task} ${Math.round(f.right * f.n)}/${f.n} (${(100 * f.chance).toFixed(1)}%)`;
      });
    console.log(`  ${labels[r.runId]}: ${cells.join(', ')}`);
  }
}

/**
 * Where the time went, per stage kind, over the stages computed in this run (cached ones cost
 * nothing). Training rates count the tokens read by the training steps (validation and the dev-set
 * choice are in the stage's time, not its rate); eval's counts generated tokens.
 */
function printBreakdown(breakdown) {
  const names = { data: 'data', pretrain: 'pretrain', finetune: 'fine-tune', eval: 'eval' };
  const rows = Object.entries(names)
    .filter(([k]) => breakdown[k])
    .map(([k, name]) => {
      const b = breakdown[k];
      const rate = b.rateMs
        ? `, ${Math.round((1000 * b.tokens) / b.rateMs).toLocaleString('en-US')} ${k === 'eval' ? 'generated ' : ''}tokens/s`
        : '';
      // A stage that ran alone on a worker of its own, with a thread per core (runner.ts).
      const wide = b.wide ? ` (ran alone: one worker, ${b.wide} threads)` : '';
      return `  ${name.padEnd(9)} ${String(b.n).padStart(3)} ${b.n === 1 ? 'stage ' : 'stages'} ${(b.ms / 1000).toFixed(1).padStart(7)} s${rate}${wide}`;
    });
  if (rows.length) console.log(`time by stage (computed in this run):\n${rows.join('\n')}`);
}

/**
 * Builds the app with the headless page as an extra entry and serves the build: the code a user
 * gets, frozen for the whole sweep (a dev server would reload the page when a source file changes).
 * `--dev` serves the sources instead, without reloads.
 */
async function serve() {
  const server = { port: Number(opts.port), strictPort: true, host: '127.0.0.1', open: false };
  try {
    if (opts.dev) {
      const dev = await createServer({
        root: ROOT,
        configFile: CONFIG,
        server: { ...server, hmr: false, watch: null },
        logLevel: 'warn',
        clearScreen: false,
      });
      await dev.listen();
      return dev;
    }
    // One build per port, so two labs on two ports never rebuild under each other.
    const outDir = join(ROOT, 'node_modules', '.cache', 'lima-lab', `dist-${opts.port}`);
    const t0 = Date.now();
    await build({
      root: ROOT,
      configFile: CONFIG,
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        rollupOptions: { input: { lab: join(ROOT, 'scripts', 'lab.html') } },
      },
    });
    console.log(`built the app in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return await preview({
      root: ROOT,
      configFile: CONFIG,
      build: { outDir },
      preview: server,
      logLevel: 'warn',
    });
  } catch (e) {
    fail(
      `cannot build or serve the app on port ${opts.port}: ${e.message}\n` +
        '(another lab running? use --port N; the cache belongs to the port)',
    );
  }
}

/** Opens the headless page and waits for its modules (the runner, the spec) to load. */
async function ready(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => globalThis.lab !== undefined, null, { timeout: 120_000 });
}

/** Runs in the page: plan, run, and report progress through `labPrint`. */
async function inPage(a) {
  const { specs, runner: runnerModule } = globalThis.lab;
  let spec;
  if (a.preset) {
    if (!specs.presetById(a.preset)) {
      const ids = specs.PRESETS.map((p) => p.id).join(', ');
      return { error: `unknown preset "${a.preset}"; presets: ${ids}` };
    }
    spec = specs.presetSpec(a.preset);
  } else {
    const r = specs.decodeSpec(a.link);
    if (!r.ok) return { error: `the link is not a valid experiment:\n${r.errors.join('\n')}` };
    spec = r.value;
  }
  if (a.backend) {
    const r = specs.parseSpec({ ...spec, backend: a.backend });
    if (!r.ok) return { error: r.errors.join('\n') };
    spec = r.value;
  }
  let shard = null;
  if (a.shard) {
    const r = runnerModule.parseShard(a.shard);
    if (!r.ok) return { error: r.errors.join('\n') };
    shard = r.value;
  }
  // --workers fixes the engine pool's size (to compare sizes); else the page's own runner sizes it.
  const runner =
    a.workers || a.noShipped || a.noWide
      ? new runnerModule.SweepRunner({
          ...(a.workers ? { workers: a.workers } : {}),
          ...(a.noShipped ? { shippedBases: false } : {}),
          ...(a.noWide ? { wide: false } : {}),
        })
      : runnerModule.getRunner();
  const fmt = (s) =>
    s === null || !Number.isFinite(s)
      ? '?'
      : s >= 3600
        ? `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`
        : s >= 60
          ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`
          : `${Math.round(s)}s`;
  let lastLine = 0;
  let seenMessages = 0;
  const stageStatus = new Map();
  // --trace: every stage's fraction and status over time (only what changed, at most once a
  // second), so a test can replay a real sweep against the time-left estimate.
  const t0 = Date.now();
  const trace = a.trace ? { stages: null, frames: [] } : null;
  let lastFrame = -Infinity;
  let lastStatus = [];
  const lastSeen = [];
  const record = (s) => {
    if (!trace || s.stages.length === 0) return;
    trace.stages ??= s.stages.map((st) => ({ id: st.stageId, stage: st.stage, work: st.work }));
    const changes = [];
    s.stages.forEach((st, i) => {
      const key = `${st.status}:${st.fraction.toFixed(4)}:${st.resumedFrom ?? ''}`;
      if (lastSeen[i] === key) return;
      changes.push([i, st.status, Number(st.fraction.toFixed(4)), st.totalSteps]);
      lastSeen[i] = key;
    });
    const t = Date.now() - t0;
    const statusChanged = changes.some(([i, status]) => status !== lastStatus[i]);
    if (changes.length && (statusChanged || t - lastFrame >= 1000)) {
      trace.frames.push([t, changes]);
      lastFrame = t;
      lastStatus = s.stages.map((st) => st.status);
    } else for (const [i] of changes) lastSeen[i] = undefined;
  };
  runner.subscribe((s) => {
    record(s);
    for (const m of s.messages.slice(seenMessages)) window.labPrint(`${m.level}: ${m.text}`);
    seenMessages = s.messages.length;
    for (const st of s.stages) {
      const before = stageStatus.get(st.stageId);
      if (before === st.status) continue;
      stageStatus.set(st.stageId, st.status);
      if (before === undefined && st.status === 'cached') continue;
      if (st.status === 'done' || st.status === 'failed')
        window.labPrint(
          `  ${st.status === 'done' ? 'done' : 'FAILED'} ${st.stage} ${st.stageId.slice(0, 8)}` +
            (st.ms !== undefined ? ` in ${fmt(st.ms / 1000)}` : '') +
            (st.error ? `: ${st.error}` : ''),
        );
    }
    const now = Date.now();
    if (s.status === 'running' && now - lastLine > 5000) {
      lastLine = now;
      // Every stage running at once (one per engine worker), each with its own rate.
      const stage = s.stages
        .filter((x) => x.status === 'running')
        .map(
          (cur) =>
            `${cur.stage} ${cur.stageId.slice(0, 8)} ${cur.step}/${cur.totalSteps}` +
            (cur.loss !== undefined ? ` loss ${cur.loss.toFixed(3)}` : '') +
            (cur.tokensPerSec ? ` ${Math.round(cur.tokensPerSec)} tok/s` : ''),
        )
        .join(' · ');
      window.labPrint(
        `[${(100 * s.fraction).toFixed(1).padStart(5)}%] left ${fmt(s.etaSec)}  ${stage}`,
      );
    }
  });
  const plan = runnerModule.planSweep(spec, shard);
  if (!plan.ok) return { error: plan.errors.join('\n') };
  window.labPrint(
    `${a.preset ?? 'link'}: ${plan.value.runs.length} of ${plan.value.totalRuns} runs, ${plan.value.stages.length} stages` +
      (shard ? ` (shard ${shard.k}/${shard.n})` : ''),
  );
  const s = await runner.start(spec, { shard });
  const order = plan.value.runs.map((r) => r.id);
  const results = order.map((id) => s.results[id]).filter(Boolean);
  const rows = runnerModule.resultsTable(results);
  const c = Object.values(s.counters);
  // Stages computed in this session, by kind: count, time, and their rate weighted by time.
  const breakdown = {};
  for (const st of s.stages) {
    if (st.status !== 'done' || st.ms === undefined) continue;
    const b = (breakdown[st.stage] ??= { n: 0, ms: 0, tokens: 0, rateMs: 0, wide: 0 });
    b.n += 1;
    if (st.threads) b.wide = st.threads;
    b.ms += st.ms;
    if (st.tokensPerSec) {
      b.tokens += (st.tokensPerSec * st.ms) / 1000;
      b.rateMs += st.ms;
    }
  }
  if (trace) trace.end = Date.now() - t0;
  // --save-bases: every pretraining of the sweep as a base file, with the presets it serves.
  const bases = [];
  if (a.saveBases && s.status === 'done')
    for (const st of plan.value.stages.filter((x) => x.stage === 'pretrain')) {
      const { bytes, ms, tokensPerSec } = await runnerModule.exportBase(st.stageId);
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000)
        bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      const presets = specs.PRESETS.map((p) => p.id).filter(
        (id) => specs.stageIds(specs.presetSpec(id)).pretrain === st.stageId,
      );
      bases.push({
        stageId: st.stageId,
        b64: btoa(bin),
        ms,
        tokensPerSec,
        presets,
        link: plan.value.link,
      });
    }
  return {
    bases,
    trace,
    breakdown,
    status: s.status,
    runs: results.length,
    computed: c.reduce((n, x) => n + x.computed, 0),
    cached: c.reduce((n, x) => n + x.cached, 0),
    resumed: c.reduce((n, x) => n + x.resumed, 0),
    backend: s.backend ?? results[0]?.backend ?? null,
    device: s.device,
    backendReason: s.backendReason,
    table: runnerModule.formatTable(rows),
    // The same rule as the page's sentence under the charts and docs/RESULTS.md's verdicts.
    verdict: runnerModule.verdictText(
      runnerModule.verdictOf(
        spec.sweep.axes.map((x) => x.path),
        rows,
      ),
    ),
    facts: runnerModule.factsNote(rows),
    // How each run is named in the per-task lines, by the runner's own example count.
    labels: Object.fromEntries(
      results.map((r) => {
        const f = r.spec.finetune;
        const n = runnerModule.examplesOf(r.spec);
        return [r.runId, `${r.condition || 'all'}, ${f.method} ${n}, seed ${f.seed}`];
      }),
    ),
    file: runner.exportResults(),
  };
}
