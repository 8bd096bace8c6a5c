/**
 * Where CogStudio keeps per-user state (the recovery file, recent files): COGSTUDIO_STATE_DIR when
 * set (tests, portable installs), else the platform's place for application state.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function userStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.COGSTUDIO_STATE_DIR) return env.COGSTUDIO_STATE_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'CogStudio');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'CogStudio');
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'cogstudio');
}
