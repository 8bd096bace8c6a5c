#!/usr/bin/env node
// `npm start`: the studio UI is not built yet, so this runs the CLI on the bundled Stroop example.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
const example = fileURLToPath(new URL('../examples/stroop.cogmodel.json', import.meta.url));
console.log('CogStudio: the studio UI is not built yet; running the CLI on the Stroop example instead.');
process.exitCode = main(['run', example, ...process.argv.slice(2)]);
