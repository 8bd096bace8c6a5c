/**
 * Writing a model file: readable JSON (2-space indent, keys in the order given), written
 * atomically (temporary file in the same folder, fsync, rename), so that a failed save leaves the
 * old file as it was. A file written by a newer CogStudio is never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  MAX_MODEL_FILE_BYTES,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  newerVersionMessage,
  quoteShort,
  type ModelFile,
} from '../../shared/model/schema.js';
import { ModelError } from './errors.js';
import { representabilityIssues } from './validate-structure.js';

/** The text a model is saved as: stable and readable, one trailing newline. */
export function formatModelText(model: ModelFile): string {
  return JSON.stringify(model, null, 2) + '\n';
}

/**
 * Saves `model` at `path`. Throws a ModelError when the model holds values JSON cannot carry
 * (NaN, Infinity, functions, cycles), and an Error naming the path and the cause when the file
 * cannot be written or holds a model of a newer format version; the old file is then unchanged.
 */
export async function writeModelFile(path: string, model: ModelFile): Promise<void> {
  const problems = representabilityIssues(model);
  if (problems.length) throw new ModelError(problems, path);
  const version = (model as { version?: unknown }).version;
  if (version !== MODEL_FORMAT_VERSION) {
    throw new Error(`cannot save the model to ${path}: it says format version ${quoteShort(version)}; this CogStudio writes version ${MODEL_FORMAT_VERSION}`);
  }
  const text = formatModelText(model);

  const target = await resolveTarget(path);
  const existing = await existingFile(target, path);
  if (existing) {
    const newer = await newerVersionIn(target);
    if (newer !== undefined) throw new Error(`refusing to overwrite ${path}: ${newerVersionMessage(newer)}`);
  }
  await writeAtomically(target, text, path, existing?.mode, injectedSaveFault());
}

/**
 * Writes `text` to `path` atomically (temporary file in the same folder, fsync, rename, folder
 * fsync): readers see the old content or the new, never a part. Errors name `path` and the cause.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const target = await resolveTarget(path);
  const existing = await existingFile(target, path);
  await writeAtomically(target, data, path, existing?.mode);
}

async function writeAtomically(target: string, data: string | Uint8Array, path: string, mode: number | undefined, fault?: NodeJS.ErrnoException): Promise<void> {
  const dir = dirname(target);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let created = false;
  try {
    const handle = await open(temp, 'wx', mode !== undefined ? mode & 0o7777 : 0o666);
    created = true;
    try {
      if (fault) {
        // as a full disk does: part of the data is written, then the write fails
        await handle.writeFile(data.slice(0, data.length >> 1));
        throw fault;
      }
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    created = false;
  } catch (e) {
    if (created) await unlink(temp).catch(() => undefined);
    throw new Error(`could not save the model to ${path}: ${causeText(e)}`, { cause: e });
  }
  await syncDirectory(dir);
}

/** Fault codes the test-only COGSTUDIO_TEST_SAVE_FAULT variable may name. */
const INJECTABLE_FAULTS: Record<string, string> = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied' };

/**
 * Test-only fault injection: with COGSTUDIO_TEST_SAVE_FAULT=ENOSPC (or EROFS, EACCES) every model
 * save fails midway with that error, so tests can show that the old file survives and the user is
 * told. (Tests run as root, for whom a read-only folder is still writable.)
 */
function injectedSaveFault(): NodeJS.ErrnoException | undefined {
  const code = process.env.COGSTUDIO_TEST_SAVE_FAULT;
  if (!code || !(code in INJECTABLE_FAULTS)) return undefined;
  return Object.assign(new Error(`${code}: ${INJECTABLE_FAULTS[code]} (injected by COGSTUDIO_TEST_SAVE_FAULT), write`), { code });
}

/** Writes through a symbolic link to the file it points at (rename would replace the link). */
async function resolveTarget(path: string): Promise<string> {
  try {
    return (await lstat(path)).isSymbolicLink() ? await realpath(path) : path;
  } catch {
    return path;
  }
}

async function existingFile(target: string, path: string): Promise<{ mode: number } | undefined> {
  try {
    const info = await stat(target);
    if (info.isDirectory()) throw new Error(`cannot save the model to ${path}: it is a folder`);
    if (!info.isFile()) throw new Error(`cannot save the model to ${path}: it is not a regular file`);
    return { mode: info.mode };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') return undefined;
    if (typeof code === 'string') throw new Error(`could not save the model to ${path}: ${causeText(e)}`, { cause: e });
    throw e;
  }
}

/** The format version of the model file already at `target`, when it is newer than ours. */
async function newerVersionIn(target: string): Promise<number | undefined> {
  let text: string;
  try {
    const handle = await open(target, 'r');
    try {
      const { size } = await handle.stat();
      text = size > MAX_MODEL_FILE_BYTES * 2 ? '' : (await readFile(handle)).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined; // unreadable: the write itself will fail or succeed on its own terms
  }
  let version: unknown;
  let format: unknown;
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json === 'object' && json !== null) ({ version, format } = json as { version?: unknown; format?: unknown });
  } catch {
    // Not JSON we can read (perhaps a newer syntax): look for the header fields in the text.
    if (text.includes(`"${MODEL_FORMAT}"`)) version = Number(/"version"\s*:\s*(\d+)/.exec(text)?.[1]);
    format = MODEL_FORMAT;
  }
  return format === MODEL_FORMAT && typeof version === 'number' && version > MODEL_FORMAT_VERSION ? version : undefined;
}

async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a folder; the rename is done either way.
  }
}

function causeText(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const known: Record<string, string> = {
    ENOENT: 'the folder does not exist',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the disk is read-only',
    ENOSPC: 'the disk is full',
    EISDIR: 'the path is a folder',
  };
  const text = e instanceof Error ? e.message : String(e);
  return code && known[code] ? `${known[code]} (${text})` : text;
}
