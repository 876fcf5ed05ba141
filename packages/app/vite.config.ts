import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { liteRtWasm } from './vite-litert-wasm.ts';
import { serviceWorker } from './vite-service-worker.ts';

// The server sends these too: a cross-origin-isolated page may use LiteRT.js's threaded wasm.
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// `OFFGRID_API=https://127.0.0.1:8000 npx vite` proxies the API to a running server during development.
const apiTarget = process.env.OFFGRID_API;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  plugins: [liteRtWasm(), serviceWorker()],
  server: {
    headers: crossOriginIsolation,
    proxy: apiTarget ? { '/api': { target: apiTarget, secure: false, changeOrigin: true } } : undefined,
  },
  preview: { headers: crossOriginIsolation },
});
