// The Node GPU bench (scripts/gpu-pack.sh's runner), built as it ships: a clear failure without an adapter, and real wasm rows.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Inside the project, so the bundle finds Dawn's bindings (the `webgpu` devDependency) as the pack's copy.
let dir = '';
const node = (...args: string[]) =>
  spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });

describe('the Node GPU bench', () => {
  beforeAll(() => {
    mkdirSync(join('node_modules', '.cache'), { recursive: true });
    dir = mkdtempSync(join('node_modules', '.cache', 'gpu-bench-'));
    const built = spawnSync(process.execPath, ['scripts/gpu-build.mjs', dir], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Machines of this project have no GPU (Dawn finds no adapter, even with a Vulkan loader): the
  // runner must say so and stop, not time something else under the GPU's name.
  it('stops with "no WebGPU adapter" and a non-zero status where Dawn finds none', () => {
    const r = node('bench.mjs', '--presets', 'toy', '--quick', '--out', 'x.json');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^no WebGPU adapter: .*nvidia_icd\.json/m);
    expect(r.stdout).not.toMatch(/tokens\/s/);
  });

  it('trains the toy model on wasm in Node and writes its row', () => {
    const r = node(
      'bench.mjs',
      '--backends',
      'wasm',
      '--presets',
      'toy',
      '--quick',
      '--out',
      'w.json',
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(dir, 'w.json'), 'utf8'));
    expect(out.report.context).toBe('node');
    expect(out.runs).toHaveLength(1);
    const [row] = out.runs;
    expect(row).toMatchObject({ backend: 'wasm', preset: 'toy', kernels: 'fast', seqLen: 128 });
    expect(row.tokensPerSec).toBeGreaterThan(0);
    // One step from a fresh model on random tokens: the loss is still about ln(vocabulary).
    expect(Math.abs(row.finalLoss - Math.log(512))).toBeLessThan(0.5);
    expect(r.stdout).toMatch(/^toy\s+\d+\s+-/m);
  });
});
