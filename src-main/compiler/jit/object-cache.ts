/**
 * On-disk cache of host object code, shared across processes. One entry is two files named by
 * the cache key: `<key>.o` (the object LLVM emitted) and `<key>.json` (a sidecar with the format
 * version, the object's size and sha256, and the entry points with their C-level types, which
 * `fn()` needs for its signature checks). Both are written to a temporary file and renamed, so a
 * reader sees either a whole file or none; a sidecar that does not match its object (size,
 * checksum, a torn pair of writes) makes the entry unusable and the caller recompiles and
 * overwrites it. Nothing here throws: a cache that cannot be read or written only costs a compile.
 */
import { createHash, type Hash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Bumped whenever the key, the sidecar or what goes into an object changes. */
export const OBJECT_CACHE_FORMAT = 1;

/** Default bound: the newest 500 entries, at most 200 MB of objects. */
export const OBJECT_CACHE_LIMITS = { maxFiles: 500, maxBytes: 200 * 1024 * 1024 } as const;

export type ObjectCacheStatus = 'hit' | 'miss' | 'off';

/** A C-level view of an IR function's type: `f64`, `f32`, `iN`, `ptr`, `void`, `agg` (or `other`). */
export interface IrSignature {
  readonly result: string;
  readonly params: readonly string[];
}

interface Sidecar {
  format: number;
  key: string;
  size: number;
  sha256: string;
  /** Entry points in module order. */
  entryPoints: [string, IrSignature][];
}

export interface CacheEntry {
  readonly object: Buffer;
  readonly signatures: Map<string, IrSignature>;
}

/**
 * The cache directory: an explicit option, else `COGSTUDIO_OBJECT_CACHE`, else
 * `$XDG_CACHE_HOME/cogstudio/objects` or `~/.cache/cogstudio/objects`. `off` (either way) → null.
 */
export function objectCacheDir(option?: string): string | null {
  const chosen = option ?? process.env['COGSTUDIO_OBJECT_CACHE'];
  if (chosen !== undefined && chosen !== '') return chosen.trim().toLowerCase() === 'off' ? null : chosen;
  const xdg = process.env['XDG_CACHE_HOME'];
  return join(xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache'), 'cogstudio', 'objects');
}

/** IR text, or bitcode and the function attributes set after reading it (compile-ir.ts IRInput). */
type HashableIR = string | { readonly bitcode: Buffer; readonly attributes?: readonly (readonly [string, string])[] };

/** Feeds an IR input to a hash: text, or bitcode with its attributes (never equal to a text). */
export function hashIR(hash: Hash, ir: HashableIR): Hash {
  if (typeof ir === 'string') return hash.update(`text\0${ir}`);
  return hash.update(`bitcode\0${JSON.stringify(ir.attributes ?? [])}\0`).update(ir.bitcode);
}

/** Everything the object code depends on, hashed. */
export function objectCacheKey(parts: {
  ir: HashableIR;
  triple: string;
  cpu: string;
  features: string;
  llvm: string;
  optLevel: number;
  /** LLVM options the code generator ran with (llvm-c.ts CODEGEN_FLAGS). */
  codegenFlags: readonly string[];
}): string {
  const hash = createHash('sha256').update(
    `cogstudio-object-cache/${OBJECT_CACHE_FORMAT}\0${parts.llvm}\0${parts.triple}\0${parts.cpu}\0${parts.features}\0O${parts.optLevel}\0${parts.codegenFlags.join(' ')}\0`,
  );
  return hashIR(hash, parts.ir).digest('hex');
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function isSignature(v: unknown): v is IrSignature {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as { result?: unknown; params?: unknown };
  return typeof s.result === 'string' && Array.isArray(s.params) && s.params.every((p) => typeof p === 'string');
}

function parseSidecar(text: string, key: string): Sidecar | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const s = v as Partial<Sidecar>;
  if (s.format !== OBJECT_CACHE_FORMAT || s.key !== key) return null;
  if (typeof s.size !== 'number' || typeof s.sha256 !== 'string' || !Array.isArray(s.entryPoints)) return null;
  const entriesOk = s.entryPoints.every(
    (e: unknown) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && isSignature(e[1]),
  );
  return entriesOk ? (s as Sidecar) : null;
}

export type ReadResult = { entry: CacheEntry } | { missing: true } | { corrupt: string };

/** Reads and validates an entry; never throws. A hit refreshes its mtime (the pruning order). */
export function readCacheEntry(dir: string, key: string): ReadResult {
  const objectPath = join(dir, `${key}.o`);
  const sidecarPath = join(dir, `${key}.json`);
  let sidecarText: string;
  let object: Buffer;
  try {
    sidecarText = readFileSync(sidecarPath, 'utf8');
    object = readFileSync(objectPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? { missing: true } : { corrupt: (e as Error).message };
  }
  const sidecar = parseSidecar(sidecarText, key);
  if (!sidecar) return { corrupt: 'the sidecar is unreadable or from another format' };
  if (object.length !== sidecar.size) return { corrupt: `the object has ${object.length} bytes, not ${sidecar.size}` };
  if (sha256(object) !== sidecar.sha256) return { corrupt: 'the object does not match its checksum' };
  const now = new Date();
  try {
    utimesSync(objectPath, now, now);
  } catch {
    // read-only cache: still usable
  }
  return { entry: { object, signatures: new Map(sidecar.entryPoints) } };
}

let tempCounter = 0;

function writeAtomically(path: string, data: Buffer | string): void {
  const temp = `${path}.${process.pid}.${tempCounter++}.tmp`;
  try {
    writeFileSync(temp, data);
    renameSync(temp, path);
  } catch (e) {
    try {
      unlinkSync(temp);
    } catch {
      // never created
    }
    throw e;
  }
}

/**
 * Writes (or overwrites) an entry and prunes the cache. Returns an error message instead of
 * throwing when the directory cannot be written.
 */
export function writeCacheEntry(
  dir: string,
  key: string,
  object: Buffer,
  signatures: ReadonlyMap<string, IrSignature>,
  limits: { maxFiles: number; maxBytes: number } = OBJECT_CACHE_LIMITS,
): string | null {
  const sidecar: Sidecar = {
    format: OBJECT_CACHE_FORMAT,
    key,
    size: object.length,
    sha256: sha256(object),
    entryPoints: [...signatures],
  };
  try {
    mkdirSync(dir, { recursive: true });
    writeAtomically(join(dir, `${key}.o`), object);
    writeAtomically(join(dir, `${key}.json`), JSON.stringify(sidecar));
  } catch (e) {
    return (e as Error).message;
  }
  pruneObjectCache(dir, limits);
  return null;
}

const ENTRY = /^([0-9a-f]{64})\.o$/;
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * Keeps the newest entries (by mtime, refreshed on every hit) within both limits; removes
 * sidecars without an object and temporary files abandoned by a crashed writer. Never throws.
 */
export function pruneObjectCache(dir: string, limits: { maxFiles: number; maxBytes: number } = OBJECT_CACHE_LIMITS): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const remove = (name: string): void => {
    try {
      unlinkSync(join(dir, name));
    } catch {
      // already gone (another process pruned it)
    }
  };
  const objects: { key: string; mtime: number; size: number }[] = [];
  const present = new Set(names);
  for (const name of names) {
    const key = ENTRY.exec(name)?.[1];
    try {
      if (key) {
        const st = statSync(join(dir, name));
        objects.push({ key, mtime: st.mtimeMs, size: st.size });
      } else if (name.endsWith('.tmp') && Date.now() - statSync(join(dir, name)).mtimeMs > STALE_TEMP_MS) {
        remove(name);
      } else if (/^[0-9a-f]{64}\.json$/.test(name) && !present.has(name.replace(/\.json$/, '.o'))) {
        remove(name);
      }
    } catch {
      // removed meanwhile
    }
  }
  objects.sort((a, b) => b.mtime - a.mtime);
  let bytes = 0;
  objects.forEach((o, i) => {
    bytes += o.size;
    if (i >= limits.maxFiles || bytes > limits.maxBytes) {
      remove(`${o.key}.o`);
      remove(`${o.key}.json`);
    }
  });
}
