#!/usr/bin/env node
// The CogStudio CLI: loads the TypeScript sources through tsx (no build step needed).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
