/**
 * The recent-files list of a shell, kept in a small JSON file in the user's state folder (written
 * atomically), most recent first. Entries are absolute paths; whether each still exists is
 * checked when the list is read, so a moved or deleted file shows as missing instead of failing.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../model/save.js';

export const RECENT_LIMIT = 10;

export class RecentFiles {
  private paths: string[] = [];

  /** `file`: where the list is kept; null keeps it for this session only. */
  constructor(private readonly file: string | null) {}

  /** Reads the saved list; a missing or damaged list file is an empty list. */
  async load(): Promise<readonly string[]> {
    if (!this.file) return this.paths;
    try {
      const list: unknown = JSON.parse(await readFile(this.file, 'utf8'));
      this.paths = Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string').slice(0, RECENT_LIMIT) : [];
    } catch {
      this.paths = [];
    }
    return this.paths;
  }

  list(): readonly string[] {
    return this.paths;
  }

  /** Each path with whether it is still a file. */
  async entries(): Promise<{ path: string; exists: boolean }[]> {
    return Promise.all(this.paths.map(async (path) => ({ path, exists: await stat(path).then((s) => s.isFile(), () => false) })));
  }

  async remember(path: string): Promise<void> {
    this.paths = [path, ...this.paths.filter((p) => p !== path)].slice(0, RECENT_LIMIT);
    await this.persist();
  }

  async forget(path: string): Promise<void> {
    if (!this.paths.includes(path)) return;
    this.paths = this.paths.filter((p) => p !== path);
    await this.persist();
  }

  private async persist(): Promise<void> {
    if (!this.file) return;
    try {
      await mkdir(dirname(this.file), { recursive: true });
      await writeFileAtomic(this.file, JSON.stringify(this.paths, null, 2) + '\n');
    } catch {
      // the list is a convenience: failing to keep it must not fail the open or save it follows
    }
  }
}
