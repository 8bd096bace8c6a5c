/**
 * The web host's file access: model files are read and written only inside the workspace
 * folder the user chose when starting it (`--workspace DIR`, default the current folder).
 * There is no file dialog in a browser tab, so paths are given relative to that folder.
 * Exports (results, plots) are written to the workspace's `exports/` folder.
 */
import { mkdir, realpath, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { MAX_MODEL_FILE_BYTES, type ModelDocument, type RecentFile } from '../../shared/ipc/protocol.js';
import type { ModelFile } from '../../shared/model/schema.js';
import { writeFileAtomic, writeModelFile } from '../model/save.js';
import { HostRequestError } from './host-error.js';
import { RecentFiles } from './recent-files.js';
import type { FileAccess } from './studio-service.js';

const MODEL_SUFFIX = '.json';
export const EXPORTS_FOLDER = 'exports';

function refuse(message: string): never {
  throw new HostRequestError({ kind: 'file', message });
}

export class WorkspaceFiles implements FileAccess {
  private readonly recentList: RecentFiles;
  private loaded: Promise<unknown> | null = null;

  /** `recentFile`: where the recent-files list is kept (null: this session only). */
  constructor(
    readonly root: string,
    recentFile: string | null = null,
  ) {
    this.recentList = new RecentFiles(recentFile);
  }

  private recentFiles(): Promise<RecentFiles> {
    this.loaded ??= this.recentList.load();
    return this.loaded.then(() => this.recentList);
  }

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

  private async relativeName(real: string): Promise<string> {
    return relative(await realpath(this.root), real);
  }

  async open(path?: string): Promise<{ path: string; text: string } | null> {
    if (path === undefined) refuse('the web host has no file dialog: give the path of a model file inside the workspace folder');
    let real: string;
    try {
      real = await this.inside(path, true);
    } catch (e) {
      // a recent file that was moved or deleted leaves the list
      await (await this.recentFiles()).forget(resolve(await realpath(this.root), path));
      throw e;
    }
    const info = await stat(real);
    if (!info.isFile()) refuse(`${path}: not a file`);
    if (info.size > MAX_MODEL_FILE_BYTES) refuse(`${path}: the file is larger than the model file limit`);
    const text = await readFile(real, 'utf8');
    await (await this.recentFiles()).remember(real);
    return { path: await this.relativeName(real), text };
  }

  async save(model: ModelDocument, path?: string): Promise<string | null> {
    if (path === undefined) path = await this.freeName(typeof model.name === 'string' && /^[A-Za-z0-9_-]{1,80}$/.test(model.name) ? model.name : 'untitled');
    const real = await this.inside(path, false);
    await mkdir(dirname(real), { recursive: true });
    try {
      await writeModelFile(real, model as unknown as ModelFile);
    } catch (e) {
      refuse(e instanceof Error ? e.message : String(e));
    }
    await (await this.recentFiles()).remember(real);
    return this.relativeName(real);
  }

  async recent(): Promise<RecentFile[]> {
    const root = await realpath(this.root);
    const entries = await (await this.recentFiles()).entries();
    // the list is per user; this workspace shows the files inside it
    return entries.filter((e) => !relative(root, e.path).startsWith('..')).map((e) => ({ path: relative(root, e.path), exists: e.exists }));
  }

  async export(name: string, data: Buffer): Promise<string | null> {
    const root = await realpath(this.root);
    await mkdir(join(root, EXPORTS_FOLDER), { recursive: true });
    const dot = name.lastIndexOf('.');
    const target = await this.freePath(join(root, EXPORTS_FOLDER), name.slice(0, dot), name.slice(dot));
    await writeFileAtomic(target, data).catch((e: Error) => refuse(e.message.replace('the model', 'the export')));
    return relative(root, target);
  }

  async resolve(path: string): Promise<string | null> {
    return this.inside(path, true).catch(() => null);
  }

  private async freeName(stem: string): Promise<string> {
    return relative(this.root, await this.freePath(this.root, stem, '.cogmodel.json'));
  }

  private async freePath(dir: string, stem: string, suffix: string): Promise<string> {
    for (let k = 0; ; k++) {
      const candidate = join(dir, `${stem}${k ? `-${k}` : ''}${suffix}`);
      const exists = await stat(candidate).then(() => true, () => false);
      if (!exists) return candidate;
    }
  }
}
