/** Starts `npm run web`'s entry as a child process on a random port and reads the URL it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RunningHost {
  url: string;
  origin: string;
  token: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * `env` is added to this process's environment. Unless it names one, each host gets a fresh
 * COGSTUDIO_STATE_DIR, so that no test reads or leaves a recovery file in the user's own state folder.
 */
export function startWebHostProcess(args: string[] = [], env: Record<string, string> = {}): Promise<RunningHost> {
  const stateDir = env.COGSTUDIO_STATE_DIR ?? mkdtempSync(join(tmpdir(), 'cogstudio-e2e-state-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-main/web-host/main.ts', '--port', '0', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, COGSTUDIO_STATE_DIR: stateDir, ...env },
  });
  if (!env.COGSTUDIO_STATE_DIR) child.once('exit', () => rmSync(stateDir, { recursive: true, force: true }));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the web host did not print its URL within 120 s; stderr: ${stderr}`)), 120_000);
    child.on('exit', (code) => reject(new Error(`the web host exited with ${code}: ${stderr}`)));
    child.stdout!.on('data', (d) => {
      out += String(d);
      const m = /^CogStudio: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=([A-Za-z0-9_-]+))$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      resolve({
        url,
        origin: new URL(url).origin,
        token: m[3]!,
        port: Number(m[2]),
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
