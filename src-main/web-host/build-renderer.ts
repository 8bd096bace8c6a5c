/**
 * Builds the renderer bundle (src-renderer → out/renderer: index.html, main.js, main.css) with
 * esbuild, and rebuilds it only when a source under src-renderer/ or shared/ is newer than it.
 * `npm run build:renderer` forces a build; the web host, `npm start` and the e2e tests call
 * `ensureRendererBuilt()`.
 */
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const RENDERER_OUT = join(ROOT, 'out', 'renderer');
const SOURCES = [join(ROOT, 'src-renderer'), join(ROOT, 'shared')];
const OUTPUTS = ['index.html', 'main.js', 'main.css'];

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(p));
    else if (entry.isFile()) newest = Math.max(newest, (await stat(p)).mtimeMs);
  }
  return newest;
}

/** True when an output is missing or older than a source (or than package-lock.json: dependency updates). */
export async function rendererIsStale(): Promise<boolean> {
  let oldestOut = Infinity;
  for (const f of OUTPUTS) {
    try {
      oldestOut = Math.min(oldestOut, (await stat(join(RENDERER_OUT, f))).mtimeMs);
    } catch {
      return true;
    }
  }
  let newestIn = (await stat(join(ROOT, 'package-lock.json')).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
  for (const dir of SOURCES) newestIn = Math.max(newestIn, await newestMtime(dir));
  return newestIn > oldestOut;
}

export async function buildRenderer(options: { production?: boolean } = {}): Promise<void> {
  await mkdir(RENDERER_OUT, { recursive: true });
  await build({
    entryPoints: { main: join(ROOT, 'src-renderer', 'main.tsx') },
    outdir: RENDERER_OUT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120'],
    jsx: 'automatic',
    minify: options.production ?? true,
    sourcemap: 'linked',
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    logLevel: 'warning',
  });
  await copyFile(join(ROOT, 'src-renderer', 'index.html'), join(RENDERER_OUT, 'index.html'));
}

export async function ensureRendererBuilt(): Promise<boolean> {
  if (!(await rendererIsStale())) return false;
  await buildRenderer();
  return true;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  await buildRenderer();
  console.log(`renderer built in ${Math.round(performance.now() - t0)} ms → ${RENDERER_OUT}`);
}
