// Global setup of the browser tests: a Vite dev server (COOP/COEP) on a free localhost port, and a Chromium.
import { createServer, type ViteDevServer } from 'vite';
import type { TestProject } from 'vitest/node';
import { ensureChromium } from '../../scripts/chromium.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
    chromePath: string;
  }
}

let server: ViteDevServer | undefined;

export default async function setup(project: TestProject) {
  const chromePath: string = ensureChromium();
  server = await createServer({
    configFile: 'vite.config.ts',
    // No file watching and no hot updates: a source file saved while the tests run (an editor,
    // another checkout's tool) would otherwise re-mount the app in the open pages and wipe what a
    // test is waiting for, e.g. the merge screen's files.
    server: { port: 0, strictPort: false, host: '127.0.0.1', open: false, hmr: false, watch: null },
    logLevel: 'warn',
    clearScreen: false,
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite dev server has no port');
  project.provide('baseUrl', `http://127.0.0.1:${address.port}/`);
  project.provide('chromePath', chromePath);
  return async () => {
    await server?.close();
  };
}
