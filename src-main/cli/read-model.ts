/** Reads model and input files for the CLI, turning every failure into a ModelError naming the file. */
import { readFileSync } from 'node:fs';
import { ModelError } from '../model/errors.js';
import type { ModelLike } from '../engine/composition.js';

export function loadJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelError([{ path: '', message: `cannot read the ${what} file: ${(e as Error).message}` }], file);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelError([{ path: '', message: `not valid JSON: ${(e as Error).message}` }], file);
  }
}

export function loadModel(file: string): ModelLike {
  const json = loadJson(file, 'model');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelError([{ path: '', message: 'a model file holds one JSON object' }], file);
  }
  return json as ModelLike;
}
