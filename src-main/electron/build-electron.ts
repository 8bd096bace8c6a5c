/**
 * Bundles the Electron shell for `npm start` and electron-builder: out/main/main.cjs (main
 * process), preload.cjs (sandboxed preload: electron and the channel names only) and
 * engine-child.mjs (the engine process, an ES module for its top-level await). Native modules
 * stay external.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { ROOT } from '../web-host/build-renderer.js';

export const MAIN_OUT = resolve(ROOT, 'out', 'main');

export async function buildElectron(): Promise<void> {
  const common = {
    bundle: true,
    platform: 'node' as const,
    format: 'cjs' as const,
    target: 'node20',
    sourcemap: 'linked' as const,
    external: ['electron', 'llvm-bindings', 'koffi'],
    outdir: MAIN_OUT,
    outExtension: { '.js': '.cjs' },
    logLevel: 'warning' as const,
  };
  await build({
    ...common,
    entryPoints: { main: resolve(ROOT, 'src-main/electron/main.ts') },
    // import.meta.url is used by modules that locate files next to themselves
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('url').pathToFileURL(__filename).href;" },
  });
  await build({ ...common, entryPoints: { preload: resolve(ROOT, 'src-main/electron/preload.ts') } });
  await build({
    ...common,
    format: 'esm',
    outExtension: { '.js': '.mjs' },
    entryPoints: { 'engine-child': resolve(ROOT, 'src-main/engine-process/child.ts'), 'sweep-worker': resolve(ROOT, 'src-main/sweep/worker.ts') },
    // bundled CommonJS dependencies call require(): give the ES module one
    banner: { js: "import { createRequire as __cogstudioCreateRequire } from 'node:module'; const require = __cogstudioCreateRequire(import.meta.url);" },
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildElectron();
  console.log(`electron shell built → ${MAIN_OUT}`);
}
