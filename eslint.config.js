// Lint rules: typescript-eslint and eslint-plugin-svelte recommended sets, plus purity and layer rules for src/.
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default ts.config(
  // Dot folders and files at the top are local scratch, caches and build output, never shipped.
  { ignores: ['dist/', 'node_modules/', 'bench-results/', 'gpu-pack/', '.*/**', '.*.mjs'] },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node, ...globals.worker } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: ts.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
  },
  {
    // The numeric core runs in workers and Node: it must not reach for the DOM.
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**', 'src/runner/**', 'src/main.ts'],
    rules: {
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'sessionStorage'],
    },
  },
  {
    // Every worker the app, the bench and the lab start is started in one place, typed by its API.
    files: ['src/**/*.ts', 'src/**/*.svelte', 'scripts/**/*.ts'],
    ignores: ['src/runner/workers/start.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Worker']",
          message: 'Start workers through src/runner/workers/start.ts.',
        },
      ],
    },
  },
  // Imports only run down the layers: util → spec → world/model → data/train → engine → store/runner → ui.
  ...layerRules(),
);

/** One no-restricted-imports rule per layer, naming every folder above it (and Svelte below the UI); world/model and data/train are one layer each. */
function layerRules() {
  const above = {
    util: ['spec', 'world', 'model', 'data', 'train', 'engine', 'store', 'runner', 'ui'],
    spec: ['world', 'model', 'data', 'train', 'engine', 'store', 'runner', 'ui'],
    world: ['data', 'train', 'engine', 'store', 'runner', 'ui'],
    model: ['data', 'train', 'engine', 'store', 'runner', 'ui'],
    data: ['engine', 'store', 'runner', 'ui'],
    train: ['engine', 'store', 'runner', 'ui'],
    engine: ['store', 'runner', 'ui'],
    store: ['runner', 'ui'],
    runner: ['ui'],
  };
  return Object.entries(above).map(([layer, banned]) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // `../../` too: some layers have subfolders (model/webgpu, runner/workers).
              group: banned.flatMap((b) => [
                `../${b}`,
                `../${b}/*`,
                `../../${b}`,
                `../../${b}/*`,
                `**/src/${b}/**`,
              ]),
              message: `src/${layer} may not import ${banned.join(', ')}: imports only run down the layers.`,
            },
            ...(layer === 'runner'
              ? []
              : [
                  {
                    group: ['svelte', 'svelte/*', '*.svelte'],
                    message: 'Svelte belongs to the UI.',
                  },
                ]),
          ],
        },
      ],
    },
  }));
}
