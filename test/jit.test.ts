import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { JitError, compileIR, hostCPU, llvmVersion, optimizeIR, type NativeModule } from '../src-main/compiler/jit/index.js';

const require = createRequire(import.meta.url);
const koffi = require('koffi') as typeof import('koffi');
const libm = koffi.load('libm.so.6');
const glibcLog = libm.func('double log(double)') as (x: number) => number;
const glibcExp = libm.func('double exp(double)') as (x: number) => number;

/** Sums a[0..n) and writes the sum back into a[n]. */
const SUM_IR = `
define double @sum(double* %a, i32 %n) {
entry:
  %empty = icmp sle i32 %n, 0
  br i1 %empty, label %done, label %loop
loop:
  %i = phi i32 [ 0, %entry ], [ %i.next, %loop ]
  %s = phi double [ 0.0, %entry ], [ %s.next, %loop ]
  %p = getelementptr inbounds double, double* %a, i32 %i
  %v = load double, double* %p
  %s.next = fadd double %s, %v
  %i.next = add nsw i32 %i, 1
  %more = icmp slt i32 %i.next, %n
  br i1 %more, label %loop, label %done
done:
  %total = phi double [ 0.0, %entry ], [ %s.next, %loop ]
  %out = getelementptr inbounds double, double* %a, i32 %n
  store double %total, double* %out
  ret double %total
}
`;

const LIBM_IR = `
declare double @exp(double)
declare double @log(double)
define double @jit_exp(double %x) {
  %r = call double @exp(double %x)
  ret double %r
}
define double @jit_log(double %x) {
  %r = call double @log(double %x)
  ret double %r
}
`;

/**
 * A model-shaped module: 20 "mechanisms", each a 10×10 weight matrix times a vector followed by a
 * logistic (calls libm's exp), chained by @run over a number of trials.
 */
function twentyMechanismsIR(mechanisms = 20, size = 10): string {
  const parts: string[] = ['declare double @exp(double)'];
  for (let k = 0; k < mechanisms; k++) {
    const gain = (1 + k / 10).toFixed(1);
    parts.push(`
define void @mech_${k}(double* noalias %in, double* noalias %w, double* noalias %out) {
entry:
  br label %col
col:
  %j = phi i32 [ 0, %entry ], [ %j.next, %col.end ]
  br label %row
row:
  %i = phi i32 [ 0, %col ], [ %i.next, %row ]
  %acc = phi double [ 0.0, %col ], [ %acc.next, %row ]
  %xp = getelementptr inbounds double, double* %in, i32 %i
  %x = load double, double* %xp
  %ij = mul nsw i32 %i, ${size}
  %widx = add nsw i32 %ij, %j
  %wp = getelementptr inbounds double, double* %w, i32 %widx
  %wv = load double, double* %wp
  %prod = fmul double %x, %wv
  %acc.next = fadd double %acc, %prod
  %i.next = add nsw i32 %i, 1
  %row.more = icmp slt i32 %i.next, ${size}
  br i1 %row.more, label %row, label %col.end
col.end:
  %net = fmul double %acc.next, -${gain}
  %e = call double @exp(double %net)
  %den = fadd double %e, 1.0
  %y = fdiv double 1.0, %den
  %yp = getelementptr inbounds double, double* %out, i32 %j
  store double %y, double* %yp
  %j.next = add nsw i32 %j, 1
  %col.more = icmp slt i32 %j.next, ${size}
  br i1 %col.more, label %col, label %exit
exit:
  ret void
}`);
  }
  const calls: string[] = [];
  for (let k = 0; k < mechanisms; k++) {
    calls.push(`  %in.${k} = getelementptr inbounds double, double* %state, i32 ${k * size}
  %w.${k} = getelementptr inbounds double, double* %weights, i32 ${k * size * size}
  %out.${k} = getelementptr inbounds double, double* %state, i32 ${(k + 1) * size}
  call void @mech_${k}(double* %in.${k}, double* %w.${k}, double* %out.${k})`);
  }
  parts.push(`
define i32 @run(double* %state, double* %weights, i32 %trials) {
entry:
  %none = icmp sle i32 %trials, 0
  br i1 %none, label %exit, label %trial
trial:
  %t = phi i32 [ 0, %entry ], [ %t.next, %trial ]
${calls.join('\n')}
  %t.next = add nsw i32 %t, 1
  %more = icmp slt i32 %t.next, %trials
  br i1 %more, label %trial, label %exit
exit:
  %done = phi i32 [ 0, %entry ], [ %t.next, %trial ]
  ret i32 %done
}`);
  return parts.join('\n');
}

type Run = (state: Float64Array, weights: Float64Array, trials: number) => number;
const RUN_SIG = 'int32 run(double *state, double *weights, int32 trials)';
const MECHANISMS = 20;
const SIZE = 10;

/** Deterministic inputs: state[0..SIZE) and all weights in [-1, 1). */
function runBuffers(): { state: Float64Array; weights: Float64Array } {
  let seed = 12345;
  const next = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 30) - 1;
  const state = new Float64Array((MECHANISMS + 1) * SIZE);
  for (let i = 0; i < SIZE; i++) state[i] = next();
  const weights = Float64Array.from({ length: MECHANISMS * SIZE * SIZE }, next);
  return { state, weights };
}

function expectJitError(f: () => unknown, stage: JitError['stage']): JitError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(JitError);
    expect((e as JitError).stage).toBe(stage);
    return e as JitError;
  }
  throw new Error(`expected a ${stage}-stage JitError, but nothing was thrown`);
}

const open: NativeModule[] = [];
function compile(...args: Parameters<typeof compileIR>): NativeModule {
  const m = compileIR(...args);
  open.push(m);
  return m;
}
afterAll(() => {
  for (const m of open) m.dispose();
});

describe('JIT: LLVM IR text → native functions', () => {
  it('reports the LLVM it runs on and the host CPU', () => {
    expect(llvmVersion()).toMatch(/^14(\.\d+\.\d+)?$/);
    const cpu = hostCPU();
    expect(cpu.name.length).toBeGreaterThan(0);
    expect(cpu.features).toMatch(/^[+-]\w/);
    console.log(`LLVM ${llvmVersion()}, host ${cpu.triple} ${cpu.name}`);
  });

  it('sums a Float64Array passed zero-copy and writes into it', () => {
    const m = compile(SUM_IR);
    const sum = m.fn<(a: Float64Array, n: number) => number>('sum', 'double sum(double *a, int32 n)');
    const a = new Float64Array([0.5, 1.25, -2, 1e10, 0]);
    expect(sum(a, 4)).toBe(0.5 + 1.25 - 2 + 1e10);
    expect(a[4]).toBe(0.5 + 1.25 - 2 + 1e10);
  });

  it('honours subarray offsets of a typed array', () => {
    const m = compile(SUM_IR);
    const sum = m.fn<(a: Float64Array, n: number) => number>('sum', 'double sum(double *a, int32 n)');
    const backing = new Float64Array([100, 1, 2, 3, 0, 100]);
    expect(sum(backing.subarray(1), 3)).toBe(6);
    expect(Array.from(backing)).toEqual([100, 1, 2, 3, 6, 100]);
  });

  it('calls with bound buffers by address, seeing and writing the same memory', () => {
    const m = compile(SUM_IR);
    const sum = m.fn<(a: Float64Array, n: number) => number>('sum', 'double sum(double *a, int32 n)');
    const backing = new Float64Array([100, 1, 2, 3, 0, 100]);
    const bound = sum.bindBuffers(backing.subarray(1));
    expect(bound(3)).toBe(6);
    expect(backing[4]).toBe(6);
    backing[1] = 10; // later writes from JS are seen: the memory is shared, not copied
    expect(bound(3)).toBe(15);
    expect(backing[4]).toBe(15);
    const whole = new Float64Array([1, 2, 0]);
    expect(sum.bindBuffers(whole.buffer)(2)).toBe(3);
    expect(whole[2]).toBe(3);
  });

  it('refuses to call a bound function whose buffer was detached', () => {
    const m = compile(SUM_IR);
    const sum = m.fn<(a: Float64Array, n: number) => number>('sum', 'double sum(double *a, int32 n)');
    const a = new Float64Array(4);
    const bound = sum.bindBuffers(a);
    structuredClone(a.buffer, { transfer: [a.buffer] });
    expectJitError(() => bound(3), 'call');
    expect(() => sum.bindBuffers(new Float64Array(0))).toThrow(TypeError);
  });

  it('resolves exp and log from libm, bit-identical to glibc called directly', () => {
    const m = compile(LIBM_IR);
    const jitLog = m.fn<(x: number) => number>('jit_log', 'double jit_log(double x)');
    const jitExp = m.fn<(x: number) => number>('jit_exp', 'double jit_exp(double x)');
    const x = 0.7111917696952796;
    expect(jitLog(x)).toBe(-0.34081316726886374);
    expect(jitLog(x)).not.toBe(Math.log(x)); // V8's log differs in the last bit here
    for (const v of [x, 1e-300, 0.1, 1, 2.5, 709.7, 1234.5678]) expect(jitLog(v)).toBe(glibcLog(v));
    for (const v of [x, -745, -1, 0, 0.1, 1, 3.3, 709.7]) expect(jitExp(v)).toBe(glibcExp(v));
  });

  it('gives bit-identical results at O0 and O2', () => {
    const results = ([0, 2] as const).map((optLevel) => {
      const m = compile(twentyMechanismsIR(), { optLevel });
      const run = m.fn<Run>('run', RUN_SIG);
      const { state, weights } = runBuffers();
      expect(run(state, weights, 3)).toBe(3);
      return state;
    });
    expect(results[0]!.slice(SIZE).every((v) => v > 0 && v < 1)).toBe(true);
    expect(Array.from(results[1]!)).toEqual(Array.from(results[0]!));
  });

  it('rejects malformed IR at the parse stage with LLVM\'s line and column', () => {
    const ir = 'define i32 @f() {\nentry:\n  %a = bogus i32 1, 2\n  ret i32 %a\n}\n';
    const e = expectJitError(() => compileIR(ir, { name: 'broken.ll' }), 'parse');
    expect(e.llvmMessage).toMatch(/^broken\.ll:3:8: error: expected instruction opcode/);
  });

  it('rejects IR that fails verification at the verify stage', () => {
    const ir = 'define i32 @f() {\nentry:\n  %a = add i32 %b, 1\n  %b = add i32 %a, 1\n  ret i32 %a\n}\n';
    const e = expectJitError(() => compileIR(ir), 'verify');
    expect(e.llvmMessage).toContain('Instruction does not dominate all uses!');
  });

  it('names an unresolved external function at the jit stage', () => {
    const ir = 'declare double @no_such_fn(double)\ndefine double @g(double %x) {\n  %r = call double @no_such_fn(double %x)\n  ret double %r\n}\n';
    const e = expectJitError(() => compileIR(ir), 'jit');
    expect(e.llvmMessage).toContain('Symbols not found: [ no_such_fn ]');
  });

  it('fails a lookup of a function the module does not define at the lookup stage', () => {
    const m = compile(SUM_IR);
    const e = expectJitError(() => m.fn('not_there', 'void not_there()'), 'lookup');
    expect(e.llvmMessage).toContain('not_there');
    expect(e.llvmMessage).toContain('sum');
  });

  it('refuses a signature whose parameters differ from the IR function', () => {
    const m = compile(SUM_IR);
    const e = expectJitError(() => m.fn('sum', 'double sum(double *a, double n)'), 'lookup');
    expect(e.llvmMessage).toContain('f64 @sum(ptr, i32)');
    expectJitError(() => m.fn('sum', 'double sum(double *a)'), 'lookup');
    expectJitError(() => m.fn('sum', 'int32 sum(double *a, int32 n)'), 'lookup');
  });

  it('refuses calls, async calls and lookups after dispose', () => {
    const m = compileIR(SUM_IR);
    const sum = m.fn<(a: Float64Array, n: number) => number>('sum', 'double sum(double *a, int32 n)');
    const bound = sum.bindBuffers(new Float64Array(2));
    m.dispose();
    m.dispose();
    expect(m.disposed).toBe(true);
    expectJitError(() => sum(new Float64Array(2), 1), 'call');
    expectJitError(() => bound(1), 'call');
    expectJitError(() => sum.async(new Float64Array(2), 1, () => undefined), 'call');
    expectJitError(() => m.fn('sum', 'double sum(double *a, int32 n)'), 'call');
  });

  it('runs asynchronously without blocking the event loop, writing into the buffers', async () => {
    const m = compile(twentyMechanismsIR(), { optLevel: 2 });
    const run = m.fn<Run>('run', RUN_SIG);
    const { state, weights } = runBuffers();
    const expected = runBuffers();
    // enough native work (tens of ms) that the event loop turns while it runs, even on a loaded machine
    const TRIALS = 100_000;
    run(expected.state, expected.weights, TRIALS);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      if (!finished) setImmediate(tick);
    };
    let finished = false;
    setImmediate(tick);
    const trials = await run.callAsync(state, weights, TRIALS);
    finished = true;
    expect(trials).toBe(TRIALS);
    expect(ticks).toBeGreaterThan(0);
    expect(Array.from(state)).toEqual(Array.from(expected.state));
  });

  it('defers freeing the code until an in-flight async call returns', async () => {
    const m = compileIR(twentyMechanismsIR(), { optLevel: 0 });
    const run = m.fn<Run>('run', RUN_SIG);
    const { state, weights } = runBuffers();
    const pending = run.callAsync(state, weights, 500);
    m.dispose();
    expectJitError(() => run(state, weights, 1), 'call');
    expect(await pending).toBe(500);
  });

  it('returns the optimised IR on request, and from optimizeIR without building machine code', () => {
    const m = compile(SUM_IR, { optLevel: 2, emitOptimizedIR: true });
    expect(m.optimizedIR).toContain('define double @sum(');
    expect(m.optimizedIR).toContain('target datalayout');
    expect(compile(SUM_IR).optimizedIR).toBeUndefined();
    const { ir, timings } = optimizeIR(twentyMechanismsIR(), { optLevel: 2 });
    expect(ir).toContain('define i32 @run(');
    expect(timings.optimize_ms).toBeGreaterThan(0);
  });

  it('measures per-stage compile time of a 20-function module at O0 and O2', () => {
    const ir = twentyMechanismsIR();
    for (const optLevel of [0, 2] as const) {
      compileIR(ir, { optLevel }).dispose(); // warm-up
      const samples = Array.from({ length: 5 }, () => {
        const m = compileIR(ir, { optLevel });
        const t = m.timings;
        m.dispose();
        return t;
      });
      const median = (k: keyof (typeof samples)[number]): string =>
        samples.map((s) => s[k]).sort((a, b) => a - b)[2]!.toFixed(2);
      console.log(
        `O${optLevel} (${MECHANISMS} functions, ${Buffer.byteLength(ir)} B IR), median of 5 ms: parse ${median('ir_parse_ms')}, ` +
          `verify ${median('verify_ms')}, optimize ${median('optimize_ms')}, machine code ${median('machine_code_ms')}, ` +
          `total ${median('total_ms')}`,
      );
    }
  });

  it('measures the cost of calling a trivial JIT function through koffi', () => {
    const m = compile(`
define double @twice(double %x) {
  %r = fmul double %x, 2.0
  ret double %r
}
define void @touch(double* %p, double* %q) {
  %v = load double, double* %p
  %w = fadd double %v, 1.0
  store double %w, double* %q
  ret void
}`);
    const twice = m.fn<(x: number) => number>('twice', 'double twice(double x)');
    const touch = m.fn<(p: Float64Array, q: Float64Array) => void>('touch', 'void touch(double *p, double *q)');
    const p = new Float64Array(16);
    const q = new Float64Array(16);
    const bound = touch.bindBuffers(p, q);
    const n = 300_000;
    /** Best of 3 rounds, in ns per call (the machine is shared: the minimum is the cost). */
    const perCall = (f: (i: number) => unknown): number => {
      for (let i = 0; i < 20_000; i++) f(i);
      let best = Infinity;
      for (let round = 0; round < 3; round++) {
        const t = performance.now();
        for (let i = 0; i < n; i++) f(i);
        best = Math.min(best, ((performance.now() - t) * 1e6) / n);
      }
      return best;
    };
    let acc = 0;
    const scalarNs = perCall((i) => (acc += twice(i)));
    const typedNs = perCall(() => touch(p, q));
    const boundNs = perCall(() => bound());
    expect(twice(21)).toBe(42);
    expect(acc).toBeGreaterThan(0);
    expect(q[0]).toBe(1);
    console.log(
      `call overhead: double(double) ${scalarNs.toFixed(0)} ns, void(double*, double*) with Float64Arrays ` +
        `${typedNs.toFixed(0)} ns, the same with bound buffers ${boundNs.toFixed(0)} ns`,
    );
  });

  it('completes 200 compile/dispose cycles', () => {
    const ir = twentyMechanismsIR();
    const { state, weights } = runBuffers();
    const cycle = (): void => {
      const m = compileIR(ir, { optLevel: 0 });
      m.fn<Run>('run', RUN_SIG)(state, weights, 1);
      m.dispose();
    };
    for (let i = 0; i < 50; i++) cycle(); // allocator warm-up
    /** RSS, and RSS outside the V8 heap (native memory: LLVM, machine code, koffi). */
    const sample = (): [number, number] => {
      const u = process.memoryUsage();
      return [u.rss, u.rss - u.heapTotal];
    };
    const samples = [sample()];
    const t = performance.now();
    for (let half = 0; half < 2; half++) {
      for (let i = 0; i < 100; i++) cycle();
      samples.push(sample());
    }
    const ms = performance.now() - t;
    const mb = (k: 0 | 1, a: number, b: number): string => ((samples[b]![k] - samples[a]![k]) / 2 ** 20).toFixed(1);
    console.log(
      `200 compile/dispose cycles (O0, ${MECHANISMS} functions): ${(ms / 200).toFixed(1)} ms each; RSS growth ` +
        `${mb(0, 0, 2)} MB (second 100: ${mb(0, 1, 2)} MB), outside the V8 heap ${mb(1, 0, 2)} MB (second 100: ${mb(1, 1, 2)} MB)`,
    );
    expect(state[MECHANISMS * SIZE]).toBeGreaterThan(0);
  });
});
