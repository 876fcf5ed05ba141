// Builds src/sw.ts into dist/sw.js after the bundle is written, with the precache list (every built file
// except LiteRT.js's wasm builds, which the page caches one build of at run time) and content versions.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transformWithEsbuild } from 'vite';
import type { Plugin, ResolvedConfig } from 'vite';
import { LITERT_WASM_DIR } from './vite-litert-wasm.ts';

const SW_SOURCE = fileURLToPath(new URL('./src/sw.ts', import.meta.url));
export const SW_FILE = 'sw.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

function contentHash(dir: string, files: string[]): string {
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(dir, file))).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export function serviceWorker(): Plugin {
  let config: ResolvedConfig;
  let failed = false;
  return {
    name: 'offgrid-service-worker',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    buildEnd(error) {
      failed = error !== undefined;
    },
    async closeBundle() {
      if (failed) return;
      const outDir = join(config.root, config.build.outDir);
      const files = filesUnder(outDir).filter((file) => file !== SW_FILE);
      const shell = files.filter((file) => !file.startsWith(`${LITERT_WASM_DIR}/`));
      const runtime = files.filter((file) => file.startsWith(`${LITERT_WASM_DIR}/`));
      const base = config.base.endsWith('/') ? config.base : `${config.base}/`;
      const { code } = await transformWithEsbuild(readFileSync(SW_SOURCE, 'utf8'), SW_SOURCE, {
        loader: 'ts',
        format: 'esm',
        target: 'es2022',
        minifySyntax: true,
        define: {
          OFFGRID_PRECACHE: JSON.stringify(shell.map((file) => base + file)),
          OFFGRID_SHELL_VERSION: JSON.stringify(contentHash(outDir, shell)),
          OFFGRID_LITERT_VERSION: JSON.stringify(contentHash(outDir, runtime)),
        },
      });
      // A classic script (no module worker needed): drop the module syntax esbuild keeps for `export {}`.
      writeFileSync(join(outDir, SW_FILE), code.replace(/^export\s*\{\s*\};?\s*$/m, ''));
    },
  };
}
