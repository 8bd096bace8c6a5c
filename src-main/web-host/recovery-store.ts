/**
 * The recovery file: while a model has unsaved changes the renderer autosaves it here (atomically,
 * one file per user), so that after a crash or a killed process the next start offers it back. A
 * clean save or an explicit discard removes it. A recovery older than the file it belongs to (the
 * file was saved later, e.g. by another window) is stale and not offered.
 */
import { mkdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RecoverySchema, type ModelDocument, type ModelSource, type Recovery } from '../../shared/ipc/protocol.js';
import { writeFileAtomic } from '../model/save.js';

export const RECOVERY_FILE = 'recovery.cogmodel-recovery.json';

export class RecoveryStore {
  readonly file: string;

  /** `resolveFile`: the absolute path of a file source (to compare its modification time). */
  constructor(
    dir: string,
    private readonly resolveFile: (path: string) => Promise<string | null> = async (p) => p,
  ) {
    this.file = join(dir, RECOVERY_FILE);
  }

  async save(model: ModelDocument, source: ModelSource): Promise<number> {
    const savedAt = Date.now();
    const record: Recovery = { model, source, savedAt };
    await mkdir(join(this.file, '..'), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(record) + '\n');
    return savedAt;
  }

  /** The recovery to offer, or null (none, unreadable, or older than its file's last save). */
  async check(): Promise<Recovery | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch {
      return null;
    }
    let parsed;
    try {
      parsed = RecoverySchema.safeParse(JSON.parse(text));
    } catch {
      return null;
    }
    if (!parsed.success) return null;
    const recovery = parsed.data;
    if (recovery.source.kind === 'file') {
      const abs = await this.resolveFile(recovery.source.path).catch(() => null);
      const modified = abs ? await stat(abs).then((s) => s.mtimeMs, () => null) : null;
      if (modified !== null && modified > recovery.savedAt) return null;
    }
    return recovery;
  }

  async discard(): Promise<boolean> {
    return unlink(this.file).then(
      () => true,
      () => false,
    );
  }
}
