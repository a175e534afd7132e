// Vite build and dev server: Svelte, module workers, the COOP/COEP headers wasm threads need, and the offline precache.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';

// Cross-origin isolation (crossOriginIsolated === true) unlocks SharedArrayBuffer, which the
// threaded tfjs wasm backend needs. Any host that serves the built site must send these too.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [
    svelte(),
    // Workshop networks fail: after the first visit every asset (scripts, workers, wasm binaries)
    // comes from the service worker's precache. Only the built site registers it, never the dev server.
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: 'script',
      includeAssets: ['favicon.svg'],
      manifest: {
        name: 'LIMA Lab',
        short_name: 'LIMA Lab',
        description:
          "Reproduce the data experiments of 'LIMA: Less Is More for Alignment' in your browser.",
        theme_color: '#14213d',
        background_color: '#ffffff',
        display: 'standalone',
        icons: [{ src: 'favicon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' }],
      },
      workbox: {
        // The shipped base models too: a workshop's default experiment needs no pretraining offline.
        globPatterns: ['**/*.{js,css,html,svg,wasm,webmanifest}', 'bases/*'],
        // The tfjs wasm binaries and the engine worker bundle are several MB each.
        maximumFileSizeToCacheInBytes: 32 * 2 ** 20,
        navigateFallback: 'index.html',
        // Control the first visit's page at once, so it is offline-ready without a second load.
        clientsClaim: true,
        skipWaiting: true,
      },
    }),
  ],
  server: { headers: isolationHeaders, host: '127.0.0.1', port: 5173 },
  preview: { headers: isolationHeaders, host: '127.0.0.1', port: 4173 },
  // Crawl every source file for dependencies at startup: a dependency first met in a lazily
  // loaded module (the runner, a worker) would otherwise make the dev server reload open pages.
  optimizeDeps: { entries: ['index.html', 'src/**/*.{ts,svelte}', 'workers/**/*.ts'] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
    // Minified, the threaded tfjs wasm backend fails in the engine worker ("e is not defined":
    // its pthread code is shipped as source text and the minifier renames what that text names).
    minify: false,
  },
});
