// Vite build and dev server: Svelte, module workers, and the COOP/COEP headers wasm threads need.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Cross-origin isolation (crossOriginIsolated === true) unlocks SharedArrayBuffer, which the
// threaded tfjs wasm backend needs. Any host that serves the built site must send these too.
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [svelte()],
  server: { headers: isolationHeaders, host: '127.0.0.1', port: 5173 },
  preview: { headers: isolationHeaders, host: '127.0.0.1', port: 4173 },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
