/**
 * Model files in Electron: the user chooses them in native dialogs. The renderer may name a
 * path only if the user chose it before (in a dialog this session, or from the recent list):
 * a compromised page cannot read or write arbitrary files. Saves are atomic (writeModelFile).
 */
import { app, dialog, type BrowserWindow } from 'electron';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MAX_MODEL_FILE_BYTES, type ModelDocument, type RecentFile } from '../../shared/ipc/protocol.js';
import type { ModelFile } from '../../shared/model/schema.js';
import { writeFileAtomic, writeModelFile } from '../model/save.js';
import { HostRequestError } from '../web-host/host-error.js';
import { RecentFiles } from '../web-host/recent-files.js';
import type { FileAccess } from '../web-host/studio-service.js';

const FILTERS = [{ name: 'CogStudio models', extensions: ['json'] }];

function fileError(message: string): HostRequestError {
  return new HostRequestError({ kind: 'file', message });
}

export class DialogFiles implements FileAccess {
  private readonly chosen = new Set<string>();
  private readonly recentList = new RecentFiles(join(app.getPath('userData'), 'recent-files.json'));

  constructor(
    private readonly window: () => BrowserWindow | null,
    private readonly onRecentChange: () => void = () => undefined,
  ) {}

  async load(): Promise<void> {
    for (const p of await this.recentList.load()) this.chosen.add(p);
  }

  private async remember(path: string): Promise<void> {
    this.chosen.add(path);
    app.addRecentDocument(path);
    await this.recentList.remember(path);
    this.onRecentChange();
  }

  private allowed(path: string): string {
    const abs = resolve(path);
    if (!this.chosen.has(abs)) throw fileError(`${path}: choose this file with File › Open or Save As first`);
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
    const info = await stat(target).catch(() => null);
    if (!info?.isFile()) {
      await this.recentList.forget(target);
      this.onRecentChange();
      throw fileError(`${target}: the file no longer exists (it was moved or deleted); it is removed from the recent files`);
    }
    if (info.size > MAX_MODEL_FILE_BYTES) throw fileError(`${target}: larger than the model file limit`);
    const text = await readFile(target, 'utf8');
    await this.remember(target);
    return { path: target, text };
  }

  async save(model: ModelDocument, path?: string): Promise<string | null> {
    let target: string;
    if (path === undefined) {
      const chosen = await this.askSavePath('model.cogmodel.json', FILTERS);
      if (!chosen) return null;
      target = chosen;
    } else target = this.allowed(path);
    try {
      await writeModelFile(target, model as unknown as ModelFile);
    } catch (e) {
      throw fileError(e instanceof Error ? e.message : String(e));
    }
    await this.remember(target);
    return target;
  }

  async recent(): Promise<RecentFile[]> {
    return this.recentList.entries();
  }

  async export(name: string, data: Buffer): Promise<string | null> {
    const ext = name.slice(name.lastIndexOf('.') + 1);
    const target = await this.askSavePath(name, [{ name: ext.toUpperCase(), extensions: [ext] }]);
    if (!target) return null;
    await writeFileAtomic(target, data).catch((e: Error) => {
      throw fileError(e.message.replace('the model', 'the export'));
    });
    return target;
  }

  async resolve(path: string): Promise<string | null> {
    const abs = resolve(path);
    return this.chosen.has(abs) ? abs : null;
  }

  private async askSavePath(defaultPath: string, filters: { name: string; extensions: string[] }[]): Promise<string | null> {
    const win = this.window();
    const options = { filters, defaultPath };
    const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
    return r.canceled || !r.filePath ? null : resolve(r.filePath);
  }
}
