/**
 * The web host's file access: model files are read and written only inside the workspace
 * folder the user chose when starting it (`--workspace DIR`, default the current folder).
 * There is no file dialog in a browser tab, so paths are given relative to that folder.
 */
import { mkdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MAX_MODEL_FILE_BYTES } from '../../shared/ipc/protocol.js';
import { HostRequestError } from './host-error.js';
import type { FileAccess } from './studio-service.js';

const MODEL_SUFFIX = '.json';
const RECENT_LIMIT = 10;

function refuse(message: string): never {
  throw new HostRequestError({ kind: 'file', message });
}

export class WorkspaceFiles implements FileAccess {
  private readonly recentPaths: string[] = [];

  constructor(readonly root: string) {}

  /** Resolves a user path inside the workspace (following symlinks), or refuses it. */
  private async inside(path: string, mustExist: boolean): Promise<string> {
    const root = await realpath(this.root);
    const target = resolve(root, path);
    if (!target.endsWith(MODEL_SUFFIX)) refuse(`${path}: model files end in .cogmodel.json or .json`);
    // the real location of the file (or, for a new file, of its folder) must lie in the workspace
    const real = mustExist ? await realpath(target).catch(() => refuse(`${path}: there is no such file in the workspace`)) : join(await realpath(dirname(target)).catch(() => refuse(`${path}: the folder does not exist in the workspace`)), basename(target));
    const rel = relative(root, real);
    if (rel === '' || rel.startsWith('..' + sep) || rel === '..' || isAbsolute(rel)) refuse(`${path}: only files inside the workspace folder ${root} can be opened or saved`);
    return real;
  }

  private remember(path: string): void {
    const i = this.recentPaths.indexOf(path);
    if (i >= 0) this.recentPaths.splice(i, 1);
    this.recentPaths.unshift(path);
    this.recentPaths.length = Math.min(this.recentPaths.length, RECENT_LIMIT);
  }

  async open(path?: string): Promise<{ path: string; text: string } | null> {
    if (path === undefined) refuse('the web host has no file dialog: give the path of a model file inside the workspace folder');
    const real = await this.inside(path, true);
    const info = await stat(real);
    if (!info.isFile()) refuse(`${path}: not a file`);
    if (info.size > MAX_MODEL_FILE_BYTES) refuse(`${path}: the file is larger than the model file limit`);
    const text = await readFile(real, 'utf8');
    this.remember(relative(await realpath(this.root), real));
    return { path: relative(await realpath(this.root), real), text };
  }

  async save(text: string, path?: string): Promise<string | null> {
    if (path === undefined) {
      const name = /"name"\s*:\s*"([A-Za-z0-9_-]{1,80})"/.exec(text)?.[1] ?? 'untitled';
      path = await this.freeName(name);
    }
    const real = await this.inside(path, false);
    await mkdir(dirname(real), { recursive: true });
    // write then rename: a crash never leaves a half-written model file
    const tmp = `${real}.${process.pid}.tmp`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, real);
    const rel = relative(await realpath(this.root), real);
    this.remember(rel);
    return rel;
  }

  async recent(): Promise<string[]> {
    return [...this.recentPaths];
  }

  private async freeName(stem: string): Promise<string> {
    for (let k = 0; ; k++) {
      const candidate = `${stem}${k ? `-${k}` : ''}.cogmodel.json`;
      const exists = await stat(join(this.root, candidate)).then(() => true, () => false);
      if (!exists) return candidate;
    }
  }
}
