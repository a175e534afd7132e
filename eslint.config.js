// Lint rules: typescript-eslint and eslint-plugin-svelte recommended sets, plus a purity rule for the numeric core.
import js from '@eslint/js';
import ts from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default ts.config(
  // Dot folders and files at the top are local scratch, caches and build output, never shipped.
  { ignores: ['dist/', 'node_modules/', 'bench-results/', '.*/**', '.*.mjs'] },
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
    // The numeric core runs in workers and Node: it must not reach for the DOM or Svelte.
    files: ['src/**/*.ts'],
    ignores: ['src/ui/**', 'src/runner/**', 'src/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['svelte', 'svelte/*', '*.svelte', '**/ui/**', '**/runner/**'] },
      ],
      'no-restricted-globals': ['error', 'document', 'window', 'localStorage', 'sessionStorage'],
    },
  },
);
