/**
 * Controlled parameters read at run time, when that provably gives the per-allocation code.
 *
 * A component folds its parameters into its code as constants, so a controlled node used to be
 * compiled once per allocation combination (controller.ts's variants). Instead, the node is built
 * once with each modulated parameter set to a sentinel double, and IR.withSentinels makes num(S)
 * emit the parameter's modulated value computed from the OCM's value in the state — with the
 * operations of engine/controller.ts `modulated()` in the same order (OVERRIDE wins, else
 * base·Πmult + Σadd), so bit for bit the value the variant would have been built with.
 *
 * That is only the variant's program if the parameter reaches the code through num() alone —
 * not derived in JS (sqrt(dt·noise)), branched on (noise === 0), or put in a constant array.
 * Proof, per allocation combination: the plain variant's IR text must equal the sentinel build's
 * IR text with num(S) emitting the variant's constant value. Equal texts for every combination
 * mean the two programs differ only where the run-time code stands for that constant, so the
 * one code computes what every variant would. Any difference (or a sentinel the component
 * rejects, or one used outside the node's own function) keeps the variants.
 */
import { product, type ControlledNode, type ModulatedParam } from '../../engine/controller.js';
import type { MechanismInstance } from '../../components/mechanisms/types.js';
import type { F64Slot } from '../../engine/state.js';
import { Codegen } from './codegen.js';
import { IR, type V } from './ir.js';

/**
 * Sentinel for the i-th parameter read at run time: arbitrary digits in (0, 1), which most
 * validators accept; a controller's and a sweep's (sweep/compile-once.ts) never coincide.
 */
export function sentinel(i: number, family: 'control' | 'sweep' = 'control'): number {
  return (family === 'control' ? 0.5377342762329567 : 0.2718281828459045) + i / 1024;
}

/** num(S) → the constant `constants.get(S)`: the emitters of a proof build (see sameProgram); `onEmit` sees each use. */
export function constantEmitters(ir: IR, constants: ReadonlyMap<number, number>, onEmit?: () => void): Map<number, () => V> {
  return new Map([...constants].map(([s, v]) => [s, () => (onEmit?.(), ir.num(v))] as const));
}

/**
 * The proof that reading parameters at run time gives the same program: the plain build's IR
 * text (the parameters folded in) equals the sentinel build's with num(S) emitting the same
 * constants (`probe`, e.g. through constantEmitters). A probe that throws (a component rejecting
 * a sentinel, or unable to generate code with it) or that `probe` reports unusable (null) fails.
 */
export function sameProgram(plain: () => string, probe: () => string | null): boolean {
  let text: string | null;
  try {
    text = probe();
  } catch {
    return false;
  }
  return text !== null && text === plain();
}

/** The modulated parameter's value at run time, from each signal's allocation (`allocation(signal)`). */
export function emitModulated(ir: IR, p: ModulatedParam, allocation: (signal: number) => V): V {
  const overrides = p.targets.filter((t) => t.modulation === 'OVERRIDE');
  if (overrides.length) return allocation(overrides[overrides.length - 1]!.signal);
  let mult = ir.num(1);
  let add = ir.num(0);
  for (const t of p.targets) {
    if (t.modulation === 'MULTIPLICATIVE') mult = ir.mul(mult, allocation(t.signal));
    else add = ir.add(add, allocation(t.signal));
  }
  return ir.add(ir.mul(ir.num(p.base as number), mult), add);
}

/**
 * Functions of one node as IR text, in a module of their own: `parts` are [name, body] with a
 * body emitting over the code generator (its state the function's argument) and returning what
 * the function returns (an i1 for 'probe', nothing otherwise). With `constants`, num(S) emits
 * them (a proof build); `escaped` tells whether a sentinel was used outside these functions
 * (in a helper function of their own, which would have no state to read at run time).
 */
export function partsText(parts: readonly (readonly [name: string, body: (cg: Codegen) => V | void])[], constants?: ReadonlyMap<number, number>): { text: string; escaped: boolean } {
  const ir = new IR('probe');
  // the draw functions' bodies do not depend on any parameter: declared, they cost nothing to print
  const cg = new Codegen(ir, true);
  let escaped = false;
  for (const [name, body] of parts) {
    ir.define(name, name === 'probe' ? ir.i1 : ir.void, [['state', ir.i8p]], ([state]) => {
      cg.state = state!;
      const top = ir.currentFunction;
      const gen = () => {
        const out = body(cg);
        if (out) ir.ret(out);
        else ir.ret();
      };
      if (!constants) return gen();
      ir.withSentinels(constantEmitters(ir, constants, () => (escaped ||= ir.currentFunction !== top)), gen);
    });
  }
  return { text: ir.print(), escaped };
}

/**
 * sameProgram over partsText results: the probe build (num(S) emitting constants) must not use a
 * sentinel outside its functions, and must print as the plain build does.
 */
export function samePartsText(plain: () => { text: string }, probe: () => { text: string; escaped: boolean }): boolean {
  return sameProgram(
    () => plain().text,
    () => {
      const p = probe();
      return p.escaped ? null : p.text;
    },
  );
}

/** A node's code (its function, and its reset when compiled) as IR text, in a module of its own. */
function nodeText(inst: MechanismInstance, variable: readonly F64Slot[], withReset: boolean, constants?: ReadonlyMap<number, number>): { text: string; escaped: boolean } {
  const parts: [string, (cg: Codegen) => V | void][] = [['probe', (cg) => inst.emit(cg, cg.slots(variable))]];
  if (withReset) parts.push(['probe.reset', (cg) => inst.emitReset(cg)]);
  return partsText(parts, constants);
}

/** How a controlled node is compiled: one code per combination of `signals`' allocations. */
export interface ControlledCode {
  /** The signals the codes are chosen by (ascending; a subset of the node's). */
  signals: number[];
  /** Each of those signals' allocations, as allocationChoices gives them. */
  choices: number[][];
  /** The node for a combination of those signals' allocations (product order). */
  build(combo: readonly number[]): MechanismInstance;
  /** Sentinel → the parameter it stands for, computed at run time (num() interception). */
  sentinels: Map<number, ModulatedParam>;
}

/**
 * The node's parameters in `runtime` (indices into c.params) read at run time, the others
 * folded in per combination of the remaining signals — or null when that is not provably every
 * variant's program (see the header). `combos` are the node's allocation combinations.
 */
function tryRuntime(c: ControlledNode, choices: readonly number[][], combos: readonly number[][], runtime: ReadonlySet<number>, variable: readonly F64Slot[], withReset: boolean): ControlledCode | null {
  const at = (i: number) => c.params[i]!;
  // the signals of every parameter folded in choose the code
  const chosenBy = new Set(c.params.flatMap((p, i) => (runtime.has(i) ? [] : p.targets.map((t) => t.signal))));
  const keep = c.signals.map((s, j) => (chosenBy.has(s) ? j : -1)).filter((j) => j >= 0);
  const sentinelOf = new Map([...runtime].map((i, n) => [i, sentinel(n)]));
  const built = new Map<string, MechanismInstance>();
  const build = (part: readonly number[]): MechanismInstance => {
    const key = part.join('|');
    let inst = built.get(key);
    if (!inst) {
      // any full combination with these allocations gives the folded parameters' values
      const full = choices.map((ch) => ch[0]!);
      keep.forEach((j, n) => (full[j] = part[n]!));
      const values = c.valuesAt(full).map((v, i) => sentinelOf.get(i) ?? v);
      inst = c.buildWith(values);
      built.set(key, inst);
    }
    return inst;
  };
  for (const combo of combos) {
    const values = c.valuesAt(combo);
    const constants = new Map([...sentinelOf].map(([i, s]) => [s, values[i] as number]));
    // a component that rejects a sentinel value (or cannot generate code with it) keeps its variants
    const same = samePartsText(
      () => nodeText(c.variant(combo), variable, withReset),
      () => nodeText(build(keep.map((j) => combo[j]!)), variable, withReset, constants),
    );
    if (!same) return null;
  }
  return { signals: keep.map((j) => c.signals[j]!), choices: keep.map((j) => choices[j]!), build, sentinels: new Map([...sentinelOf].map(([i, s]) => [s, at(i)])) };
}

/**
 * How to compile controlled node c: as many of its modulated parameters as provably can be read at
 * run time (all of them if possible, else those that can be together, else the one that saves
 * the most codes), the rest folded in per combination — or, when none can, a variant per
 * combination of allocations (today's compiled control). Proofs are only attempted up to
 * `maxCombos` combinations (each costs two code generations of the node).
 */
export function controlledCode(c: ControlledNode, choices: number[][], variable: readonly F64Slot[], withReset: boolean, maxCombos: number): ControlledCode {
  const variants: ControlledCode = { signals: c.signals, choices, build: (combo) => c.variant(combo), sentinels: new Map() };
  const combos = [...product(choices)];
  if (combos.length > maxCombos) return variants;
  const eligible = c.params.flatMap((p, i) => (typeof p.base === 'number' || p.targets.some((t) => t.modulation === 'OVERRIDE') ? [i] : []));
  const attempt = (runtime: number[]) => (runtime.length ? tryRuntime(c, choices, combos, new Set(runtime), variable, withReset) : null);
  const all = attempt(eligible);
  if (all) return all;
  const singles = eligible.length > 1 ? eligible.map((i) => attempt([i])).filter((x): x is ControlledCode => x !== null) : [];
  if (singles.length > 1) {
    const together = attempt(eligible.filter((i) => singles.some((s) => [...s.sentinels.values()].includes(c.params[i]!))));
    if (together) return together;
  }
  const codes = (x: ControlledCode) => x.choices.reduce((a, ch) => a * ch.length, 1);
  return singles.sort((a, b) => codes(a) - codes(b))[0] ?? variants;
}
