// Builds the Node GPU bench (scripts/gpu-node/bench.ts) into one file beside tfjs's wasm binaries: `node scripts/gpu-build.mjs <dir>`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { build } from 'vite';

const out = resolve(process.argv[2] ?? 'gpu-pack');
await build({
  configFile: false,
  logLevel: 'warn',
  build: {
    ssr: 'scripts/gpu-node/bench.ts',
    outDir: out,
    emptyOutDir: false,
    target: 'node20',
    copyPublicDir: false,
    minify: false,
    rolldownOptions: {
      external: ['webgpu'],
      output: {
        entryFileNames: 'bench.mjs',
        codeSplitting: false,
        // tfjs-backend-wasm's Node build is CommonJS-minded: give the ES module what it expects.
        banner: [
          "import { createRequire as __createRequire } from 'node:module';",
          "import { fileURLToPath as __fileURLToPath } from 'node:url';",
          'const require = __createRequire(import.meta.url);',
          'const __filename = __fileURLToPath(import.meta.url);',
          "const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));",
        ].join('\n'),
      },
    },
  },
  // Everything in one file but Dawn's native bindings, which the pack holds as a package.
  ssr: { noExternal: true, external: ['webgpu'], target: 'node' },
});
const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
mkdirSync(join(out, 'wasm'), { recursive: true });
for (const f of ['', '-simd', '-threaded-simd'])
  copyFileSync(
    join(wasmDir, `tfjs-backend-wasm${f}.wasm`),
    join(out, 'wasm', `tfjs-backend-wasm${f}.wasm`),
  );
console.log(`built ${join(out, 'bench.mjs')}`);
