/** compileIRAsync: the heavy native stages off the JS thread, same machine code, same errors, same object cache. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { JitError, backgroundCompiles, compileIR, compileIRAsync, flushObjectCacheWrites, loadCachedIR, type NativeModule } from '../src-main/compiler/jit/index.js';
import { buildComposition } from '../src-main/engine/composition.js';
import { REPO_ROOT } from './shared-files.js';

const work = mkdtempSync(join(tmpdir(), 'cogstudio-jit-async-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Stroop's LLVMRun module: big enough (~200 KB of IR) that each native stage takes milliseconds. */
const STROOP_IR = generateModule(buildComposition(JSON.parse(readFileSync(join(REPO_ROOT, 'bench/models/stroop.cogmodel.json'), 'utf8')) as Parameters<typeof buildComposition>[0]), { withScheduler: true }).ir.print();

const SQUARE_IR = `
define double @square(double %x) {
  %r = fmul double %x, %x
  ret double %r
}
`;

async function expectRejection(p: Promise<unknown>, stage: JitError['stage']): Promise<JitError> {
  const e = await p.then(
    () => new Error('expected a rejection'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JitError);
  expect((e as JitError).stage).toBe(stage);
  return e as JitError;
}

/** Counts event-loop turns until `p` settles: a compile on the JS thread would allow none. */
async function turnsWhile<T>(p: Promise<T>): Promise<{ value: T; turns: number }> {
  let turns = 0;
  let settled = false;
  const spin = (): void => {
    if (settled) return;
    turns++;
    setImmediate(spin);
  };
  setImmediate(spin);
  try {
    return { value: await p, turns };
  } finally {
    settled = true;
  }
}

describe('compileIRAsync', () => {
  it('builds the same entry points and code as compileIR, with the event loop turning meanwhile', async () => {
    const sync = compileIR(STROOP_IR, { optLevel: 2, objectCache: 'off' });
    const { value: background, turns } = await turnsWhile(compileIRAsync(STROOP_IR, { optLevel: 2, objectCache: 'off' }));
    try {
      expect(turns).toBeGreaterThan(0);
      expect(background.optLevel).toBe(2);
      expect(background.objectCache).toBe('off');
      expect(background.entryPoints).toEqual(sync.entryPoints);
      expect(background.timings.optimize_ms).toBeGreaterThan(0);
      expect(background.timings.object_emit_ms).toBeGreaterThan(0);
    } finally {
      sync.dispose();
      background.dispose();
    }
    expect(backgroundCompiles()).toEqual({ running: 0, waiting: 0 });
  });

  it('calls compiled code like compileIR', async () => {
    const m = await compileIRAsync(SQUARE_IR, { optLevel: 2, objectCache: 'off' });
    try {
      expect(m.fn<(x: number) => number>('square', 'double square(double x)')(1.5)).toBe(2.25);
    } finally {
      m.dispose();
    }
  });

  it('stores the object on a miss; a later compile (either kind) hits it', async () => {
    const dir = join(work, 'cache');
    const miss = await compileIRAsync(SQUARE_IR, { optLevel: 2, objectCache: dir });
    expect(miss.objectCache).toBe('miss');
    miss.dispose();
    flushObjectCacheWrites(); // written once the compile returned: at once here
    expect(readdirSync(dir).filter((f) => f.endsWith('.o'))).toHaveLength(1);
    const hit = await compileIRAsync(SQUARE_IR, { optLevel: 2, objectCache: dir });
    expect(hit.objectCache).toBe('hit');
    expect(hit.fn<(x: number) => number>('square', 'double square(double x)')(3)).toBe(9);
    hit.dispose();
    const syncHit = compileIR(SQUARE_IR, { optLevel: 2, objectCache: dir });
    expect(syncHit.objectCache).toBe('hit');
    syncHit.dispose();
    const loaded = loadCachedIR(SQUARE_IR, { optLevel: 2, objectCache: dir });
    expect(loaded?.objectCache).toBe('hit');
    loaded?.dispose();
    expect(loadCachedIR(SQUARE_IR, { optLevel: 0, objectCache: dir })).toBeNull();
    expect(loadCachedIR(SQUARE_IR, { optLevel: 2, objectCache: 'off' })).toBeNull();
  });

  it('compileIR with storeInCache: false uses an entry but never writes one', () => {
    const dir = join(work, 'read-only-use');
    const m = compileIR(SQUARE_IR, { optLevel: 0, objectCache: dir, storeInCache: false });
    expect(m.objectCache).toBe('off');
    m.dispose();
    flushObjectCacheWrites();
    expect(() => readdirSync(dir)).toThrow(); // nothing written, not even the directory
    compileIR(SQUARE_IR, { optLevel: 0, objectCache: dir }).dispose();
    flushObjectCacheWrites();
    const hit = compileIR(SQUARE_IR, { optLevel: 0, objectCache: dir, storeInCache: false });
    expect(hit.objectCache).toBe('hit');
    hit.dispose();
  });

  it('rejects with the stage of the failure, like compileIR', async () => {
    const parse = await expectRejection(compileIRAsync('define i32 @f() {\nentry:\n  %a = bogus i32 1\n  ret i32 %a\n}\n', { name: 'broken.ll', objectCache: 'off' }), 'parse');
    expect(parse.llvmMessage).toMatch(/^broken\.ll:3:8: error/);
    const verify = await expectRejection(compileIRAsync('define i32 @f() {\nentry:\n  %a = add i32 %b, 1\n  %b = add i32 %a, 1\n  ret i32 %a\n}\n', { objectCache: 'off' }), 'verify');
    expect(verify.llvmMessage).toContain('Instruction does not dominate all uses!');
    const jit = await expectRejection(
      compileIRAsync('declare double @no_such_fn(double)\ndefine double @g(double %x) {\n  %r = call double @no_such_fn(double %x)\n  ret double %r\n}\n', { objectCache: 'off' }),
      'jit',
    );
    expect(jit.llvmMessage).toContain('Symbols not found: [ no_such_fn ]');
    // and the next compile works
    const m = await compileIRAsync(SQUARE_IR, { objectCache: 'off' });
    m.dispose();
  });

  it('runs concurrently with synchronous compiles on the JS thread (separate contexts and target machines)', async () => {
    const background = compileIRAsync(STROOP_IR, { optLevel: 2, objectCache: 'off' });
    const syncs = [0, 2, 0].map((optLevel) => compileIR(STROOP_IR, { optLevel: optLevel as 0 | 2, objectCache: 'off' }));
    const m = await background;
    expect(m.entryPoints).toEqual(syncs[1]!.entryPoints);
    for (const s of [m, ...syncs]) s.dispose();
  });

  it('one at a time: later compiles wait for their turn; all finish', async () => {
    const all = [compileIRAsync(STROOP_IR, { optLevel: 2, objectCache: 'off' }), compileIRAsync(SQUARE_IR, { optLevel: 2, objectCache: 'off' })];
    expect(backgroundCompiles().running + backgroundCompiles().waiting).toBe(2);
    const mods: NativeModule[] = await Promise.all(all);
    for (const m of mods) m.dispose();
    expect(backgroundCompiles()).toEqual({ running: 0, waiting: 0 });
  });

  it('given up (aborted) part-way, it frees what it built and rejects with the reason; aborted before it starts, it never runs', async () => {
    const outcomes: string[] = [];
    for (const delay of [0, 1, 5, 20]) {
      const controller = new AbortController();
      const p = compileIRAsync(STROOP_IR, { optLevel: 2, objectCache: 'off', signal: controller.signal });
      setTimeout(() => controller.abort(new Error('owner disposed')), delay);
      const outcome = await p.then(
        (m) => {
          // it finished before the abort was seen: an ordinary module
          m.dispose();
          return 'finished';
        },
        (e: unknown) => (e as Error).message,
      );
      expect(['finished', 'owner disposed']).toContain(outcome);
      outcomes.push(outcome);
    }
    // an abort right away is seen after the first native stage at the latest
    expect(outcomes[0]).toBe('owner disposed');
    const early = new AbortController();
    early.abort(new Error('not wanted'));
    await expect(compileIRAsync(SQUARE_IR, { signal: early.signal, objectCache: 'off' })).rejects.toThrow('not wanted');
    expect(backgroundCompiles()).toEqual({ running: 0, waiting: 0 });
    // the JIT still works
    const m = await compileIRAsync(SQUARE_IR, { objectCache: 'off' });
    expect(m.fn<(x: number) => number>('square', 'double square(double x)')(4)).toBe(16);
    m.dispose();
  });
});
