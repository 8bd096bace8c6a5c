import { defineConfig } from 'vitest/config';

// llvm-bindings cannot be loaded in a second JS thread of one process: tests run in forks.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    reporters: ['default'],
  },
});
