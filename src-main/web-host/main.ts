/**
 * `npm run web [-- --port N] [--workspace DIR] [--state-dir DIR] [--in-process]`: builds the renderer if it
 * is stale, keeps per-user state (recovery file, recent files) in the state folder (--state-dir, else
 * COGSTUDIO_STATE_DIR, else the platform's),
 * starts the web host on 127.0.0.1 and prints `CogStudio: http://127.0.0.1:PORT/?token=…`. Models
 * run in the engine process (crash-isolated); `--in-process` runs them in the host itself.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { ensureRendererBuilt, RENDERER_OUT, ROOT } from './build-renderer.js';
import { EngineClient } from '../engine-process/client.js';
import { EngineClientEngine } from './engine-client-engine.js';
import { InProcessEngine } from './engine.js';
import { startWebHost, type WebHost } from './server.js';
import { WorkspaceFiles } from './workspace-files.js';
import { RecoveryStore } from './recovery-store.js';
import { userStateDir } from './state-dir.js';

export async function startFromArgs(argv: string[]): Promise<WebHost> {
  const { values } = parseArgs({ args: argv, options: { port: { type: 'string' }, workspace: { type: 'string' }, 'state-dir': { type: 'string' }, 'in-process': { type: 'boolean' } } });
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number (0–65535), not ${JSON.stringify(values.port)}`);
  await ensureRendererBuilt();
  // per-user state (recovery file, recent files): --state-dir, else COGSTUDIO_STATE_DIR, else the platform's state folder
  const stateDir = values['state-dir'] ? resolve(values['state-dir']) : userStateDir();
  const files = new WorkspaceFiles(resolve(values.workspace ?? process.cwd()), join(stateDir, 'recent-files.json'));
  return startWebHost({
    port,
    rendererDir: RENDERER_OUT,
    examplesDir: join(ROOT, 'examples'),
    files,
    recovery: new RecoveryStore(stateDir, (path) => files.resolve(path)),
    engine: values['in-process'] ? new InProcessEngine() : new EngineClientEngine(new EngineClient()),
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  try {
    const host = await startFromArgs(process.argv.slice(2));
    console.log(`CogStudio: ${host.url}`);
    const stop = () => void host.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (e) {
    console.error(`cogstudio web: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
