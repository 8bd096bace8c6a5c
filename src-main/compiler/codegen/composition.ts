/**
 * Code generation for a whole composition, over the context's state buffer:
 *   node.K(state)    — executes node K from its gathered variable (LLVM mode's unit)
 *   gather.K(state)  — computes node K's variable from external input and projections
 *   trial(state, maxPasses, log, logCap, logLen) — one trial, scheduler included (LLVMExec, as
 *                    trial.exec(state, log, logLen, maxPasses, logCap), whose buffers can be bound);
 *                    with a controller it runs controller.step BEFORE or AFTER (controller.ts)
 *   run(state, inputs, inputLens, firstTrial, ntrials, results, nodeValues, control, maxPasses, log, logCap, logLen)
 *                    — trials firstTrial.. of a run: input cycling, trials, results (LLVMRun; the
 *                      caller begins and ends the run, so a run can be split into batches)
 * The scheduler follows Scheduler.runTrial step for step; counters live in the state buffer.
 * Big models (more than OUT_OF_LINE_SETS consideration sets) call one function per set instead of
 * inlining them into trial(); a set of one node is set.shared.S(…, table), the code of every set
 * that differs only in state offsets and indices, read from its table (defineShared). chain_1000:
 * 5 shared set functions instead of 3000 functions, 1.2 MB of IR instead of 17.7 MB.
 */
import type * as LLVM from 'llvm-bindings';
import type { Composition } from '../../engine/composition.js';
import type { F64Slot } from '../../engine/state.js';
import { TS, useablePairs } from '../../scheduler/clock.js';
import { emitCondition, type ConditionCompiler, type EmitCondition, type EmitConditionContext } from '../../scheduler/conditions.js';
import { Codegen, CodegenUnsupported, type CgValue } from './codegen.js';
import { CONTROLLER_SYMBOLS, ControllerCodegen } from './controller.js';
import { constantEmitters } from './controlled-params.js';
import { IR, UNROLL_MAX, sanitize, type V } from './ir.js';

/** Above this many consideration sets, each set's step is generated as its own (not inlined) function. */
const OUT_OF_LINE_SETS = 8;

/** trial() with its pointer arguments first: (state, log, logLen, maxPasses, logCap). */
export const TRIAL_EXEC = 'trial.exec';

/** Status codes returned by trial() and run() (negative = error). */
export const STATUS = { OK: 0, RUN_TERMINATED: 1, DEADLOCK: -1, MAX_PASSES: -2, CANCELLED: -3, OUT_OF_MEMORY: -4 } as const;

export interface GeneratedModule {
  ir: IR;
  /** Exported function names. */
  names: { node: string[]; gather: string[]; trial: string; run: string; controller?: typeof CONTROLLER_SYMBOLS };
  /** Doubles per trial in the results buffer (all output ports of the output nodes). */
  resultsWidth: number;
  /** Doubles per trial in the node-values buffer (every node's value). */
  nodeValuesWidth: number;
  codegenMs: number;
  /** Codes compiled per controlled node (by name): 1 when it reads its controlled parameters at run time. */
  controlledVariants: Record<string, number>;
}

function nodeSymbol(prefix: string, k: number, name: string): string {
  return `${prefix}.${k}.${sanitize(name)}`;
}

/** Decides compilability without generating code: throws CodegenUnsupported for the first blocker. */
/**
 * Parameters read at run time (a sweep's, sweep/compile-once.ts): the composition was built with
 * parameter i set to `sentinels[i]`, and num(sentinels[i]) emits a load from a module global that
 * RUNTIME_PARAMS_SETTER(double *values) fills — or, given `constants` (a proof build), the constant.
 */
export interface RuntimeParams {
  sentinels: readonly number[];
  constants?: readonly number[];
}

/** The exported function that sets the run-time parameters (RuntimeParams), in sentinel order. */
export const RUNTIME_PARAMS_SETTER = 'runtime_params.set';

/**
 * `forComparison`: a module only to be compared as text with another (a sweep's proof), never
 * compiled — the random draw functions, the same in every module, are declared, not defined.
 */
export function generateModule(comp: Composition, opts: { withScheduler: boolean; runtimeParams?: RuntimeParams; forComparison?: boolean }): GeneratedModule {
  const t0 = performance.now();
  const ir = new IR(`cogstudio.${comp.name}`);
  const rp = opts.runtimeParams;
  const generate = (shareable: boolean) => generateInto(ir, comp, opts.withScheduler, t0, shareable, opts.forComparison === true);
  if (!rp) return generate(true);
  if (rp.constants) return ir.withSentinels(constantEmitters(ir, new Map(rp.sentinels.map((s, i) => [s, rp.constants![i]!]))), () => generate(false));
  const params = ir.globalArray('runtime_params', rp.sentinels.length);
  ir.define(RUNTIME_PARAMS_SETTER, ir.void, [['values', ir.f64p]], ([values]) => {
    rp.sentinels.forEach((_, i) => ir.store(ir.load(values!, i), params, i));
    ir.ret();
  });
  return ir.withSentinels(new Map(rp.sentinels.map((s, i) => [s, () => ir.load(params, i, 'param')])), () => generate(false));
}

function generateInto(ir: IR, comp: Composition, withSchedulerOpt: boolean, t0: number, shareable: boolean, declareOnly: boolean): GeneratedModule {
  const cg = new Codegen(ir, declareOnly);
  const b = ir.b;
  const n = comp.nodes.length;
  const cs = comp.counterSlots;
  // the controller's simulations run the compiled trial, so a model with one always gets the scheduler
  const withScheduler = withSchedulerOpt || comp.controller !== undefined;
  const controller = comp.controller ? new ControllerCodegen(comp, cg, (k) => withScheduler && comp.conditionSpecs.reset[k] !== undefined) : null;

  // ---- per-node execution and input gathering ----------------------------------------------
  // Exported only for LLVM mode: with the scheduler they are internal, so that once inlined into
  // trial() they are not also optimised and compiled a second time as standalone functions.
  const internal = withSchedulerOpt;
  /** Node k's execution, over `c`'s state (the module's code generator, or a scratch one). */
  /** `finished`: the address of the scheduler's finished flag of k (default: its own constant address). */
  const emitNodeBody = (c: Codegen, k: number, finished?: V) => {
    const variable = c.slots(comp.variableSlots[k]!);
    const done = (c === cg ? controller?.emitNode(k, variable) : undefined) ?? comp.nodes[k]!.emit(c, variable);
    c.ir.store(c.ir.select(done, c.ir.num(1), c.ir.num(0)), finished ?? c.f64At(cs.finished.byteOffset + 8 * k, 'finished'));
  };
  /** Defines a function from inside another one's generation: cg.state is the caller's again afterwards. */
  const defineNested = (define: () => LLVM.Function): LLVM.Function => {
    const saved = cg.state;
    try {
      return define();
    } finally {
      cg.state = saved;
    }
  };
  /**
   * Small models call each node's functions once, from trial(): they are inlined before the
   * optimiser runs (`always-inline` heads the pass pipeline), so that it simplifies their code
   * once, inside trial(), instead of once alone and again after the inliner (Stroop: -2 to -6 ms
   * of O2 optimisation, the same run time and the same numbers).
   */
  const inlineEarly = internal && comp.scheduler.queue.length <= OUT_OF_LINE_SETS;
  /** `void kind.k.NAME(i8* state)` with `body` over the module's code generator. */
  const defineNodeLevelFn = (kind: 'node' | 'gather', k: number, body: (c: Codegen, k: number) => void) =>
    defineNested(() => {
      const name = nodeSymbol(kind, k, comp.nodes[k]!.name);
      if (inlineEarly) ir.inlining(name, 'alwaysinline');
      return ir.define(name, ir.void, [['state', ir.i8p]], ([state]) => {
        cg.state = state!;
        body(cg, k);
        ir.ret();
      }, internal);
    });
  const defineNodeFn = (k: number) => defineNodeLevelFn('node', k, emitNodeBody);
  const defineGatherFn = (k: number) => defineNodeLevelFn('gather', k, (c, j) => emitGather(comp, c, j));
  // Big models share set code (sharedSets below) and define these only where a set needs them.
  const shareSets = shareable && withScheduler && comp.controller === undefined && comp.scheduler.queue.length > OUT_OF_LINE_SETS;
  const nodeFnCache: (LLVM.Function | undefined)[] = shareSets ? [] : comp.nodes.map((_, k) => defineNodeFn(k));
  const gatherFnCache: (LLVM.Function | undefined)[] = shareSets ? [] : comp.nodes.map((_, k) => defineGatherFn(k));
  const nodeFn = (k: number) => (nodeFnCache[k] ??= defineNodeFn(k));
  const gatherFn = (k: number) => (gatherFnCache[k] ??= defineGatherFn(k));

  let trialName = '';
  let runName = '';
  const resultSlots = comp.outputNodes.flatMap((k) => comp.nodes[k]!.outputPorts.flatMap((p) => p.slot));
  const resultsWidth = resultSlots.reduce((a, s) => a + s.length, 0);
  const valueSlots = comp.nodes.flatMap((m) => m.valueSlots);
  const nodeValuesWidth = valueSlots.reduce((a, s) => a + s.length, 0);

  if (withScheduler) {
    // Conditions, compiled in the same order as buildComposition compiled them (NWhen slots).
    let nwhen = 0;
    const compiler: ConditionCompiler = {
      node: (name) => comp.nodeNames.indexOf(String(name)),
      // as buildComposition: the controller is not a scheduled node
      allNodes: comp.nodes.map((_, i) => i).filter((i) => i !== comp.controller?.index),
      allocNWhen: () => nwhen++,
      issues: [],
    };
    const need = (spec: unknown, what: string): EmitCondition => {
      const e = emitCondition(spec, compiler);
      if (!e) throw new CodegenUnsupported('scheduler', `condition ${describe(spec)}`, `${what}: this condition has no compiled form yet`);
      return e;
    };
    const specs = comp.conditionSpecs;
    const nodeConds = comp.nodes.map((_, k) => need(specs.nodes[k], `the condition of ${comp.nodeNames[k]}`));
    const trialTerm = need(specs.trial, 'trial termination');
    const runTerm = specs.run === undefined ? null : need(specs.run, 'run termination');
    const resetConds = comp.nodes.map((_, k) => (specs.reset[k] === undefined ? null : need(specs.reset[k], `the reset condition of ${comp.nodeNames[k]}`)));
    const resetFns = comp.nodes.map((m, k) =>
      resetConds[k]
        ? ir.define(nodeSymbol('reset', k, m.name), ir.void, [['state', ir.i8p]], ([state]) => {
            cg.state = state!;
            if (!controller?.emitReset(k)) m.emitReset(cg);
            ir.ret();
          }, true)
        : null,
    );
    // Resets run when their condition holds (a few trials of a run): kept out of line, they are not
    // optimised as part of trial() (Stroop: ~40 lines of IR less in its biggest function per reset).
    comp.nodes.forEach((m, k) => resetFns[k] && ir.inlining(nodeSymbol('reset', k, m.name), 'noinline'));

    /** What conditions read, over the state of the function `c` is generating (relocated in shared code). */
    const conditionContext = (c: Codegen = cg): EmitConditionContext => {
      // one address per element read, on first use (once per function, Codegen.f64At)
      const at = (slot: F64Slot, i: number, hint: string) => c.ir.load(c.f64At(slot.byteOffset + 8 * i, hint), 0, hint);
      return {
        ir: c.ir,
        count: (scale, node) => at(cs.countsTotal, scale * n + node, 'count'),
        useable: (dep, owner) => at(cs.countsUseable, dep * n + owner, 'useable'),
        time: (i) => at(cs.time, i, 'time'),
        justRan: (node) => at(cs.justRan, node, 'just_ran'),
        finished: (node) => at(cs.finished, node, 'finished'),
        nwhen: (slot) => c.f64At(cs.nwhen.byteOffset + 8 * slot, 'nwhen'),
        nodeValue: (node, row, index) => {
          const slot = comp.nodes[node]!.valueSlots[row];
          return slot && index < slot.length ? at(slot, index, 'value') : null;
        },
      };
    };

    // counts_useable pairs some EveryNCalls reads: only those are kept up to date (the others are never read)
    const pairs = useablePairs(specs.nodes, comp.nodeNames);

    // the trial's termination (and the run's), one function called wherever the scheduler checks it
    const terminated = ir.define('trial.terminated', ir.i32, [['state', ir.i8p]], ([state]) => {
      cg.state = state!;
      const e = conditionContext();
      if (!runTerm) {
        ir.ret(b.CreateZExt(trialTerm(e, -1), ir.i32));
        return;
      }
      const r = ir.intVariable(ir.int(1), 'done');
      ir.ifThen(b.CreateNot(trialTerm(e, -1)), () => r.set(b.CreateZExt(runTerm(e, -1), ir.i32)));
      ir.ret(r.get());
    }, true);

    // Big models: each consideration set becomes its own out-of-line function and the termination
    // check stays a call, so that no function grows with the model (optimisation time grows faster
    // than linearly in a function's size). Small models keep everything inlined into trial().
    const outOfLine = comp.scheduler.queue.length > OUT_OF_LINE_SETS;
    if (outOfLine) ir.inlining('trial.terminated', 'noinline');

    const inc = (ptr: V, i: number) => ir.store(ir.add(ir.load(ptr, i), ir.num(1)), ptr, i);
    /** The step log: count, then the nodes of the step — only while it fits (emitted with `x`: the module's builder or a scratch one). */
    const logStep = (log: V, logCap: V, logLen: V, members: { node: number | V; flag: V | null }[], x: IR = ir) => {
      const len = x.loadI32(logLen);
      const count = members.reduce((acc, m) => (m.flag ? x.b.CreateAdd(acc, x.b.CreateZExt(m.flag, x.i32)) : acc), x.int(0));
      x.ifThen(x.b.CreateICmpSLE(x.b.CreateAdd(x.b.CreateAdd(len, count), x.int(1)), logCap), () => {
        x.storeI32(count, log, len);
        const pos = x.intVariable(x.b.CreateAdd(len, x.int(1)), 'logpos');
        for (const m of members) {
          x.ifThen(m.flag!, () => {
            x.storeI32(typeof m.node === 'number' ? x.int(m.node) : m.node, log, pos.get());
            pos.set(x.b.CreateAdd(pos.get(), x.int(1)));
          });
        }
        x.storeI32(pos.get(), logLen);
      });
    };

    /**
     * One consideration set's time step: the cascade of its nodes' conditions, then the nodes
     * that are in (gather all, then execute all) and the step's counters (time[TIME_STEP] counts the step when any ran).
     */
    const queue = comp.scheduler.queue;
    /**
     * Clears just_ran before a step that ran: all of it (set < 0: unknown), else only the members of
     * consideration set `set`, the last step that ran — the only ones it can hold. Big models only.
     */
    const clearJustRan = outOfLine
      ? ir.define('scheduler.clear_just_ran', ir.void, [['state', ir.i8p], ['set', ir.i32]], ([state, set]) => {
          cg.state = state!;
          const justRan = cg.slot(cs.justRan);
          const starts: number[] = [0];
          for (const q of queue) starts.push(starts[starts.length - 1]! + q.length);
          const startsPtr = ir.constI32Array('scheduler.set_starts', starts);
          const membersPtr = ir.constI32Array('scheduler.set_members', queue.flat());
          ir.ifThen(b.CreateICmpSLT(set!, ir.int(0)), () => ir.zero(justRan, 0, n), () => {
            const from = ir.loadI32(startsPtr, set!);
            const to = ir.loadI32(startsPtr, b.CreateAdd(set!, ir.int(1)));
            ir.loop(b.CreateSub(to, from), (i) => ir.store(ir.num(0), justRan, ir.loadI32(membersPtr, b.CreateAdd(from, i))), 'member');
          });
          ir.ret();
        }, true)
      : null;
    // one copy, called from every set's function
    if (clearJustRan) ir.inlining('scheduler.clear_just_ran', 'noinline');

    /** counts_useable cells `node` owns (zeroed when it runs) and counts (incremented), in `pairs` order. */
    const ownedCells = Array.from({ length: n }, (): number[] => []);
    const countedCells = Array.from({ length: n }, (): number[] => []);
    for (const [d, o] of pairs) {
      ownedCells[o]!.push(d * n + o);
      countedCells[d]!.push(d * n + o);
    }
    /** The address of counts_total[i], over `c`'s state (relocated in shared code). */
    const countAt = (c: Codegen, i: number) => c.f64At(cs.countsTotal.byteOffset + 8 * i, 'count');
    const incAt = (c: Codegen, p: V) => c.ir.store(c.ir.add(c.ir.load(p), c.ir.num(1)), p);
    /** SchedulerCounters.recordExecution(k), over `c`'s state. */
    /** `count(s)`: the address of counts_total[s][k] (default: its constant address). */
    const emitRecord = (c: Codegen, k: number, count = (s: number) => countAt(c, s * n + k)) => {
      for (let s = 0; s < 5; s++) incAt(c, count(s));
      // as graph-scheduler: first zero what k had used, then count k for the others
      const cell = (i: number) => c.f64At(cs.countsUseable.byteOffset + 8 * i, 'useable');
      for (const i of ownedCells[k]!) c.ir.store(c.ir.num(0), cell(i));
      for (const i of countedCells[k]!) incAt(c, cell(i));
    };
    /** The start of set `index`'s step: its counts start at zero; within a pass only the previous set's nodes can have any. */
    const emitStepStart = (c: Codegen, index: number) => {
      if (index === 0) c.ir.zero(countAt(c, TS.TIME_STEP * n), 0, n);
      else for (const j of queue[index - 1]!) c.ir.store(c.ir.num(0), countAt(c, TS.TIME_STEP * n + j));
    };

    /**
     * Big models: a consideration set of a single node (not a controller) is set.shared.S(state,
     * log, log_cap, log_len, last_ran, table) — its condition, its node's gather and execution, the
     * step's counters, just_ran, clocks and log — with every state address and index that differs
     * between sets read from its table (Codegen.relocating): one function S for every set whose code
     * is otherwise the same. Sameness is decided on the code itself: each set is generated into a
     * scratch module without value names (LLVM numbers them in order) and the printed texts compared.
     */
    const singletons = shareSets ? queue.flatMap((set, i) => (set.length === 1 && set[0] !== comp.controller?.index ? [i] : [])) : [];
    const setParams: [string, LLVM.Type][] = [['state', ir.i8p], ['log', ir.i32p], ['log_cap', ir.i32], ['log_len', ir.i32p], ['last_ran', ir.i32p], ['table', ir.i32p]];
    const sharedSets = singletons.length ? defineShared(cg, 'set', singletons, setParams, (c, index, [log, logCap, logLen, lastRan]) => {
      const x = c.ir;
      const k = queue[index]![0]!;
      // the scheduler's per-node arrays at k from one table entry (k), the rest of the addresses each from their own
      const kv = c.int32(k, 'node');
      const ofNode = (slot: F64Slot, first: number) => x.at(c.fixedSlot(slot), x.b.CreateAdd(kv, x.int(first)));
      emitStepStart(c, index);
      x.ifThen(nodeConds[k]!(conditionContext(c), k), () => {
        emitGather(comp, c, k);
        emitNodeBody(c, k, ofNode(cs.finished, 0));
        // after the node ran, not before as in a set of several nodes: node code never reads the counters
        emitRecord(c, k, (s) => ofNode(cs.countsTotal, s * n));
        const clear = c === cg ? clearJustRan! : x.module.getOrInsertFunction('scheduler.clear_just_ran', x.l.FunctionType.get(x.void, [x.i8p, x.i32], false));
        x.b.CreateCall(clear as LLVM.Function, [c.state, x.loadI32(lastRan!)]);
        x.storeI32(c.int32(index, 'set'), lastRan!);
        x.store(x.num(1), ofNode(cs.justRan, 0));
        x.store(x.add(x.load(c.fixedSlot(cs.time), TS.TIME_STEP), x.num(1)), c.fixedSlot(cs.time), TS.TIME_STEP);
        x.store(x.add(x.load(c.fixedSlot(cs.time), 4), x.num(1)), c.fixedSlot(cs.time), 4);
        logStep(log!, logCap!, logLen!, [{ node: kv, flag: x.bool(true) }], x);
      });
    }) : null;

    /**
     * Consideration set `index`'s time step (`lastRan`: i32* holding the index of the last set whose
     * step ran, -1 when unknown; big models only).
     */
    const emitSet = (index: number, set: readonly number[], log: V, logCap: V, logLen: V, lastRan: V | null): void => {
      const e = conditionContext();
      const time = cg.slot(cs.time);
      const justRan = cg.slot(cs.justRan);
      emitStepStart(cg, index);
      const flags = new Map(set.map((k) => [k, ir.alloca(ir.i32, 1, `in_step.${k}`)]));
      for (const k of set) ir.storeI32(ir.int(0), flags.get(k)!);
      const consider = (k: number, changed: { set(v: V): void } | null) => {
        ir.ifThen(nodeConds[k]!(e, k), () => {
          ir.storeI32(ir.int(1), flags.get(k)!);
          emitRecord(cg, k);
          changed?.set(ir.int(1));
        });
      };
      if (set.length === 1) {
        // a single node's cascade evaluates its condition exactly once: no loop needed
        consider(set[0]!, null);
      } else {
        const changed = ir.intVariable(ir.int(1), 'changed');
        ir.whileLoop(() => b.CreateICmpNE(changed.get(), ir.int(0)), () => {
          changed.set(ir.int(0));
          for (const k of set) ir.ifThen(b.CreateICmpEQ(ir.loadI32(flags.get(k)!), ir.int(0)), () => consider(k, changed));
        }, 'cascade');
      }
      const inStep = set.map((k) => b.CreateICmpNE(ir.loadI32(flags.get(k)!), ir.int(0)));
      const any = inStep.reduce((a, x) => b.CreateOr(a, x), ir.bool(false));
      ir.ifThen(any, () => {
        set.forEach((k, i) => ir.ifThen(inStep[i]!, () => void ir.call(gatherFn(k), [cg.state])));
        set.forEach((k, i) => ir.ifThen(inStep[i]!, () => void ir.call(nodeFn(k), [cg.state])));
        if (clearJustRan && lastRan) {
          ir.call(clearJustRan, [cg.state, ir.loadI32(lastRan)]);
          ir.storeI32(ir.int(index), lastRan);
        } else {
          ir.zero(justRan, 0, n);
        }
        set.forEach((k, i) => ir.store(ir.select(inStep[i]!, ir.num(1), ir.num(0)), justRan, k));
        inc(time, TS.TIME_STEP);
        inc(time, 4);
        logStep(log, logCap, logLen, set.map((k, i) => ({ node: k, flag: inStep[i]! })));
      });
    };
    const setFns = outOfLine
      ? comp.scheduler.queue.map((set, i) => {
          if (sharedSets?.has(i)) return null;
          const name = `set.${i}`;
          const fn = ir.define(name, ir.void, [['state', ir.i8p], ['log', ir.i32p], ['log_cap', ir.i32], ['log_len', ir.i32p], ['last_ran', ir.i32p]], ([state, log, logCap, logLen, lastRan]) => {
            cg.state = state!;
            emitSet(i, set, log!, logCap!, logLen!, lastRan!);
            ir.ret();
          }, true);
          ir.inlining(name, 'noinline');
          return fn;
        })
      : null;

    trialName = 'trial';
    /** One trial (internal: called by run() and trial.exec); `hook` runs the controller before the first pass or after the trial ended. */
    const defineTrial = (name: string, hook: { mode: 'BEFORE' | 'AFTER'; step: LLVM.Function } | null) => ir.define(name, ir.i32, [['state', ir.i8p], ['max_passes', ir.i32], ['log', ir.i32p], ['log_cap', ir.i32], ['log_len', ir.i32p]], ([state, maxPasses, log, logCap, logLen]) => {
      cg.state = state!;
      const e = conditionContext();
      const total = cg.slot(cs.countsTotal);
      const useable = cg.slot(cs.countsUseable);
      const time = cg.slot(cs.time);
      const justRan = cg.slot(cs.justRan);
      const finished = cg.slot(cs.finished);
      // trial termination, then (only when it does not hold) run termination, as the interpreter's ||
      const done = (): V => b.CreateICmpNE(ir.call(terminated, [state!], ir.name('terminated')), ir.int(0));

      // trial start
      ir.zero(total, TS.TRIAL * n, n);
      for (const [d, o] of pairs) ir.store(ir.num(0), useable, d * n + o);
      ir.store(ir.num(0), time, TS.PASS);
      ir.store(ir.num(0), time, TS.TIME_STEP);
      ir.zero(finished, 0, n);
      resetConds.forEach((cond, k) => {
        if (cond) ir.ifThen(cond(e, k), () => void ir.call(resetFns[k]!, [state!]));
      });
      const passes = ir.intVariable(ir.int(0), 'passes');
      const status = ir.intVariable(ir.int(STATUS.OK), 'status');
      const exit = ir.block('trial.exit');
      if (hook?.mode === 'BEFORE') {
        const st = ir.call(hook.step, [state!, maxPasses!], ir.name('controller'));
        ir.ifThen(b.CreateICmpSLT(st, ir.int(0)), () => {
          status.set(st);
          b.CreateBr(exit);
          b.SetInsertPoint(ir.block('dead'));
        });
      }
      // which set's step ran last (for clearing just_ran): unknown at the start of the trial
      const lastRan = setFns ? ir.alloca(ir.i32, 1, 'last_ran') : null;
      if (lastRan) ir.storeI32(ir.int(-1), lastRan);
      ir.whileLoop(() => b.CreateNot(done()), () => {
        ir.zero(total, TS.PASS * n, n);
        // A step that runs counts itself in time[TIME_STEP], so the pass ran something iff that count
        // moved. (Or-ing each set's result instead makes one phi with an operand per set at the pass's
        // end, which InstCombine takes quadratic time over: 3 s of a 1000-set model's compile.)
        const stepsBefore = ir.load(time, TS.TIME_STEP, 'steps_before');
        const passEnd = ir.block('pass.end');
        comp.scheduler.queue.forEach((set, i) => {
          const cont = ir.block('set');
          b.CreateCondBr(done(), passEnd, cont);
          b.SetInsertPoint(cont);
          const shared = sharedSets?.get(i);
          if (shared) ir.call(shared.fn, [state!, log!, logCap!, logLen!, lastRan!, shared.table]);
          else if (setFns) ir.call(setFns[i]!, [state!, log!, logCap!, logLen!, lastRan!]);
          else emitSet(i, set, log!, logCap!, logLen!, null);
        });
        b.CreateBr(passEnd);
        b.SetInsertPoint(passEnd);
        ir.ifThen(ir.eq(ir.load(time, TS.TIME_STEP, 'steps'), stepsBefore), () => {
          logStep(log!, logCap!, logLen!, []);
          ir.zero(justRan, 0, n);
          inc(time, TS.TIME_STEP);
          inc(time, 4);
          if (!comp.scheduler.timeDependent) {
            ir.ifThen(b.CreateNot(done()), () => {
              status.set(ir.int(STATUS.DEADLOCK));
              b.CreateBr(exit);
              b.SetInsertPoint(ir.block('dead'));
            });
          }
        });
        inc(time, TS.PASS);
        ir.store(ir.num(0), time, TS.TIME_STEP);
        passes.set(b.CreateAdd(passes.get(), ir.int(1)));
        ir.ifThen(b.CreateICmpSGE(passes.get(), maxPasses!), () => {
          ir.ifThen(b.CreateNot(done()), () => {
            status.set(ir.int(STATUS.MAX_PASSES));
            b.CreateBr(exit);
            b.SetInsertPoint(ir.block('dead'));
          });
        });
      }, 'pass');
      inc(time, TS.TRIAL);
      if (runTerm) ir.ifThen(runTerm(e, -1), () => status.set(ir.int(STATUS.RUN_TERMINATED)));
      if (hook?.mode === 'AFTER') {
        const st = ir.call(hook.step, [state!, maxPasses!], ir.name('controller'));
        ir.ifThen(b.CreateICmpSLT(st, ir.int(0)), () => status.set(st));
      }
      b.CreateBr(exit);
      b.SetInsertPoint(exit);
      ir.ret(status.get());
    }, true);

    // the controller simulates with the trial minus the controller (PsyNeuLink's "simulation" variant)
    const trialFn = controller
      ? defineTrial(trialName, { mode: comp.controller!.mode, step: controller.emitStep(defineTrial('trial.simulation', null)) })
      : defineTrial(trialName, null);

    // LLVMExec's entry: trial() with its buffers first, so that the caller can bind them once
    ir.define(TRIAL_EXEC, ir.i32, [['state', ir.i8p], ['log', ir.i32p], ['log_len', ir.i32p], ['max_passes', ir.i32], ['log_cap', ir.i32]], ([state, log, logLen, maxPasses, logCap]) => {
      ir.ret(ir.call(trialFn, [state!, maxPasses!, log!, logCap!, logLen!], ir.name('status')));
    });

    runName = 'run';
    ir.define(runName, ir.i32, [
      ['state', ir.i8p], ['inputs', ir.f64p], ['input_lens', ir.i32p], ['first_trial', ir.i32], ['ntrials', ir.i32], ['results', ir.f64p],
      ['node_values', ir.f64p], ['control', ir.i32p], ['max_passes', ir.i32], ['log', ir.i32p], ['log_cap', ir.i32], ['log_len', ir.i32p],
    ], ([state, inputs, inputLens, firstTrial, ntrials, results, nodeValues, control, maxPasses, log, logCap, logLen]) => {
      cg.state = state!;
      const t = ir.intVariable(firstTrial!, 't');
      const end = b.CreateAdd(firstTrial!, ntrials!);
      const status = ir.intVariable(ir.int(0), 'status');
      const runContext = runTerm ? conditionContext() : null;
      ir.whileLoop(() => b.CreateICmpSLT(t.get(), end), (brk) => {
        // the run's termination is checked before every trial, as the interpreter does
        if (runTerm && runContext) {
          ir.ifThen(runTerm(runContext, -1), () => {
            ir.storeI32(ir.int(1), control!, 2);
            brk();
          });
        }
        // cancel flag
        ir.ifThen(b.CreateICmpNE(ir.loadI32(control!, 0), ir.int(0)), () => {
          status.set(ir.int(STATUS.CANCELLED));
          brk();
        });
        // external inputs, cycling per input node
        let offset: V = ir.int(0);
        comp.inputNodes.forEach((node, k) => {
          const len = ir.loadI32(inputLens!, k);
          const size = comp.nodes[node]!.inputPorts.reduce((a, p) => a + p.size, 0);
          const trialIdx = b.CreateSRem(t.get(), len);
          let at: V = b.CreateAdd(offset, b.CreateMul(trialIdx, ir.int(size)));
          for (const slot of comp.externalSlots[node]!) {
            const dst = cg.slot(slot);
            const base = at;
            ir.loop(slot.length, (i) => ir.store(ir.load(inputs!, b.CreateAdd(base, i)), dst, i), 'input');
            at = b.CreateAdd(at, ir.int(slot.length));
          }
          offset = b.CreateAdd(offset, b.CreateMul(len, ir.int(size)));
        });
        const st = ir.call(trialFn, [state!, maxPasses!, log!, logCap!, logLen!], ir.name('trial_status'));
        // trial boundary marker in the step log
        const ll = ir.loadI32(logLen!);
        ir.ifThen(b.CreateICmpSLT(ll, logCap!), () => {
          ir.storeI32(ir.int(-1), log!, ll);
          ir.storeI32(b.CreateAdd(ll, ir.int(1)), logLen!);
        });
        ir.ifThen(b.CreateICmpSLT(st, ir.int(0)), () => {
          status.set(st);
          brk();
        });
        // results and node values of this trial
        const copyOut = (slots: typeof resultSlots, dst: V, width: number) => {
          if (slots.length > TABLE_COPY_SLOTS) return copySlotsByTable(cg, slots, dst, b.CreateMul(b.CreateSub(t.get(), firstTrial!), ir.int(width)));
          let pos = 0;
          for (const slot of slots) {
            const src = cg.slot(slot);
            const base = b.CreateAdd(b.CreateMul(b.CreateSub(t.get(), firstTrial!), ir.int(width)), ir.int(pos));
            ir.loop(slot.length, (i) => ir.store(ir.load(src, i), dst, b.CreateAdd(base, i)), 'out');
            pos += slot.length;
          }
        };
        copyOut(resultSlots, results!, resultsWidth);
        ir.ifThen(b.CreateIsNotNull(nodeValues!), () => copyOut(valueSlots, nodeValues!, nodeValuesWidth));
        t.set(b.CreateAdd(t.get(), ir.int(1)));
        ir.storeI32(t.get(), control!, 1);
        ir.ifThen(b.CreateICmpEQ(st, ir.int(STATUS.RUN_TERMINATED)), () => {
          ir.storeI32(ir.int(1), control!, 2);
          brk();
        });
      }, 'trials');
      ir.ret(b.CreateSelect(b.CreateICmpSLT(status.get(), ir.int(0)), status.get(), b.CreateSub(t.get(), firstTrial!)));
    });
  }

  return {
    ir,
    names: {
      node: comp.nodes.map((m, k) => nodeSymbol('node', k, m.name)),
      gather: comp.nodes.map((m, k) => nodeSymbol('gather', k, m.name)),
      trial: trialName,
      run: runName,
      controller: controller ? CONTROLLER_SYMBOLS : undefined,
    },
    resultsWidth,
    nodeValuesWidth,
    codegenMs: performance.now() - t0,
    controlledVariants: controller?.compiledVariants ?? {},
  };
}

/**
 * Shared code for `users` (see sharedSets in generateInto): user → the function and the i32* to
 * its table in one constant table. `emit(c, user, args)` emits a user's body over `c` (the
 * module's code generator, or a scratch one without value names whose printed text decides which
 * users share a function: equal texts are the same code up to the table's contents),
 * `args` being the function's parameters after `state` (the table is the last parameter).
 */
function defineShared(cg: Codegen, prefix: string, users: readonly number[], params: [string, LLVM.Type][], emit: (c: Codegen, user: number, args: V[]) => void): Map<number, { fn: LLVM.Function; table: V }> {
  const ir = cg.ir;
  const scratch = new IR('scratch', true);
  const sc = new Codegen(scratch, true);
  // the same parameter types in the scratch module's context
  const typeIn = (x: IR, t: LLVM.Type) => (t === ir.i8p ? x.i8p : t === ir.i32p ? x.i32p : t === ir.i32 ? x.i32 : t === ir.f64p ? x.f64p : x.f64);
  type Kind = { fn: LLVM.Function; name: string; users: number };
  const kinds = new Map<string, Kind>();
  const chosen: { user: number; kind: Kind; table: number[] }[] = [];
  const savedState = cg.state;
  const body = (c: Codegen, user: number, args: V[]) => {
    c.state = args[0]!;
    const table = c.relocating(args[args.length - 1]!, () => emit(c, user, args.slice(1)));
    c.ir.ret();
    return table;
  };
  for (const user of users) {
    let table: number[] = [];
    const candidate = scratch.define(prefix, scratch.void, params.map(([p, t]) => [p, typeIn(scratch, t)]), (args) => void (table = body(sc, user, args)), true);
    const text = scratch.module.print();
    candidate.eraseFromParent();
    const at = text.indexOf(`define internal void @${prefix}(`);
    const key = text.slice(at, text.indexOf('\n}\n', at));
    let kind = kinds.get(key);
    if (!kind) {
      let again: number[] = [];
      const name = `${prefix}.shared.${kinds.size}`;
      const fn = ir.define(name, ir.void, params, (args) => void (again = body(cg, user, args)), true);
      if (again.join() !== table.join()) throw new Error(`internal error: ${prefix} of ${user} reads its table in another order in the module than in the scratch`);
      kind = { fn, name, users: 0 };
      kinds.set(key, kind);
    }
    kind.users++;
    chosen.push({ user, kind, table });
  }
  cg.state = savedState;
  // one code for many users: called, not inlined back into every caller
  for (const kind of kinds.values()) ir.inlining(kind.name, 'noinline');
  const all = ir.constI32Array(`${prefix}.tables`, chosen.flatMap((c) => c.table));
  const out = new Map<number, { fn: LLVM.Function; table: V }>();
  let start = 0;
  for (const c of chosen) {
    out.set(c.user, { fn: c.kind.fn, table: ir.b.CreateInBoundsGEP(ir.i32, all, [ir.int(start)], ir.name('table')) });
    start += c.table.length;
  }
  return out;
}

/** Node k's variable from its external input and afferent projections, over `c`'s state (also a sweep's proof, controlled-params.ts). */
export function emitGather(comp: Composition, c: Codegen, k: number): void {
  const m = comp.nodes[k]!;
  const cir = c.ir;
  const variable = c.slots(comp.variableSlots[k]!);
  const ext = comp.externalSlots[k]!;
  // shared code (Codegen.relocating) must not name anything after the node
  const weights = (name: string) => (c.isRelocating ? 'w' : name);
  variable.rows.forEach((row, p) => {
    const afferents = comp.afferents[k]![p]!;
    // the recurrent product adds to port 0 after its projections (no other row is read or written by it)
    const recurrent = p === 0 ? m.recurrentMatrix : undefined;
    // Products accumulate in a stack array, copied to the state at the end: a stack array aliases
    // nothing, so the optimiser keeps a short row in vector registers across the sender's elements
    // (as a C compiler does with a `restrict` row) instead of loading and storing it per element.
    // Same additions in the same order: the same bits.
    // (Not in shared set code, whose rows are read through tables: measured slower there.)
    const acc = (afferents.length || recurrent) && row.len <= MAX_REGISTER_ROW && !c.isRelocating ? cir.alloca(cir.f64, row.len, 'acc') : row.ptr;
    if (ext.length) {
      const src = c.slot(ext[p]!);
      cir.loop(row.len, (i) => cir.store(cir.load(src, i), acc, i), 'ext');
    } else {
      cir.loop(row.len, (i) => cir.store(cir.num(0), acc, i), 'zero');
    }
    // the row starts at +0.0 unless an external input comes first (it may be -0.0)
    const fromZero = ext.length === 0;
    for (const proj of afferents) {
      const sender = comp.nodes[proj.sender]!.outputPorts[proj.senderPort]!;
      emitAddProduct(c, c.slots(sender.slot), proj.matrix, acc, row.len, weights(`w.${proj.index}`), fromZero);
    }
    if (recurrent) emitAddProduct(c, c.slots(m.outputPorts[0]!.slot), recurrent, acc, row.len, weights(`w.rec.${k}`), fromZero);
    if (acc !== row.ptr) cir.loop(row.len, (i) => cir.store(cir.load(acc, i), row.ptr, i), 'out');
  });
}

/** Above this many slots, run() copies a trial's values out with a loop over a table of (offset, length). */
const TABLE_COPY_SLOTS = 16;

/**
 * dst[at ..] = the slots' doubles back to back, by a loop over a constant table of the slots'
 * (offset in doubles, length): one small loop instead of a load and a store per double, which in a
 * 1000-node model is most of run()'s code and of its compile time. Same values, same order.
 */
function copySlotsByTable(cg: Codegen, slots: readonly F64Slot[], dst: V, at: V): void {
  const ir = cg.ir;
  const b = ir.b;
  const table = ir.constI32Array('run.copy_table', slots.flatMap((s) => [s.byteOffset / 8, s.length]));
  const base = ir.f64At(cg.state, 0, 'state');
  const pos = ir.intVariable(at, 'pos');
  ir.loop(slots.length, (k) => {
    const from = ir.loadI32(table, b.CreateMul(k, ir.int(2)));
    const len = ir.loadI32(table, b.CreateAdd(b.CreateMul(k, ir.int(2)), ir.int(1)));
    const start = pos.get();
    ir.loop(len, (i) => ir.store(ir.load(base, b.CreateAdd(from, i)), dst, b.CreateAdd(start, i)), 'elem');
    pos.set(b.CreateAdd(start, len));
  }, 'slot');
}

/** Longest input row accumulated in a stack array (beyond it the row would not fit in registers anyway). */
const MAX_REGISTER_ROW = 128;

/**
 * row += flatten(value) × matrix, in the interpreter's order (sender element by element), skipping
 * a sender element that is 0 as the interpreter does.
 *
 * Short rows of finite weights added to a row that started at +0.0 (`fromZero`) skip nothing: there
 * the skip cannot change a bit. A sum that starts at +0.0 is never -0.0 (in round-to-nearest, a + b
 * is -0.0 only when both are), and adding 0 × w = ±0.0 (w finite) to a sum that is not -0.0
 * returns it unchanged, NaN included. (Model files cannot hold non-finite weights; the check
 * guards models built in code.) Straight-line code instead of a branch per sender element: Stroop
 * had 38 of them; without them its O2 compile takes ~8 ms less and a trial ~5 % less time.
 */
function emitAddProduct(cg: Codegen, value: CgValue, matrix: Float64Array[], row: V, len: number, name: string, fromZero: boolean): void {
  const ir = cg.ir;
  const rows = matrix.length;
  const flat = new Float64Array(rows * len);
  matrix.forEach((r, i) => flat.set(r.subarray(0, len), i * len));
  const w = ir.constArray(name, flat);
  const skip = !(fromZero && len <= UNROLL_MAX && flat.every(Number.isFinite));
  let base = 0;
  for (const v of value.rows) {
    const start = base;
    ir.loop(v.len, (a) => {
      const x = ir.load(v.ptr, a, 'x');
      const i = ir.b.CreateAdd(a, ir.int(start));
      const addRow = () =>
        ir.loop(len, (j) => {
          const m = ir.load(w, ir.b.CreateAdd(ir.b.CreateMul(i, ir.int(len)), j), 'w');
          ir.store(ir.add(ir.load(row, j), ir.mul(x, m)), row, j);
        }, 'j');
      if (skip) ir.ifThen(ir.ne(x, ir.num(0)), addRow);
      else addRow();
    }, 'a');
    base += v.len;
  }
}

function describe(spec: unknown): string {
  try {
    return JSON.stringify(spec).slice(0, 80);
  } catch {
    return String(spec);
  }
}
