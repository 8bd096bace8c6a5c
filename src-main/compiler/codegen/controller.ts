/**
 * Model-based control, compiled: the composition's OptimizationControlMechanism as generated code,
 * with the semantics of engine/controller.ts (the interpreter) step for step.
 *
 *   controlled nodes — a node whose parameters a control signal modulates reads them at run time
 *     (computed from the OCM's value in the state) when that provably generates each allocation's
 *     code (controlled-params.ts); the parameters that cannot be read so are folded in, the node
 *     compiled once per combination of their signals' allocations (the interpreter's variants:
 *     each signal's default and samples), and its node function dispatches on the OCM's value.
 *     Compile time of bench/ocm.ts's analytical DDM (drift_rate read at run time, threshold
 *     folded in), cold, LLVMRun: 12 points 469 → 394 ms, 100 points 2.1 → 0.93 s, 400 points
 *     6.6 → 2.9 s (now mostly the proof's code generation); with the DriftDiffusionIntegrator
 *     (rate and threshold both read at run time: one code) 0.42 → 0.30, 0.81 → 0.45, 2.6 → 1.2 s.
 *   controller.evaluate(g, state, scratch, shared, maxPasses, trial) — one simulation (a grid point,
 *     or with num_estimates a grid point × estimate, the seed fastest, as the interpreter): copies the
 *     whole state into `scratch` (heap memory of the evaluating thread), applies allocation g,
 *     adds its costs, puts the state features in as inputs, runs the simulation trial(s) over the
 *     copy and writes net_outcome = outcome − Σ max(0, cost) to `shared`. Read-only parameters
 *     (constants in the code) are shared; nothing of the real state is written.
 *   controller.step(state, maxPasses) — one controller execution: state features (in the real
 *     state), every grid point evaluated (split across threads when the previous execution took
 *     long enough for threads to pay off),
 *     GridSearch's choice (ties drawn from its stream in the real state, in grid order, so the
 *     thread count never changes a result; with num_estimates among each grid point's mean over
 *     its estimates, the same additions as the interpreter's: numpyRowSum) and the chosen
 *     allocation written as the OCM's value. A node whose random streams num_estimates seeds
 *     re-seeds them at the start of its code when the RANDOMIZATION_CONTROL_SIGNAL's allocation
 *     differs from their seed (emitReseed; the interpreter's ControllerRuntime.reseed).
 *     The trial function calls it BEFORE the trial's first pass or AFTER the trial ends; the LLVM
 *     (per-node) mode calls it from the TypeScript scheduler.
 *
 * Threads are POSIX threads created by the generated code itself (pthread_create from the
 * process's libc), so the whole run stays one native call in LLVMRun. Each thread gets a
 * contiguous range of grid points and its own scratch; the values land in one array indexed by
 * grid point, and the choice is made afterwards on the calling thread.
 */
import type * as LLVM from 'llvm-bindings';
import type { Composition } from '../../engine/composition.js';
import { allocationChoices, product, type ControlledNode, type ControllerPlan } from '../../engine/controller.js';
import { TS } from '../../scheduler/clock.js';
import { isControlMechanismInstance } from '../../components/mechanisms/ControlMechanism.js';
import { numpyRowSum } from '../../components/mechanisms/ocm-estimates.js';
import { CodegenUnsupported, type CgValue, type Codegen } from './codegen.js';
import { emitControlMechanismStep } from './control-mechanism.js';
import { STATUS } from './composition.js';
import { controlledCode, emitModulated, type ControlledCode } from './controlled-params.js';
import { llvm, sanitize, type IR, type V } from './ir.js';

/**
 * Most compiled variants of one controlled node: each is a copy of the node's code, so compile
 * time grows with them; beyond this Auto runs the model interpreted. Also the most allocation
 * combinations for which reading the parameters at run time is proved (two code generations of
 * the node each), so a node with more combinations always has its variants counted against this.
 */
export const MAX_COMPILED_VARIANTS = 1024;

/** Exported entry points of a model with a controller. */
export const CONTROLLER_SYMBOLS = {
  step: 'controller.step',
  /**
   * (threads, minPointsPerThread, minSerialNs): how many threads a controller execution may use,
   * the fewest grid points per thread, and how long (ns) the previous execution must have taken
   * for threads to be used at all (0: always).
   */
  setThreads: 'controller.set_threads',
  /** The number of threads the last controller execution used. */
  lastThreads: 'controller.last_threads',
} as const;

/** A pointer type (llvm-bindings' Type.getPointerTo is not callable on every type). */
function ptr(ty: LLVM.Type): LLVM.PointerType {
  return llvm().PointerType.get(ty, 0);
}

interface VariantTable {
  global: LLVM.GlobalVariable;
  arrayType: LLVM.ArrayType;
  type: LLVM.FunctionType;
  pointer: LLVM.PointerType;
}

/** A job for one evaluating thread (bytes): state*, shared*, tid, start, stop, maxPasses, trial. */
const JOB = { state: 0, shared: 8, tid: 16, start: 24, stop: 28, maxPasses: 32, trial: 40, bytes: 48 } as const;

export class ControllerCodegen {
  private readonly plan: ControllerPlan;
  private readonly ir: IR;
  private readonly variants = new Map<number, { code: ControlledCode; exec: VariantTable; reset: VariantTable | null }>();
  /** Controlled nodes compiled as one code that reads its modulated parameters from the state. */
  private readonly single = new Map<number, { exec: LLVM.Function; reset: LLVM.Function | null }>();
  /** Codes compiled per controlled node (by name): 1 when its parameters are read at run time. */
  readonly compiledVariants: Record<string, number> = {};
  private libc: Record<'malloc' | 'free' | 'memcpy' | 'create' | 'join' | 'clock', LLVM.FunctionCallee> | null = null;

  constructor(
    private readonly comp: Composition,
    private readonly cg: Codegen,
    /** Nodes whose reset (reset_stateful_function_when) is compiled. */
    withReset: (k: number) => boolean,
  ) {
    this.plan = comp.controller!;
    this.ir = cg.ir;
    for (const c of this.plan.controlled) this.defineVariants(c, withReset(c.node));
  }

  /** The body of node k's function, or null when the node is not the controller's business (its own code follows). */
  emitNode(k: number, variable: CgValue): V | null {
    if (k === this.plan.index) return this.plan.ocm.emit(this.cg, variable);
    this.emitReseed(k);
    const one = this.single.get(k);
    if (one) return this.ir.call(one.exec, [this.cg.state]);
    const v = this.variants.get(k);
    if (!v) return null;
    return this.dispatch(v, v.exec);
  }

  /**
   * num_estimates: node k's random streams take the RANDOMIZATION_CONTROL_SIGNAL's allocation as
   * their seed as the node executes (re-created only when it differs), as ControllerRuntime.reseed.
   */
  private emitReseed(k: number): void {
    const { ir, cg, plan } = this;
    const streams = plan.randomization?.nodes.find((r) => r.node === k)?.streams;
    if (!streams) return;
    const allocation = ir.load(cg.slot(plan.ocm.valueSlots[plan.randomization!.signal]!), 0, 'seed_allocation');
    const seed = ir.b.CreateFPToUI(allocation, ir.i32, ir.name('seed'));
    for (const slot of streams) cg.rng(slot).reseedIfChanged(seed);
  }

  /** Emits node k's reset if it is a controlled node (its variants may reset differently); false otherwise. */
  emitReset(k: number): boolean {
    const one = this.single.get(k);
    if (one?.reset) this.ir.call(one.reset, [this.cg.state]);
    if (one) return one.reset !== null;
    const v = this.variants.get(k);
    if (!v || !v.reset) return false;
    this.dispatch(v, v.reset);
    return true;
  }

  private defineVariants(c: ControlledNode, withReset: boolean): void {
    const { ir, cg, comp } = this;
    const k = c.node;
    const signals = this.plan.ocm.ocm.signals;
    const name = comp.nodeNames[k]!;
    const code = controlledCode(c, c.signals.map((s) => allocationChoices(signals[s]!)), comp.variableSlots[k]!, withReset, MAX_COMPILED_VARIANTS);
    const combos = [...product(code.choices)];
    this.compiledVariants[name] = combos.length;
    if (combos.length > MAX_COMPILED_VARIANTS) {
      throw new CodegenUnsupported(name, 'control of its parameters', `its control signals give ${combos.length} combinations of allocations; at most ${MAX_COMPILED_VARIANTS} are compiled`);
    }
    // parameters read at run time: num(sentinel) computes the modulated value from the OCM's value
    const slots = this.plan.ocm.valueSlots;
    const emitters = new Map([...code.sentinels].map(([s, p]) => [s, () => emitModulated(ir, p, (signal) => ir.load(cg.slot(slots[signal]!), 0, 'allocation'))] as const));
    const symbol = `node.${k}.${sanitize(name)}.variant`;
    const define = (fn: string, ret: LLVM.Type, body: () => void) =>
      ir.define(fn, ret, [['state', ir.i8p]], ([state]) => {
        cg.state = state!;
        ir.withSentinels(emitters, body);
      }, true);
    const exec = combos.map((combo, i) => define(`${symbol}.${i}`, ir.i1, () => ir.ret(code.build(combo).emit(cg, cg.slots(comp.variableSlots[k]!)))));
    const reset = withReset
      ? combos.map((combo, i) =>
          define(`${symbol}.${i}.reset`, ir.void, () => {
            code.build(combo).emitReset(cg);
            ir.ret();
          }),
        )
      : null;
    // a plain ControlMechanism's allocation is any number: only code reading it at run time will do
    if (isControlMechanismInstance(this.plan.ocm) && code.sentinels.size !== c.params.length) {
      throw new CodegenUnsupported(name, 'control by a ControlMechanism', `a controlled parameter (${c.params.map((p) => p.param).join(', ')}) cannot be read at run time`);
    }
    if (combos.length === 1) {
      this.single.set(k, { exec: exec[0]!, reset: reset?.[0] ?? null });
      return;
    }
    this.variants.set(k, { code, exec: this.table(`${symbol}s`, ir.i1, exec), reset: reset && this.table(`${symbol}s.reset`, ir.void, reset) });
  }

  /**
   * The variants as a table of function pointers, called indirectly: a writable, exported table
   * cannot be folded, so no variant is inlined into the node function — and from there into both
   * the trial and the simulation trial. Each variant's code is compiled once.
   */
  private table(name: string, ret: LLVM.Type, fns: LLVM.Function[]): VariantTable {
    const l = this.ir.l;
    const type = l.FunctionType.get(ret, [this.ir.i8p], false);
    const pointer = ptr(type);
    const arrayType = l.ArrayType.get(pointer, fns.length);
    const global = new l.GlobalVariable(this.ir.module, arrayType, false, l.Function.LinkageTypes.ExternalLinkage, l.ConstantArray.get(arrayType, fns), sanitize(name, 96));
    return { global, arrayType, type, pointer };
  }

  /** Calls the variant for the OCM's current value (in cg.state): index = position in the product of choices. */
  private dispatch({ code }: { code: ControlledCode }, table: VariantTable): V {
    const { ir, cg } = this;
    const b = ir.b;
    const slots = this.plan.ocm.valueSlots;
    let index: V = ir.int(0);
    let stride = 1;
    for (let j = code.signals.length - 1; j >= 0; j--) {
      const value = ir.load(cg.slot(slots[code.signals[j]!]!), 0, 'allocation');
      let pos: V = ir.int(0);
      code.choices[j]!.forEach((choice, i) => {
        pos = b.CreateSelect(ir.eq(value, ir.num(choice)), ir.int(i), pos);
      });
      index = b.CreateAdd(index, b.CreateMul(pos, ir.int(stride)));
      stride *= code.choices[j]!.length;
    }
    const slot = b.CreateInBoundsGEP(table.arrayType, table.global, [ir.int(0), index], ir.name('variant'));
    const fn = b.CreateLoad(table.pointer, slot, ir.name('variant_fn'));
    return b.CreateCall(table.type, fn, [cg.state], '');
  }

  private libcFunctions() {
    if (this.libc) return this.libc;
    const { ir } = this;
    const l = ir.l;
    const fn = (name: string, ret: LLVM.Type, params: LLVM.Type[]) => ir.module.getOrInsertFunction(name, l.FunctionType.get(ret, params, false));
    const worker = l.FunctionType.get(ir.i8p, [ir.i8p], false);
    this.libc = {
      malloc: fn('malloc', ir.i8p, [ir.i64]),
      free: fn('free', ir.void, [ir.i8p]),
      memcpy: fn('memcpy', ir.i8p, [ir.i8p, ir.i8p, ir.i64]),
      // pthread_t is an unsigned long on Linux (8 bytes on every 64-bit platform we run on)
      create: fn('pthread_create', ir.i32, [ptr(ir.i64), ir.i8p, ptr(worker), ir.i8p]),
      join: fn('pthread_join', ir.i32, [ir.i64, ptr(ir.i8p)]),
      clock: fn('clock_gettime', ir.i32, [ir.i32, ir.i8p]),
    };
    return this.libc;
  }

  private callC(f: LLVM.FunctionCallee, args: V[], name = ''): V {
    return this.ir.b.CreateCall(f, args, name);
  }

  /**
   * Generates evaluate, the thread worker and step over `simulate` (the trial function without
   * the controller); returns step, which the trial calls BEFORE/AFTER.
   */
  emitStep(simulate: LLVM.Function): LLVM.Function {
    const { ir, cg, comp, plan } = this;
    if (isControlMechanismInstance(plan.ocm)) return emitControlMechanismStep(ir, cg, comp, plan, plan.ocm, CONTROLLER_SYMBOLS);
    const b = ir.b;
    const l = ir.l;
    const c = this.libcFunctions();
    const ocm = plan.ocm;
    const signals = ocm.ocm.signals;
    // simulations (grid points × estimates, the seed fastest); GridSearch chooses among `grid` values
    const evals = ocm.ocm.evaluations;
    const grid = ocm.ocm.gridSize;
    const estimates = plan.randomization?.num ?? 1;
    const stateBytes = comp.layout.byteLength;
    const features = plan.features.map((f) => comp.externalSlots[f.node]![f.port]!);
    // shared block: values[evals] f64, statuses[evals] i32, means[grid] f64 (num_estimates), then the state features (f64)
    const statusAt = evals * 8;
    const meansAt = statusAt + Math.ceil((evals * 4) / 8) * 8;
    const featureAt = meansAt + (plan.randomization ? grid * 8 : 0);
    const featureOffsets: number[] = [];
    let sharedBytes = featureAt;
    for (const slot of features) {
      featureOffsets.push(sharedBytes);
      sharedBytes += slot.length * 8;
    }
    const gridSearch = ocm.ocm.gridSearch;
    if (!gridSearch.emit) throw new CodegenUnsupported(ocm.name, 'GridSearch', 'has no compiled form yet');
    for (const s of signals) {
      for (const [kind, fn] of [['intensity', s.intensityCost], ['adjustment', s.adjustmentCost]] as const) {
        if (fn && !fn.emit) throw new CodegenUnsupported(ocm.name, `${kind}_cost_function ${fn.type} of ${s.name}`, 'has no compiled form yet');
      }
    }
    for (const f of plan.features) {
      if (f.fn && !f.fn.emit) throw new CodegenUnsupported(ocm.name, `state_feature_function ${f.fn.type}`, 'has no compiled form yet');
    }
    const threads = new l.GlobalVariable(ir.module, ir.i32, false, l.Function.LinkageTypes.InternalLinkage, l.ConstantInt.get(ir.i32, 1, true), 'controller.threads');
    const minPoints = new l.GlobalVariable(ir.module, ir.i32, false, l.Function.LinkageTypes.InternalLinkage, l.ConstantInt.get(ir.i32, 1, true), 'controller.min_points');
    const i64Global = (name: string) => new l.GlobalVariable(ir.module, ir.i64, false, l.Function.LinkageTypes.InternalLinkage, l.ConstantInt.get(ir.i64, 0, true), name);
    // evaluation time of the last execution (ns, as if on one thread) and the threshold for threads;
    // a heuristic only: the thread count never changes a result
    const lastNs = i64Global('controller.last_ns');
    const lastThreads = new l.GlobalVariable(ir.module, ir.i32, false, l.Function.LinkageTypes.InternalLinkage, l.ConstantInt.get(ir.i32, 0, true), 'controller.used_threads');
    const minNs = i64Global('controller.min_serial_ns');
    const now = (): V => {
      const ts = ir.alloca(ir.i64, 2, 'timespec');
      this.callC(c.clock, [ir.int(1 /* CLOCK_MONOTONIC */), b.CreateBitCast(ts, ir.i8p)]);
      const at = (i: number) => b.CreateLoad(ir.i64, b.CreateInBoundsGEP(ir.i64, ts, [ir.int(i)]), ir.name('ts'));
      return b.CreateAdd(b.CreateMul(at(0), ir.long(1_000_000_000)), at(1), ir.name('now'));
    };

    /** Writes allocation `a` of signal r as the OCM's value and control signal (in cg.state). */
    const writeAllocation = (r: number, a: V) => {
      ir.store(a, cg.slot(ocm.valueSlots[r]!), 0);
      ir.store(a, cg.slot(ocm.outputPorts[r]!.slot[0]!), 0);
    };
    /** Signal r's allocation at grid point g (itertools.product order: the last signal fastest). */
    const allocationAt = (g: V): V[] => {
      let stride = 1;
      const out: V[] = new Array<V>(signals.length);
      for (let r = signals.length - 1; r >= 0; r--) {
        const n = signals[r]!.samples.length;
        const pos = b.CreateURem(b.CreateUDiv(g, ir.int(stride)), ir.int(n));
        out[r] = ir.load(ir.constArray(`ocm.samples.${r}`, signals[r]!.samples), pos, 'sample');
        stride *= n;
      }
      return out;
    };

    const evaluate = ir.define('controller.evaluate', ir.void, [['g', ir.i32], ['state', ir.i8p], ['scratch', ir.i8p], ['shared', ir.i8p], ['max_passes', ir.i32], ['trial', ir.f64]], ([g, state, scratch, shared, maxPasses, trial]) => {
      callMemcpy(scratch!, state!, stateBytes);
      cg.state = scratch!;
      // each signal's current allocation (the copy's, i.e. the real one), before g's is applied
      const current = signals.map((_, r) => ir.load(cg.slot(ocm.outputPorts[r]!.slot[0]!), 0, 'current'));
      const allocation = allocationAt(g!);
      allocation.forEach((a, r) => writeAllocation(r, a));
      const cost = ir.variable(ir.num(0), 'cost');
      const costIn = ir.alloca(ir.f64, 1, 'cost_in');
      const costOut = ir.alloca(ir.f64, 1, 'cost_out');
      const costOf = (fn: NonNullable<typeof signals[number]['intensityCost']>, x: V): V => {
        ir.store(x, costIn, 0);
        fn.emit!(cg, { rows: [{ ptr: costIn, len: 1 }] }, { rows: [{ ptr: costOut, len: 1 }] });
        return ir.load(costOut, 0, 'cost');
      };
      signals.forEach((s, r) => {
        if (!s.intensityCost && !s.adjustmentCost) return;
        const ic = s.intensityCost ? costOf(s.intensityCost, allocation[r]!) : ir.num(0);
        const ac = s.adjustmentCost ? costOf(s.adjustmentCost, ir.sub(allocation[r]!, current[r]!)) : ir.num(0);
        cost.set(ir.add(cost.get(), ir.max(ir.num(0), ir.add(ic, ac))));
      });
      features.forEach((slot, i) => {
        const src = ir.f64At(shared!, featureOffsets[i]!, 'feature');
        const dst = cg.slot(slot);
        ir.loop(slot.length, (j) => ir.store(ir.load(src, j), dst, j), 'feature');
      });
      ir.store(trial!, cg.slot(comp.counterSlots.time), TS.TRIAL);
      const log = ir.alloca(ir.i32, 1, 'no_log');
      ir.storeI32(ir.int(0), log);
      const status = ir.intVariable(ir.int(0), 'status');
      ir.loop(ocm.ocm.numTrialsPerEstimate, () => {
        ir.ifThen(b.CreateICmpSGE(status.get(), ir.int(0)), () => {
          const st = ir.call(simulate, [scratch!, maxPasses!, log, ir.int(0), log], ir.name('sim_status'));
          ir.ifThen(b.CreateICmpSLT(st, ir.int(0)), () => status.set(st));
        });
      }, 'estimate');
      const outcome = ir.load(cg.slot(comp.nodes[plan.objective]!.outputPorts[0]!.slot[0]!), 0, 'outcome');
      ir.store(ir.sub(outcome, cost.get()), ir.f64At(shared!, 0, 'values'), g!);
      ir.storeI32(status.get(), ir.i32At(shared!, statusAt, 'statuses'), g!);
      ir.ret();
    }, true);

    function callMemcpy(dst: V, src: V, bytes: number): void {
      b.CreateCall(c.memcpy, [dst, src, ir.long(bytes)]);
    }
    const ptrAt = (base: V, offset: number): V => {
      const p = b.CreateInBoundsGEP(ir.i8, base, [ir.long(offset)]);
      return b.CreateBitCast(p, ptr(ir.i8p));
    };

    const worker = ir.define('controller.worker', ir.i8p, [['job', ir.i8p]], ([job]) => {
      const state = b.CreateLoad(ir.i8p, ptrAt(job!, JOB.state), ir.name('state'));
      const shared = b.CreateLoad(ir.i8p, ptrAt(job!, JOB.shared), ir.name('shared'));
      const start = ir.loadI32(ir.i32At(job!, JOB.start));
      const stop = ir.loadI32(ir.i32At(job!, JOB.stop));
      const maxPasses = ir.loadI32(ir.i32At(job!, JOB.maxPasses));
      const trial = ir.load(ir.f64At(job!, JOB.trial));
      const scratch = this.callC(c.malloc, [ir.long(Math.max(8, stateBytes))], ir.name('scratch'));
      ir.ifThen(b.CreateIsNull(scratch), () => {
        const statuses = ir.i32At(shared, statusAt, 'statuses');
        ir.loop(b.CreateSub(stop, start), (i) => ir.storeI32(ir.int(STATUS.OUT_OF_MEMORY), statuses, b.CreateAdd(start, i)), 'oom');
      }, () => {
        ir.loop(b.CreateSub(stop, start), (i) => void ir.call(evaluate, [b.CreateAdd(start, i), state, scratch, shared, maxPasses, trial]), 'point');
        this.callC(c.free, [scratch]);
      });
      ir.ret(l.ConstantPointerNull.get(ir.i8p));
    }, true);

    const step = ir.define(CONTROLLER_SYMBOLS.step, ir.i32, [['state', ir.i8p], ['max_passes', ir.i32]], ([state, maxPasses]) => {
      cg.state = state!;
      const time = ir.load(cg.slot(comp.counterSlots.time), TS.TRIAL, 'trial');
      // AFTER runs once the trial counter moved on: the simulations replay the trial that just ended
      const trial = plan.mode === 'AFTER' ? ir.sub(time, ir.num(1)) : time;
      const shared = this.callC(c.malloc, [ir.long(Math.max(8, sharedBytes))], ir.name('shared'));
      ir.ifThen(b.CreateIsNull(shared), () => {
        ir.ret(ir.int(STATUS.OUT_OF_MEMORY));
        b.SetInsertPoint(ir.block('dead'));
      });
      // state features, in the real state (a state_feature_function integrates across trials)
      plan.features.forEach((f, i) => {
        const input = cg.slots([features[i]!]);
        const out: CgValue = { rows: [{ ptr: ir.f64At(shared, featureOffsets[i]!, 'feature'), len: features[i]!.length }] };
        if (f.fn) f.fn.emit!(cg, input, out);
        else cg.copy(input, out);
      });
      // threads: as many as allowed, each with at least min_points grid points, never more than the grid
      const allowed = b.CreateLoad(ir.i32, threads, ir.name('threads'));
      const perThread = b.CreateLoad(ir.i32, minPoints, ir.name('min_points'));
      const bySize = b.CreateSDiv(ir.int(evals), perThread);
      let count = b.CreateSelect(b.CreateICmpSLT(bySize, allowed), bySize, allowed);
      const worth = b.CreateICmpSGE(b.CreateLoad(ir.i64, lastNs, ir.name('last_ns')), b.CreateLoad(ir.i64, minNs, ir.name('min_ns')));
      count = b.CreateSelect(b.CreateAnd(worth, b.CreateICmpSGT(count, ir.int(1))), count, ir.int(1));
      const began = now();
      b.CreateStore(count, lastThreads);
      const jobs = this.callC(c.malloc, [b.CreateMul(b.CreateSExt(count, ir.i64), ir.long(JOB.bytes))], ir.name('jobs'));
      ir.ifThen(b.CreateIsNull(jobs), () => {
        this.callC(c.free, [shared]);
        ir.ret(ir.int(STATUS.OUT_OF_MEMORY));
        b.SetInsertPoint(ir.block('dead'));
      });
      const jobAt = (t: V) => b.CreateInBoundsGEP(ir.i8, jobs, [b.CreateMul(b.CreateSExt(t, ir.i64), ir.long(JOB.bytes))], ir.name('job'));
      ir.loop(count, (t) => {
        const job = jobAt(t);
        b.CreateStore(state!, ptrAt(job, JOB.state));
        b.CreateStore(shared, ptrAt(job, JOB.shared));
        const range = (u: V) => b.CreateTrunc(b.CreateSDiv(b.CreateMul(b.CreateSExt(u, ir.i64), ir.long(evals)), b.CreateSExt(count, ir.i64)), ir.i32);
        ir.storeI32(range(t), ir.i32At(job, JOB.start));
        ir.storeI32(range(b.CreateAdd(t, ir.int(1))), ir.i32At(job, JOB.stop));
        ir.storeI32(maxPasses!, ir.i32At(job, JOB.maxPasses));
        ir.store(trial, ir.f64At(job, JOB.trial));
        b.CreateStore(ir.long(0), b.CreateBitCast(b.CreateInBoundsGEP(ir.i8, job, [ir.long(JOB.tid)]), ptr(ir.i64)));
      }, 'job');
      // jobs 1.. on new threads (a job whose thread cannot be created runs here), job 0 on this one
      const tidPtr = (t: V) => b.CreateBitCast(b.CreateInBoundsGEP(ir.i8, jobAt(t), [ir.long(JOB.tid)]), ptr(ir.i64));
      ir.loop(b.CreateSub(count, ir.int(1)), (i) => {
        const t = b.CreateAdd(i, ir.int(1));
        const rc = this.callC(c.create, [tidPtr(t), l.ConstantPointerNull.get(ir.i8p), worker, jobAt(t)], ir.name('rc'));
        ir.ifThen(b.CreateICmpNE(rc, ir.int(0)), () => {
          b.CreateStore(ir.long(0), tidPtr(t));
          ir.call(worker, [jobAt(t)]);
        });
      }, 'spawn');
      ir.call(worker, [jobAt(ir.int(0))]);
      ir.loop(b.CreateSub(count, ir.int(1)), (i) => {
        const t = b.CreateAdd(i, ir.int(1));
        const tid = b.CreateLoad(ir.i64, tidPtr(t), ir.name('tid'));
        ir.ifThen(b.CreateICmpNE(tid, ir.long(0)), () => void this.callC(c.join, [tid, l.ConstantPointerNull.get(ptr(ir.i8p))]));
      }, 'join');
      this.callC(c.free, [jobs]);
      b.CreateStore(b.CreateMul(b.CreateSub(now(), began), b.CreateSExt(count, ir.i64)), lastNs);
      // the first failing grid point (in grid order) stops the run, as in the interpreter
      const statuses = ir.i32At(shared, statusAt, 'statuses');
      const failed = ir.intVariable(ir.int(0), 'failed');
      ir.loop(evals, (g) => {
        ir.ifThen(b.CreateICmpEQ(failed.get(), ir.int(0)), () => failed.set(ir.loadI32(statuses, g)));
      }, 'status');
      const result = ir.intVariable(ir.int(0), 'result');
      ir.ifThen(b.CreateICmpSLT(failed.get(), ir.int(0)), () => result.set(failed.get()), () => {
        cg.state = state!;
        const chosen = ir.alloca(ir.f64, 1, 'chosen');
        const values = ir.f64At(shared, 0, 'values');
        let searched = values;
        if (plan.randomization) {
          // each allocation's estimates averaged with the interpreter's additions (numpyRowSum), then / n
          searched = ir.f64At(shared, meansAt, 'means');
          ir.loop(grid, (g) => {
            const base = b.CreateMul(g, ir.int(estimates));
            const sum = numpyRowSum(estimates, { at: (i) => ir.load(values, b.CreateAdd(base, ir.int(i)), 'estimate'), add: (x, y) => ir.add(x, y), zero: () => ir.num(0) });
            ir.store(ir.div(sum, ir.num(estimates)), searched, g);
          }, 'mean');
        }
        gridSearch.emit!(cg, { rows: [{ ptr: searched, len: grid }] }, { rows: [{ ptr: chosen, len: 1 }] });
        // with num_estimates, the chosen allocation's first estimate (seed 1)
        const best = b.CreateMul(b.CreateFPToSI(ir.load(chosen, 0), ir.i32, ir.name('best')), ir.int(estimates));
        allocationAt(best).forEach((a, r) => writeAllocation(r, a));
      });
      this.callC(c.free, [shared]);
      ir.ret(result.get());
    });

    ir.define(CONTROLLER_SYMBOLS.setThreads, ir.void, [['threads', ir.i32], ['min_points', ir.i32], ['min_serial_ns', ir.f64]], ([n, m, ns]) => {
      b.CreateStore(b.CreateSelect(b.CreateICmpSLT(n!, ir.int(1)), ir.int(1), n!), threads);
      b.CreateStore(b.CreateSelect(b.CreateICmpSLT(m!, ir.int(1)), ir.int(1), m!), minPoints);
      b.CreateStore(b.CreateFPToSI(ns!, ir.i64), minNs);
      ir.ret();
    });
    ir.define(CONTROLLER_SYMBOLS.lastThreads, ir.i32, [], () => ir.ret(b.CreateLoad(ir.i32, lastThreads, ir.name('threads'))));
    return step;
  }
}
