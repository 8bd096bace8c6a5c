/** Reads model and input files for the CLI, turning every failure into a ModelError naming the file. */
import { readFileSync } from 'node:fs';
import type { ModelLike } from '../engine/composition.js';
import { ModelError } from '../model/errors.js';
import { readModelFile } from '../model/load.js';

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

/** Reads a model file: file checks, JSON syntax (line and column), duplicate keys, structure. */
export async function loadModel(file: string): Promise<ModelLike> {
  return (await readModelFile(file)).model as ModelLike;
}

/** Reads an inputs file: an object {"NODE": [trial inputs, ...]}. */
export function loadInputs(file: string): Record<string, unknown> {
  const inputs = loadJson(file, 'inputs');
  if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
    throw new ModelError([{ path: '', message: 'the inputs file must hold an object {"NODE": [trial inputs, ...]}' }], file);
  }
  return inputs as Record<string, unknown>;
}
