#!/usr/bin/env node
// `npm start`: the desktop studio. With an Electron binary installed, the Electron shell; without
// one, the web host on 127.0.0.1 and, when a display exists, Chromium as an app window on it (or
// the printed URL to open in any Chromium). Extra arguments go to the web host (`--port N`,
// `--workspace DIR`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
register();

/** The Electron binary, found the way the electron package finds it (without loading it). */
function electronBinary() {
  const pkg = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist');
  const bin = join(dist, readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

function chromiumBinary() {
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    const r = spawnSync('which', [name], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

const { ensureRendererBuilt } = await import('../src-main/web-host/build-renderer.ts');
await ensureRendererBuilt();

const electron = electronBinary();
if (electron) {
  const { buildElectron } = await import('../src-main/electron/build-electron.ts');
  await buildElectron();
  const child = spawn(electron, [join(ROOT, 'out', 'main', 'main.cjs')], { stdio: 'inherit', cwd: ROOT });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  const { startFromArgs } = await import('../src-main/web-host/main.ts');
  const host = await startFromArgs(process.argv.slice(2));
  console.log(`CogStudio: ${host.url}`);
  const stop = () => void host.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const chromium = (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) && chromiumBinary();
  if (chromium) {
    // a profile of its own: the app window does not touch the user's browser profile
    const profile = mkdtempSync(join(tmpdir(), 'cogstudio-chromium-'));
    const window = spawn(chromium, [`--app=${host.url}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-sync', '--disable-background-networking'], { stdio: 'ignore' });
    window.on('exit', stop);
  } else {
    console.log('No Electron binary and no display: open the address above in Chromium. Ctrl+C stops the studio.');
  }
}
