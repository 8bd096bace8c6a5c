/**
 * Tiered compilation (real JIT): O0 code runs at once, O2 code built in the background replaces
 * it between blocks. O0 and O2 give bit-identical results on every bench and public reference
 * model, a run that switches mid-run equals a pure O2 run bit for bit (LLVMRun, LLVMExec, LLVM;
 * a controller; run-time parameters), and a session disposed or an O2 compile failing while it
 * builds leaves everything working.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sentinel } from '../src-main/compiler/codegen/controlled-params.js';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { backgroundCompiles, flushObjectCacheWrites, optimizeIR } from '../src-main/compiler/jit/index.js';
import { UNSUPPORTED_YET, buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { prepareInputs } from '../src-main/engine/inputs.js';
import { compileComposition, type CompiledMode, type CompiledModel, type OptChoice } from '../src-main/runtime/compiled.js';
import { backgroundFaults, machineCodeStats } from '../src-main/runtime/machine-code.js';
import { ModelSession } from '../src-main/runtime/run-model.js';
import { createRunner } from '../src-main/runtime/runners.js';
import { objectCacheOffForThisFile } from './object-cache-off.js';
import { model as ocmModel } from './ocm-models.js';
import { REPO_ROOT, readReferenceJson, referenceCaseFiles } from './shared-files.js';

type Json = Record<string, unknown>;

// no object cache unless a test sets one: every compile here is real
objectCacheOffForThisFile();
const cacheDir = mkdtempSync(join(tmpdir(), 'cogstudio-tiered-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const readModel = (file: string): Json => JSON.parse(readFileSync(join(REPO_ROOT, file), 'utf8')) as Json;
const BENCH = readdirSync(join(REPO_ROOT, 'bench/models')).filter((f) => f.endsWith('.cogmodel.json')).sort();
const STROOP = readModel('bench/models/stroop.cogmodel.json');

let uniq = 0;
/** The model under a name no cache has seen (the name is the IR module's ID), so each compile is real. */
const fresh = (m: Json): Json => ({ ...m, name: `${typeof m.name === 'string' ? m.name : 'model'}_tier${++uniq}` });

interface Flat {
  results: Float64Array;
  nodeValues: Float64Array;
}

/** Equal bit for bit (NaN payloads and signed zeros included); the first difference is named. */
function expectSameBits(a: Float64Array, b: Float64Array, what: string): void {
  expect(a.length, `${what}: length`).toBe(b.length);
  const ua = new BigUint64Array(a.buffer, a.byteOffset, a.length);
  const ub = new BigUint64Array(b.buffer, b.byteOffset, b.length);
  const i = ua.findIndex((v, k) => v !== ub[k]);
  expect(i, i < 0 ? what : `${what}: element ${i} is ${a[i]} vs ${b[i]}`).toBe(-1);
}

/**
 * Runs `numTrials` trials on `compiled` through the runner of its mode, block by block; after
 * `split` trials it waits for the O2 code (when `split` is given). Returns the flat results and
 * node values, and the trial the runner switched code at.
 */
async function runBlocks(session: ModelSession, compiled: CompiledModel, numTrials: number, split?: number): Promise<Flat & { switchedAt: number | null }> {
  const comp = session.comp;
  const inputs = prepareInputs(comp, comp.run.inputs, 'run.inputs');
  const runner = createRunner(session.ctx, { numTrials, inputs, recordNodeValues: true }, compiled);
  const results: number[] = [];
  const nodeValues: number[] = [];
  const take = (upTo: number) => {
    while (!runner.finished && runner.trialsDone < upTo) {
      const b = runner.nextBlock(upTo - runner.trialsDone, Infinity);
      results.push(...b.results);
      nodeValues.push(...b.nodeValues!);
    }
  };
  try {
    if (split !== undefined) {
      take(split);
      expect(compiled.optLevel, 'still on the O0 code before the wait').toBe(0);
      await compiled.upgraded;
      expect(compiled.optLevel, 'the O2 code is in').toBe(2);
    }
    take(numTrials);
  } finally {
    runner.close();
  }
  expect(runner.trialsDone).toBe(numTrials);
  return { results: Float64Array.from(results), nodeValues: Float64Array.from(nodeValues), switchedAt: runner.codeSwitchedAt };
}

/** A whole run at one level (or tiered, switching after `split` trials) in a fresh session. */
async function runAt(m: Json, mode: CompiledMode, optLevel: OptChoice, numTrials: number, split?: number, prepare?: (c: CompiledModel) => void): Promise<Flat & { switchedAt: number | null; compiled: CompiledModel }> {
  const session = new ModelSession(m as ModelLike);
  try {
    const choice = session.choose(mode, optLevel);
    expect(choice.executed).toBe(mode);
    const compiled = choice.compiled!;
    prepare?.(compiled);
    return { ...(await runBlocks(session, compiled, numTrials, split)), compiled };
  } finally {
    session.dispose();
  }
}

/** A mid-run switch from O0 to O2 gives exactly the pure O2 run, and the runner says where it switched. */
async function expectSwitchEqualsO2(m: Json, mode: CompiledMode, numTrials: number, split: number, prepare?: (c: CompiledModel) => void): Promise<void> {
  const tiered = await runAt(fresh(m), mode, 'tiered', numTrials, split, prepare);
  expect(tiered.switchedAt).toBe(split);
  expect(tiered.compiled.diagnostics.tiers?.o2_ready_ms).toBeGreaterThan(0);
  expect(tiered.compiled.diagnostics.opt_level).toBe(0);
  const o2 = await runAt(fresh(m), mode, 2, numTrials, undefined, prepare);
  expect(o2.switchedAt).toBeNull();
  expectSameBits(tiered.results, o2.results, `${mode} results`);
  expectSameBits(tiered.nodeValues, o2.nodeValues, `${mode} node values`);
}

/** O0 and O2 runs of a model (Auto's choice of mode, and LLVM mode) agree bit for bit. */
function expectO0EqualsO2(m: Json, numTrials: number | undefined, modes: ('Auto' | 'LLVM')[]): void {
  for (const mode of modes) {
    const outs = ([0, 2] as const).map((optLevel) => {
      const s = new ModelSession(fresh(m) as ModelLike);
      try {
        return s.run({ mode, optLevel, recordNodeValues: true, ...(numTrials ? { numTrials } : {}) });
      } finally {
        s.dispose();
      }
    });
    const [o0, o2] = outs as [(typeof outs)[0], (typeof outs)[0]];
    if (o0.executed_mode === 'Interpreted') continue;
    expect(o0.compile?.opt_level).toBe(0);
    expect(o2.compile?.opt_level).toBe(2);
    expectSameBits(o0.flat.results, o2.flat.results, `${String(m.name)} ${o0.executed_mode} results`);
    for (const node of Object.keys(o2.node_values!)) {
      expectSameBits(Float64Array.from(o0.node_values![node]!.flat(2)), Float64Array.from(o2.node_values![node]!.flat(2)), `${String(m.name)} ${o0.executed_mode} ${node}`);
    }
  }
}

describe('O0 and O2 machine code give bit-identical results', () => {
  for (const file of BENCH) {
    // the two big scaling models: a few trials (their compile dominates), Auto only
    const big = /chain_200|layers_100/.test(file);
    it(`bench model ${file}`, () => expectO0EqualsO2(readModel(`bench/models/${file}`), big ? 3 : undefined, big ? ['Auto'] : ['Auto', 'LLVM']));
  }
  for (const file of referenceCaseFiles()) {
    const c = readReferenceJson<{ name: string; model: Json & { nodes: Record<string, { type: string }> } }>(file);
    if (Object.values(c.model.nodes).some((n) => UNSUPPORTED_YET[n.type])) continue;
    it(`reference model ${c.name}`, () => expectO0EqualsO2(c.model, undefined, ['Auto', 'LLVM']));
  }
});

describe('no fast-math anywhere', () => {
  /** Fast-math flags on a floating-point instruction or call, fmuladd (contractible), or unsafe-math function attributes. */
  const UNSAFE = /\b(?:fadd|fsub|fmul|fdiv|frem|fneg|fcmp|call|select|phi)\s+(?:nnan|ninf|nsz|arcp|contract|afn|reassoc|fast)\b|llvm\.fmuladd|"(?:unsafe-fp-math|no-nans-fp-math|no-infs-fp-math|no-signed-zeros-fp-math|approx-func-fp-math)"="true"/;

  for (const file of BENCH.filter((f) => !/chain_200|layers_100/.test(f))) {
    it(`the generated and the O2-optimised IR of ${file}`, () => {
      for (const withScheduler of [true, false]) {
        const ir = generateModule(buildComposition(readModel(`bench/models/${file}`) as ModelLike), { withScheduler }).ir.print();
        expect(ir).not.toMatch(UNSAFE);
        expect(optimizeIR(ir, { optLevel: 2 }).ir).not.toMatch(UNSAFE);
      }
    });
  }

  it('the pattern finds what it looks for', () => {
    expect('  %x = fmul fast double %a, %b').toMatch(UNSAFE);
    expect('  %y = call nnan double @exp(double %a)').toMatch(UNSAFE);
    expect('  %z = fmul double %a, %b').not.toMatch(UNSAFE);
  });
});

describe('a run switching from O0 to O2 mid-run equals a pure O2 run', () => {
  for (const mode of ['LLVMRun', 'LLVMExec', 'LLVM'] as const) {
    it(`Stroop in ${mode}`, async () => expectSwitchEqualsO2(STROOP, mode, 40, 7));
  }

  for (const mode of ['LLVMRun', 'LLVMExec', 'LLVM'] as const) {
    it(`a model with an OCM controller in ${mode}; the controller's thread settings follow the swap`, async () => {
      const m = ocmModel({ inputs: [1.2, -0.4, 0.7, 2.1, 0.3, 1.6] });
      // at most 2 threads, used from the first execution on: set before the swap, still in force after it
      await expectSwitchEqualsO2(m, mode, 6, 2, (c) => c.setControllerThreads!(2, 1, 0));
      const s = new ModelSession(fresh(m) as ModelLike);
      try {
        const compiled = s.choose(mode, 'tiered').compiled!;
        compiled.setControllerThreads!(3, 1, 0);
        await compiled.upgraded;
        expect(compiled.optLevel).toBe(2);
        s.run({ mode, optLevel: 'tiered' });
        expect(compiled.controllerThreadsUsed!()).toBe(3);
      } finally {
        s.dispose();
      }
    });
  }

  it('run-time parameters (a sweep compiled once) set before the swap are in the O2 code too', async () => {
    const ddm = readModel('examples/ddm_integrator.cogmodel.json') as Json & { nodes: { DECISION: { function: Json } } };
    const withRate = (rate: number): Json => {
      const m = structuredClone(ddm);
      m.nodes.DECISION.function.rate = rate;
      return m;
    };
    const sentinels = [sentinel(0, 'sweep')];
    const run = async (optLevel: OptChoice, split?: number) => {
      // the code: built once with the sentinel; the point (rate 1.3) runs in its own context
      const compiled = compileComposition(buildComposition(fresh(withRate(sentinels[0]!)) as ModelLike), 'LLVMRun', optLevel, { sentinels });
      compiled.setRuntimeParams!(Float64Array.of(1.3));
      const point = new ModelSession(withRate(1.3) as ModelLike);
      try {
        return await runBlocks(point, compiled, 30, split);
      } finally {
        compiled.release();
      }
    };
    const tiered = await run('tiered', 5);
    expect(tiered.switchedAt).toBe(5);
    const o2 = await run(2);
    expectSameBits(tiered.results, o2.results, 'results');
    expectSameBits(tiered.nodeValues, o2.nodeValues, 'node values');
    // and it is the point's own program: a plain O2 run of the point gives the same bits
    const plain = new ModelSession(withRate(1.3) as ModelLike);
    try {
      const out = plain.run({ mode: 'LLVMRun', optLevel: 2, numTrials: 30 });
      expectSameBits(tiered.results, out.flat.results, 'vs the point compiled on its own');
    } finally {
      plain.dispose();
    }
  });
});

describe('tiered compile lifecycle', () => {
  it('a later compile of the same model starts with the O2 code (no O0 step): from memory, and in another process from the disk cache', async () => {
    const m = fresh(STROOP);
    process.env['COGSTUDIO_OBJECT_CACHE'] = cacheDir;
    try {
      const first = new ModelSession(m as ModelLike);
      const c1 = first.choose('LLVMRun', 'tiered').compiled!;
      expect(c1.optLevel).toBe(0);
      expect(c1.diagnostics.tiers?.o0_ms).toBeGreaterThan(0);
      await c1.upgraded;
      expect(c1.optLevel).toBe(2);
      first.dispose();
    } finally {
      process.env['COGSTUDIO_OBJECT_CACHE'] = 'off';
    }
    const again = new ModelSession(m as ModelLike);
    try {
      const c2 = again.choose('LLVMRun', 'tiered').compiled!;
      expect(c2.optLevel).toBe(2);
      expect(c2.upgraded).toBeNull();
      expect(c2.diagnostics.tiers).toBeUndefined();
      expect(c2.diagnostics.cache).toBe('hit');
    } finally {
      again.dispose();
    }
    // a fresh process finds the O2 object the background compile stored (written after it returned)
    flushObjectCacheWrites();
    const child = join(cacheDir, 'child.ts');
    writeFileSync(
      child,
      `import { ModelSession } from ${JSON.stringify(join(REPO_ROOT, 'src-main/runtime/run-model.js'))};
const s = new ModelSession(JSON.parse(process.argv[2]));
const c = s.choose('LLVMRun', 'tiered').compiled;
console.log(JSON.stringify({ level: c.optLevel, upgrading: c.upgraded !== null, cache: c.diagnostics.cache }));
s.dispose();
`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', child, JSON.stringify(m)], { cwd: REPO_ROOT, env: { ...process.env, COGSTUDIO_OBJECT_CACHE: cacheDir }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ level: 2, upgrading: false, cache: 'disk' });
  });

  it('an O2 request in the same session, once the O2 code is in, shares it (no second code generation)', async () => {
    const s = new ModelSession(fresh(STROOP) as ModelLike);
    try {
      const tiered = s.choose('LLVMRun', 'tiered').compiled!;
      expect(tiered.optLevel).toBe(0);
      await tiered.upgraded;
      const exec = s.choose('LLVMExec', 2).compiled!;
      expect(exec.optLevel).toBe(2);
      expect(exec.native).toBe(tiered.native);
      expect(exec.generated).toBe(tiered.generated);
      expect(exec.diagnostics.cache).toBe('hit');
    } finally {
      s.dispose();
    }
  });

  it('a session disposed while its O2 code builds: no crash; the O2 code, when it arrives, is kept for a later run and the O0 code freed', async () => {
    const m = fresh(STROOP);
    const s = new ModelSession(m as ModelLike);
    const compiled = s.choose('LLVMRun', 'tiered').compiled!;
    const o0 = compiled.native;
    const upgraded = compiled.upgraded!;
    expect(s.run({ mode: 'LLVMRun', optLevel: 'tiered', numTrials: 3 }).trials).toBe(3);
    s.dispose();
    await upgraded; // settles at once: the session no longer waits
    expect(machineCodeStats().pending).toBe(1);
    // the compile goes on; its code arrives with nobody waiting
    while (machineCodeStats().pending > 0) await new Promise((r) => setTimeout(r, 5));
    expect(backgroundCompiles()).toEqual({ running: 0, waiting: 0 });
    // the disposed session's code was never swapped; its O0 code, unused, went when the O2 code came
    expect(compiled.optLevel).toBe(0);
    expect(o0.disposed).toBe(true);
    const later = new ModelSession(m as ModelLike);
    try {
      const c = later.choose('LLVMRun', 'tiered').compiled!;
      expect(c.optLevel).toBe(2);
      expect(later.run({ mode: 'LLVMRun', optLevel: 'tiered', numTrials: 3 }).trials).toBe(3);
    } finally {
      later.dispose();
    }
  });

  it('the replaced O0 code is freed once its run has moved to the O2 code', async () => {
    const s = new ModelSession(fresh(STROOP) as ModelLike);
    try {
      const compiled = s.choose('LLVMExec', 'tiered').compiled!;
      const o0 = compiled.native;
      await compiled.upgraded;
      expect(o0.disposed).toBe(true);
      expect(compiled.native.disposed).toBe(false);
      expect(s.run({ mode: 'LLVMExec', optLevel: 'tiered', numTrials: 2 }).trials).toBe(2);
    } finally {
      s.dispose();
    }
  });

  it('a background O2 compile that fails leaves the O0 code running, with the reason in the diagnostics', async () => {
    backgroundFaults.rewriteIR = () => 'this is not LLVM IR\n'; // handed as text: LLVM cannot parse it
    const s = new ModelSession(fresh(STROOP) as ModelLike);
    try {
      const compiled = s.choose('LLVMRun', 'tiered').compiled!;
      backgroundFaults.rewriteIR = null;
      const before = s.run({ mode: 'LLVMRun', optLevel: 'tiered', numTrials: 5 });
      await compiled.upgraded;
      expect(compiled.optLevel).toBe(0);
      expect(compiled.diagnostics.tiers?.o2_error).toMatch(/expected top-level entity/);
      s.reset();
      const after = s.run({ mode: 'LLVMRun', optLevel: 'tiered', numTrials: 5 });
      expectSameBits(after.flat.results, before.flat.results, 'the O0 code still runs');
    } finally {
      backgroundFaults.rewriteIR = null;
      s.dispose();
    }
  });
});
