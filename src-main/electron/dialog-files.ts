/**
 * Model files in Electron: the user chooses them in native dialogs. The renderer may name a
 * path only if the user chose it before (in a dialog this session, or from the recent list):
 * a compromised page cannot read or write arbitrary files.
 */
import { app, dialog, type BrowserWindow } from 'electron';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_MODEL_FILE_BYTES } from '../../shared/ipc/protocol.js';
import { HostRequestError } from '../web-host/host-error.js';
import type { FileAccess } from '../web-host/studio-service.js';

const RECENT_LIMIT = 10;
const FILTERS = [{ name: 'CogStudio models', extensions: ['json'] }];

export class DialogFiles implements FileAccess {
  private readonly chosen = new Set<string>();
  private recentPaths: string[] = [];
  private readonly recentFile = join(app.getPath('userData'), 'recent-files.json');

  constructor(
    private readonly window: () => BrowserWindow | null,
    private readonly onRecentChange: () => void = () => undefined,
  ) {}

  async load(): Promise<void> {
    try {
      const list: unknown = JSON.parse(await readFile(this.recentFile, 'utf8'));
      if (Array.isArray(list)) this.recentPaths = list.filter((p): p is string => typeof p === 'string').slice(0, RECENT_LIMIT);
    } catch {
      this.recentPaths = [];
    }
    for (const p of this.recentPaths) this.chosen.add(p);
  }

  private async remember(path: string): Promise<void> {
    this.chosen.add(path);
    this.recentPaths = [path, ...this.recentPaths.filter((p) => p !== path)].slice(0, RECENT_LIMIT);
    app.addRecentDocument(path);
    await writeFile(this.recentFile, JSON.stringify(this.recentPaths), 'utf8').catch(() => undefined);
    this.onRecentChange();
  }

  private allowed(path: string): string {
    const abs = resolve(path);
    if (!this.chosen.has(abs)) throw new HostRequestError({ kind: 'file', message: `${path}: choose this file with File › Open or Save As first` });
    return abs;
  }

  async open(path?: string): Promise<{ path: string; text: string } | null> {
    let target: string;
    if (path === undefined) {
      const win = this.window();
      const options = { properties: ['openFile' as const], filters: FILTERS };
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      if (r.canceled || !r.filePaths[0]) return null;
      target = resolve(r.filePaths[0]);
    } else target = this.allowed(path);
    const info = await stat(target);
    if (info.size > MAX_MODEL_FILE_BYTES) throw new HostRequestError({ kind: 'file', message: `${target}: larger than the model file limit` });
    const text = await readFile(target, 'utf8');
    await this.remember(target);
    return { path: target, text };
  }

  async save(text: string, path?: string): Promise<string | null> {
    let target: string;
    if (path === undefined) {
      const win = this.window();
      const options = { filters: FILTERS, defaultPath: 'model.cogmodel.json' };
      const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      if (r.canceled || !r.filePath) return null;
      target = resolve(r.filePath);
    } else target = this.allowed(path);
    // write then rename: a crash never leaves a half-written model file
    const tmp = `${target}.${process.pid}.tmp`;
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, target);
    await this.remember(target);
    return target;
  }

  async recent(): Promise<string[]> {
    return [...this.recentPaths];
  }
}
