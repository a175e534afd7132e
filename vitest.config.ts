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
          fileParallelism: false,
          // Browser tests race real workers and timers on 2 busy cores; one retry absorbs a slow
          // machine, and a test that fails twice still fails the run.
          retry: 1,
        },
      },
    ],
  },
});
