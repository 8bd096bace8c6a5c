/** The engine process's warm-up while it waits for its first request (src-main/engine-process/warm-up.ts). */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WARM_UP_GENERATIONS, warmUp } from '../src-main/engine-process/warm-up.js';
import { machineCodeStats } from '../src-main/runtime/machine-code.js';
import { flushObjectCacheWrites } from '../src-main/compiler/jit/index.js';

const cache = mkdtempSync(join(tmpdir(), 'cogstudio-warm-up-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

describe('engine warm-up', () => {
  it('loads libLLVM and runs the code generator, compiling and caching nothing', async () => {
    const before = machineCodeStats();
    const saved = process.env.COGSTUDIO_OBJECT_CACHE;
    process.env.COGSTUDIO_OBJECT_CACHE = cache;
    try {
      expect(await warmUp(() => true)).toBe(1 + WARM_UP_GENERATIONS);
      flushObjectCacheWrites();
    } finally {
      if (saved === undefined) delete process.env.COGSTUDIO_OBJECT_CACHE;
      else process.env.COGSTUDIO_OBJECT_CACHE = saved;
    }
    expect(machineCodeStats()).toEqual(before);
    expect(readdirSync(cache)).toEqual([]);
  });

  it('waits while the engine is busy, and gives up when it stays busy', async () => {
    // busy for a while after the first step: the next steps wait, then run
    let busyUntil = 0;
    let checks = 0;
    const idle = () => {
      checks++;
      if (checks === 2) busyUntil = performance.now() + 100;
      return performance.now() >= busyUntil;
    };
    expect(await warmUp(idle, 5_000)).toBe(1 + WARM_UP_GENERATIONS);
    expect(checks).toBeGreaterThan(1 + WARM_UP_GENERATIONS);
    // never idle: nothing done once its patience is out
    expect(await warmUp(() => false, 50)).toBe(0);
  });
});
