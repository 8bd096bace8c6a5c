/** Locates the reference cases in ../shared at test time (they are never copied into the repo). */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_DIR = process.env.COGSTUDIO_SHARED ?? resolve(REPO_ROOT, '..', 'shared');
export const PUBLIC_REFERENCE_DIR = join(SHARED_DIR, 'reference', 'public');

export function readReferenceJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(join(PUBLIC_REFERENCE_DIR, file), 'utf8')) as T;
}

/** Model cases (everything but the rng and function test vectors). */
export function referenceCaseFiles(): string[] {
  if (!existsSync(PUBLIC_REFERENCE_DIR)) {
    throw new Error(`reference cases not found at ${PUBLIC_REFERENCE_DIR}; set COGSTUDIO_SHARED`);
  }
  return readdirSync(PUBLIC_REFERENCE_DIR)
    .filter((f) => f.endsWith('.json') && !/^(functions|rng|pnl_)/.test(f))
    .sort();
}
