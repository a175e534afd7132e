// The test command (`npm test`): install if needed, find Chromium, lint and type-check, unit tests, browser tests.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { ensureChromium } from './chromium.mjs';

const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : null;
const started = Date.now();
const bin = (name) => `node_modules/.bin/${name}`;

function run(title, cmd, args, env = {}) {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

if (!existsSync(bin('vitest'))) {
  if (!run('install dependencies', 'npm', ['ci', '--no-audit', '--no-fund'])) process.exit(1);
}
process.env.CHROME_PATH = ensureChromium();
console.log(`Chromium: ${process.env.CHROME_PATH}`);

const results = [];
const step = (name, ok) => results.push({ name, ok });

if (!only || only === 'lint') {
  step('eslint', run('lint', bin('eslint'), ['.', '--max-warnings', '0']));
  step('prettier', run('format check', bin('prettier'), ['--check', '.', '--log-level', 'warn']));
  step(
    'svelte-check',
    run('type check', bin('svelte-check'), ['--fail-on-warnings', '--output', 'human']),
  );
}

let passed = 0;
let failed = 0;
mkdirSync('.vitest', { recursive: true });
for (const project of ['unit', 'browser']) {
  if (only && only !== project) continue;
  const report = `.vitest/${project}.json`;
  rmSync(report, { force: true });
  const ok = run(`${project} tests`, bin('vitest'), [
    'run',
    '--project',
    project,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  step(`${project} tests`, ok);
  if (existsSync(report)) {
    const j = JSON.parse(readFileSync(report, 'utf8'));
    passed += j.numPassedTests;
    failed += j.numFailedTests + (ok ? 0 : j.numFailedTests === 0 ? 1 : 0);
  } else if (!ok) failed += 1;
}

const secs = ((Date.now() - started) / 1000).toFixed(0);
console.log('\nSummary:');
for (const r of results) console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}`);
console.log(`  ${secs} s in all`);
const allOk = results.every((r) => r.ok);
console.log(
  `${passed} passed, ${failed + results.filter((r) => !r.ok && !r.name.endsWith('tests')).length} failed`,
);
process.exit(allOk ? 0 : 1);
