/** The on-disk object cache: shared across processes, robust to corrupt entries, keyed by opt level. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compileIR as compileQueued, flushObjectCacheWrites, type CompileOptions } from '../src-main/compiler/jit/index.js';
import { CODEGEN_FLAGS } from '../src-main/compiler/jit/llvm-c.js';
import { objectCacheDir, objectCacheKey, pruneObjectCache } from '../src-main/compiler/jit/object-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cogstudio-object-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Loops with libm calls, so the object has relocations to resolve in the process. */
const IR = `
declare double @exp(double)
declare double @log(double)
define double @mix(double* %a, i32 %n) {
entry:
  br label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  %s = phi double [ 0.0, %entry ], [ %s.next, %loop ]
  %p = getelementptr inbounds double, double* %a, i32 %i
  %v = load double, double* %p
  %e = call double @exp(double %v)
  %l = call double @log(double %e)
  %t = fmul double %l, %e
  %s.next = fadd double %s, %t
  store double %s.next, double* %p
  %i.next = add nsw i32 %i, 1
  %more = icmp slt i32 %i.next, %n
  br i1 %more, label %loop, label %done
done:
  ret double %s.next
}
define i32 @twice(i32 %x) {
  %r = mul i32 %x, 2
  ret i32 %r
}
`;

/** A child process compiles an IR file, calls `mix` (if defined) and reports status, timings and results. */
const CHILD = join(work, 'child.ts');
writeFileSync(
  CHILD,
  `import { readFileSync } from 'node:fs';
import { compileIR, hostCPU } from ${JSON.stringify(join(root, 'src-main/compiler/jit/index.js'))};
const [file, opt] = process.argv.slice(2);
const t0 = performance.now();
hostCPU(); // loads libLLVM: the same cost with or without the cache, kept out of the compile timings
const load_ms = performance.now() - t0;
const m = compileIR(readFileSync(file, 'utf8'), { optLevel: Number(opt) });
let result = null;
if (m.entryPoints.includes('mix')) {
  const mix = m.fn('mix', 'double mix(double *a, int32 n)');
  const a = Float64Array.from({ length: 64 }, (_, i) => Math.sin(i) * 3);
  const sum = mix(a, a.length);
  const twice = m.fn('twice', 'int32 twice(int32 x)');
  result = { sum, a: [...a], twice: twice(21) };
}
console.log(JSON.stringify({ objectCache: m.objectCache, load_ms, timings: m.timings, entryPoints: m.entryPoints, result }));
m.dispose();
`,
);
const IR_FILE = join(work, 'mix.ll');
writeFileSync(IR_FILE, IR);

interface ChildReport {
  objectCache: 'hit' | 'miss' | 'off';
  load_ms: number;
  timings: Record<string, number>;
  entryPoints: string[];
  result: { sum: number; a: number[]; twice: number } | null;
}

function child(cache: string, file = IR_FILE, opt = 2): ChildReport {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, file, String(opt)], {
    cwd: root,
    env: { ...process.env, COGSTUDIO_OBJECT_CACHE: cache },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

/** compileIR, then the queued cache write done at once (it is otherwise written after the compile returns). */
const compileIR = (ir: string, opts?: CompileOptions) => {
  const m = compileQueued(ir, opts);
  flushObjectCacheWrites();
  return m;
};
const entries = (dir: string, ext: string): string[] => readdirSync(dir).filter((f) => f.endsWith(ext));

describe('object cache on disk', () => {
  it('writes an entry after the compile has returned (off the path to the first result), at the next turn of the event loop', async () => {
    const dir = join(work, 'deferred');
    const m = compileQueued(`${IR}\n; deferred\n`, { objectCache: dir });
    expect(m.objectCache).toBe('miss');
    expect(existsSync(dir) ? entries(dir, '.o') : []).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(entries(dir, '.o')).toHaveLength(1);
    expect(entries(dir, '.json')).toHaveLength(1);
    m.dispose();
  });

  it('a module compiled in two processes hits the cache the second time, with identical results', () => {
    const dir = join(work, 'two-processes');
    const first = child(dir);
    const second = child(dir);
    expect(first.objectCache).toBe('miss');
    expect(second.objectCache).toBe('hit');
    expect(second.timings['optimize_ms']).toBe(0);
    expect(second.timings['ir_parse_ms']).toBe(0);
    expect(first.timings['object_emit_ms']).toBeGreaterThan(0);
    expect(second.entryPoints).toEqual(first.entryPoints);
    expect(second.result).toEqual(first.result);
    expect(first.result!.twice).toBe(42);
    expect(entries(dir, '.o')).toHaveLength(1);
    expect(entries(dir, '.json')).toHaveLength(1);
    expect(entries(dir, '.tmp')).toHaveLength(0);
  });

  it('checks signatures on a hit from the stored entry points, as on a compile', () => {
    const dir = join(work, 'signatures');
    const a = compileIR(IR, { objectCache: dir });
    const b = compileIR(IR, { objectCache: dir });
    try {
      expect([a.objectCache, b.objectCache]).toEqual(['miss', 'hit']);
      expect(b.entryPoints).toEqual(['mix', 'twice']);
      expect(() => b.fn('twice', 'double twice(double x)')).toThrow(/does not match/);
      expect(() => b.fn('nope', 'void nope()')).toThrow(/Symbols not found/);
      expect(b.fn<(x: number) => number>('twice', 'int32 twice(int32 x)')(5)).toBe(10);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('falls back to compiling on a truncated or garbage entry and repairs it', () => {
    const dir = join(work, 'corrupt');
    const first = compileIR(IR, { objectCache: dir });
    first.dispose();
    const [obj] = entries(dir, '.o');
    const objPath = join(dir, obj!);
    const sidecarPath = objPath.replace(/\.o$/, '.json');
    const good = readFileSync(objPath);
    const damage: [string, () => void][] = [
      ['truncated object', () => writeFileSync(objPath, good.subarray(0, good.length >> 1))],
      ['garbage object of the same size', () => writeFileSync(objPath, Buffer.alloc(good.length, 0xa5))],
      ['empty object', () => writeFileSync(objPath, '')],
      ['garbage sidecar', () => writeFileSync(sidecarPath, '{"format": 1, "key": [')],
      ['missing sidecar', () => rmSync(sidecarPath)],
      ['missing object', () => rmSync(objPath)],
    ];
    for (const [what, corrupt] of damage) {
      corrupt();
      const m = compileIR(IR, { objectCache: dir });
      try {
        expect(m.objectCache, what).toBe('miss');
        const a = Float64Array.from([1, 2, 3]);
        expect(m.fn<(a: Float64Array, n: number) => number>('mix', 'double mix(double *a, int32 n)')(a, 3), what).toBeCloseTo(
          Math.E + 2 * Math.E ** 2 + 3 * Math.E ** 3,
          6,
        );
      } finally {
        m.dispose();
      }
      expect(readFileSync(objPath).equals(good), `${what}: repaired`).toBe(true);
      const again = compileIR(IR, { objectCache: dir });
      expect(again.objectCache, `${what}: hit after repair`).toBe('hit');
      again.dispose();
    }
  });

  it('is disabled by COGSTUDIO_OBJECT_CACHE=off (or the option)', () => {
    const report = child('off');
    expect(report.objectCache).toBe('off');
    expect(report.timings['object_emit_ms']).toBe(0);
    expect(report.result!.twice).toBe(42);
    const m = compileIR(IR, { objectCache: 'off' });
    expect(m.objectCache).toBe('off');
    m.dispose();
    const saved = process.env['COGSTUDIO_OBJECT_CACHE'];
    try {
      process.env['COGSTUDIO_OBJECT_CACHE'] = 'off';
      expect(objectCacheDir()).toBeNull();
      process.env['COGSTUDIO_OBJECT_CACHE'] = join(work, 'from-env');
      expect(objectCacheDir()).toBe(join(work, 'from-env'));
      delete process.env['COGSTUDIO_OBJECT_CACHE'];
      expect(objectCacheDir()).toMatch(/cogstudio[/\\]objects$/);
    } finally {
      if (saved === undefined) delete process.env['COGSTUDIO_OBJECT_CACHE'];
      else process.env['COGSTUDIO_OBJECT_CACHE'] = saved;
    }
  });

  it('does not share entries between opt levels', () => {
    const dir = join(work, 'levels');
    const seen = ([0, 2, 3] as const).map((optLevel) => {
      const m = compileIR(IR, { objectCache: dir, optLevel });
      const status = m.objectCache;
      m.dispose();
      return status;
    });
    expect(seen).toEqual(['miss', 'miss', 'miss']);
    expect(entries(dir, '.o')).toHaveLength(3);
    const o2 = compileIR(IR, { objectCache: dir, optLevel: 2 });
    expect(o2.objectCache).toBe('hit');
    o2.dispose();
    const o1 = compileIR(IR, { objectCache: dir, optLevel: 1 });
    expect(o1.objectCache).toBe('miss');
    o1.dispose();
  });

  it('stores the optimised IR path as a miss (the IR is not cached) and still writes the entry', () => {
    const dir = join(work, 'emit-ir');
    const m = compileIR(IR, { objectCache: dir, emitOptimizedIR: true });
    expect(m.objectCache).toBe('miss');
    expect(m.optimizedIR).toContain('define double @mix(');
    m.dispose();
    const again = compileIR(IR, { objectCache: dir });
    expect(again.objectCache).toBe('hit');
    again.dispose();
  });

  it('prunes to the newest entries within the file and byte limits', () => {
    const dir = join(work, 'prune');
    for (let k = 0; k < 5; k++) {
      compileIR(`${IR}\n; variant ${k}\n`, { objectCache: dir }).dispose();
    }
    const objects = entries(dir, '.o');
    expect(objects).toHaveLength(5);
    // Make the order explicit: the k-th written is k seconds old less than the first.
    const byAge = objects.map((f) => ({ f, mtime: statSync(join(dir, f)).mtimeMs })).sort((a, b) => b.mtime - a.mtime);
    byAge.forEach(({ f }, i) => {
      const t = new Date(Date.now() - i * 1000);
      utimesSync(join(dir, f), t, t);
    });
    writeFileSync(join(dir, 'stale.123.0.tmp'), 'x');
    utimesSync(join(dir, 'stale.123.0.tmp'), new Date(0), new Date(0));
    pruneObjectCache(dir, { maxFiles: 3, maxBytes: Infinity });
    expect(entries(dir, '.o').sort()).toEqual(byAge.slice(0, 3).map((e) => e.f).sort());
    expect(entries(dir, '.json')).toHaveLength(3);
    expect(existsSync(join(dir, 'stale.123.0.tmp'))).toBe(false);
    const size = statSync(join(dir, byAge[0]!.f)).size;
    pruneObjectCache(dir, { maxFiles: 500, maxBytes: size * 2 });
    expect(entries(dir, '.o').sort()).toEqual(byAge.slice(0, 2).map((e) => e.f).sort());
    expect(entries(dir, '.json')).toHaveLength(2);
  });

  it('measures a cold O2 compile against a cache hit of the stroop model in fresh processes', () => {
    const irFile = join(work, 'stroop.ll');
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/cogstudio.mjs'), 'compile', join(root, 'examples/stroop.cogmodel.json'), '--emit-ir', irFile],
      { cwd: root, encoding: 'utf8', env: { ...process.env, COGSTUDIO_OBJECT_CACHE: 'off' } },
    );
    if (r.status !== 0) throw new Error(`cogstudio compile failed: ${r.stderr}`);
    const dir = join(work, 'stroop');
    const off = child('off', irFile);
    const cold = child(dir, irFile);
    const hit = child(dir, irFile);
    expect([off.objectCache, cold.objectCache, hit.objectCache]).toEqual(['off', 'miss', 'hit']);
    expect(hit.entryPoints).toEqual(cold.entryPoints);
    const f = (t: Record<string, number>): string =>
      Object.entries(t)
        .filter(([, v]) => v > 0)
        .map(([k, v]) => `${k.replace(/_ms$/, '')} ${v.toFixed(1)}`)
        .join(', ');
    const bytes = statSync(irFile).size;
    const objBytes = statSync(join(dir, entries(dir, '.o')[0]!)).size;
    console.log(
      `stroop (${bytes} B IR → ${objBytes} B object, ${cold.entryPoints.length} entry points), O2, fresh processes, ms ` +
        `(libLLVM load before compiling: ${cold.load_ms.toFixed(1)}):\n` +
        `  cache off : ${f(off.timings)}\n` +
        `  cold miss : ${f(cold.timings)}\n` +
        `  disk hit  : ${f(hit.timings)}`,
    );
  });

  it("keys entries by the code generator's LLVM options as well", () => {
    const parts = { ir: IR, triple: 't', cpu: 'c', features: 'f', llvm: '14', optLevel: 2 };
    const key = objectCacheKey({ ...parts, codegenFlags: CODEGEN_FLAGS });
    expect(objectCacheKey({ ...parts, codegenFlags: CODEGEN_FLAGS })).toBe(key);
    expect(objectCacheKey({ ...parts, codegenFlags: [] })).not.toBe(key);
    expect(objectCacheKey({ ...parts, codegenFlags: [...CODEGEN_FLAGS, '-fast-isel'] })).not.toBe(key);
  });
});

describe("LLVM's code-generator options", () => {
  it('are set once per process, however many copies of the JIT module load libLLVM (LLVM prints an error for a second setting)', () => {
    const script = join(work, 'flags-twice.mts');
    const llvmC = JSON.stringify(join(root, 'src-main/compiler/jit/llvm-c.ts'));
    writeFileSync(
      script,
      `const a = await import(${llvmC});
const b = await import(${llvmC} + '?second-copy');
if (a === b) throw new Error('expected two copies of the module');
a.llvmC();
b.llvmC();
const { compileIR } = await import(${JSON.stringify(join(root, 'src-main/compiler/jit/index.js'))});
const m = compileIR(${JSON.stringify(IR)}, { optLevel: 2, objectCache: 'off' });
console.log(JSON.stringify({ twice: m.fn('twice', 'int32 twice(int32 x)')(21), flags: a.CODEGEN_FLAGS }));
m.dispose();
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/may only occur|Unknown command line argument/);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { twice: number; flags: string[] };
    expect(out.twice).toBe(42);
    if (process.arch === 'x64') expect(out.flags).toEqual(['-enable-misched=false', '-disable-post-ra']);
  });
});
