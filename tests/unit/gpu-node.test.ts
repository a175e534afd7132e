// The Node GPU bench (scripts/gpu-pack.sh's runner), built as it ships: a clear failure without an adapter, and real wasm rows.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Inside the project, so the bundle finds Dawn's bindings (the `webgpu` devDependency) as the pack's copy.
let dir = '';
const node = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, args, {
    cwd: dir,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, ...env },
  });

/**
 * Chromium's SwiftShader as a Vulkan driver, with the Vulkan loader beside it: a software adapter
 * that lets Dawn run the bench's WebGPU path here, with no GPU (`npm test` installs Chromium).
 */
function swiftShaderVulkan(): NodeJS.ProcessEnv {
  const dirs = [
    process.env.CHROME_PATH && dirname(realpathSync(process.env.CHROME_PATH)),
    '/usr/lib/chromium',
  ].filter((d): d is string => !!d);
  const found = dirs.find((d) => existsSync(join(d, 'vk_swiftshader_icd.json')));
  if (!found) throw new Error(`no vk_swiftshader_icd.json from Chromium in ${dirs.join(' or ')}`);
  return { VK_ICD_FILENAMES: join(found, 'vk_swiftshader_icd.json'), LD_LIBRARY_PATH: found };
}

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
    const r = node(['bench.mjs', '--presets', 'toy', '--quick', '--out', 'x.json'], {
      VK_ICD_FILENAMES: '',
      LD_LIBRARY_PATH: '',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^no WebGPU adapter: .*nvidia_icd\.json/m);
    expect(r.stdout).not.toMatch(/tokens\/s/);
  });

  it('trains the toy model on wasm in Node and writes its row', () => {
    const r = node([
      'bench.mjs',
      '--backends',
      'wasm',
      '--presets',
      'toy',
      '--quick',
      '--out',
      'w.json',
    ]);
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

  // The path a GPU server takes, on a software adapter: tfjs-backend-webgpu registers on Dawn's
  // navigator.gpu and trains with the fused kernels; a software adapter is refused unless admitted.
  it('trains the toy model on Dawn (SwiftShader via Vulkan) with the same first loss as wasm', () => {
    const env = swiftShaderVulkan();
    const refused = node(['bench.mjs', '--presets', 'toy', '--quick', '--out', 's.json'], env);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^no hardware WebGPU adapter: .*swiftshader/im);
    const args = ['bench.mjs', '--backends', 'webgpu,wasm', '--presets', 'toy', '--quick'];
    const r = node([...args, '--allow-software', '--out', 's.json'], env);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(readFileSync(join(dir, 's.json'), 'utf8'));
    expect(out.report.webgpu).toMatchObject({ architecture: 'swiftshader', isFallback: true });
    const [gpu, wasm] = ['webgpu', 'wasm'].map((b) =>
      out.runs.find((x: { backend: string }) => x.backend === b),
    );
    expect(gpu).toMatchObject({ preset: 'toy', kernels: 'fast', batchSize: 1 });
    expect(Math.abs(gpu.finalLoss - wasm.finalLoss)).toBeLessThan(2e-4);
  }, 240_000);
});
