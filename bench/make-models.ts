/**
 * Writes the generated fixed benchmark models into bench/models/ (seeded, so rerunning gives
 * the same files): the 100-unit three-layer Logistic network and the 200-node sparse chain.
 *
 *   npx tsx bench/make-models.ts
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chainModel, layersModel, type BenchModel } from './generate.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'models');

/** JSON with one line per matrix row / input pattern, so the files stay readable. */
function format(model: BenchModel): string {
  return JSON.stringify(model, null, 2).replace(/\[\s+(-?[\d.e+-]+(?:,\s+-?[\d.e+-]+)*)\s+\]/g, (_, inner: string) => `[${inner.replace(/,\s+/g, ', ')}]`);
}

for (const model of [layersModel(100, 'layers_100'), chainModel(200, 'chain_200')]) {
  const file = join(dir, `${model.name}.cogmodel.json`);
  writeFileSync(file, `${format(model)}\n`);
  console.log(`wrote ${file}`);
}
