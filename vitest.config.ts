// Test projects: unit tests in Node, browser tests that drive real headless Chromium.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['tests/browser/setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // No retry: a test that passes only on its second try hides a bug (the merge test's
          // keyboard step was one), and every wait is on what the user sees, with room for a slow machine.
          fileParallelism: false,
        },
      },
    ],
  },
});
