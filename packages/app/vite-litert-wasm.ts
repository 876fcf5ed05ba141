// Serves LiteRT.js's wasm runtime from our own origin (the app must work offline): copies
// node_modules/@litertjs/core/wasm/* to dist/litert/ at build time and serves them under /litert/ in dev.
import { createReadStream, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';

export const LITERT_WASM_DIR = 'litert';

function liteRtWasmSourceDir(): string {
  const entry = createRequire(import.meta.url).resolve('@litertjs/core');
  return join(dirname(entry), '..', 'wasm');
}

function contentType(file: string): string {
  return file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
}

export function liteRtWasm(): Plugin {
  const sourceDir = liteRtWasmSourceDir();
  const files = readdirSync(sourceDir).filter((file) => file.endsWith('.js') || file.endsWith('.wasm'));
  return {
    name: 'offgrid-litert-wasm',
    configureServer(server) {
      server.middlewares.use(`/${LITERT_WASM_DIR}/`, (req, res, next) => {
        const file = (req.url ?? '').split('?')[0].replace(/^\//, '');
        if (!files.includes(file)) return next();
        res.setHeader('Content-Type', contentType(file));
        createReadStream(join(sourceDir, file)).pipe(res);
      });
    },
    generateBundle() {
      for (const file of files) {
        this.emitFile({ type: 'asset', fileName: `${LITERT_WASM_DIR}/${file}`, source: readFileSync(join(sourceDir, file)) });
      }
    },
  };
}
