/**
 * Scheduling conditions with graph-scheduler's names and semantics. Each condition is data
 * (a `{type, ...}` object from the model file) and one evaluation rule, stated in one sentence
 * next to it. Counters count within the trial unless `time_scale` says otherwise.
 */
import type { V } from '../compiler/codegen/ir.js';
import type { IR } from '../compiler/codegen/ir.js';
import type { Value } from '../components/types.js';
import { describeValue, type ModelIssue } from '../model/errors.js';
import { TS, type SchedulerCounters, type TimeScale } from './clock.js';

export interface ConditionSpec {
  type: string;
  [arg: string]: unknown;
}

/** What a condition may read while it is evaluated. */
export interface ConditionContext {
  readonly counters: SchedulerCounters;
  /** The current value of a node (for Threshold). */
  nodeValue(node: number): Value;
  /** The current value of a node's named parameter (for Threshold with a parameter other than value). */
  nodeParameter(node: number, parameter: string): ArrayLike<number> | number | undefined;
}

/** `(context, owner) → satisfied`; owner is the node the condition belongs to, or -1. */
export type Condition = (cx: ConditionContext, owner: number) => boolean;

/** What a condition's compiled twin may read: counters in the state buffer, as doubles. */
export interface EmitConditionContext {
  readonly ir: IR;
  count(scale: number, node: number): V;
  useable(dep: number, owner: number): V;
  time(index: number): V;
  justRan(node: number): V;
  finished(node: number): V;
  /** double* to the NWhen counter `slot`. */
  nwhen(slot: number): V;
  /** Element `index` of row `row` of a node's value (for Threshold); null when there is no such element. */
  nodeValue(node: number, row: number, index: number): V | null;
}

/** The compiled twin of a Condition: emits an i1 that is true when the condition holds. */
export type EmitCondition = (e: EmitConditionContext, owner: number) => V;

export interface ConditionCompiler {
  /** Index of a node by name; records an issue and returns -1 when unknown. */
  node(name: unknown, path: string): number;
  /** Every node of the composition (AllHaveRun/WhenFinishedAll with no dependencies). */
  readonly allNodes: readonly number[];
  /** Reserves a per-context counter for an NWhen condition. */
  allocNWhen(): number;
  readonly issues: ModelIssue[];
  /** Nesting depth of the condition being compiled (set by compileCondition). */
  readonly depth?: number;
}

interface Rule {
  args: readonly string[];
  build(spec: ConditionSpec, path: string, c: ConditionCompiler): Condition;
}

const SCALE_ALIASES: Record<string, TimeScale> = {
  TIME_STEP: 'TIME_STEP',
  CONSIDERATION_SET_EXECUTION: 'TIME_STEP',
  PASS: 'PASS',
  TRIAL: 'TRIAL',
  ENVIRONMENT_STATE_UPDATE: 'TRIAL',
  RUN: 'RUN',
  ENVIRONMENT_SEQUENCE: 'RUN',
  LIFE: 'LIFE',
};

function timeScale(spec: ConditionSpec, path: string, c: ConditionCompiler, dflt: TimeScale = 'TRIAL'): number {
  const v = spec.time_scale;
  if (v === undefined) return TS[dflt];
  const s = typeof v === 'string' ? SCALE_ALIASES[v] : undefined;
  if (!s) {
    c.issues.push({
      path: `${path}.time_scale`,
      message: `${spec.type}: unknown time scale`,
      expected: 'one of "TIME_STEP", "PASS", "TRIAL", "RUN", "LIFE"',
      found: describeValue(v),
    });
    return TS[dflt];
  }
  return TS[s];
}

function count(spec: ConditionSpec, path: string, c: ConditionCompiler, name = 'n', min = 0): number {
  const v = spec[name];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
    c.issues.push({
      path: `${path}.${name}`,
      message: `${spec.type} needs ${name} as a whole number${min > 0 ? ` ≥ ${min}` : ' ≥ 0'}`,
      expected: `an integer ≥ ${min}`,
      found: describeValue(v),
    });
    return min;
  }
  return v;
}

function deps(spec: ConditionSpec, path: string, c: ConditionCompiler, key = 'dependencies'): number[] | null {
  const v = spec[key];
  if (v === undefined) return null;
  if (!Array.isArray(v)) {
    c.issues.push({ path: `${path}.${key}`, message: `${spec.type}.${key} must list node names`, expected: 'an array of node names', found: describeValue(v) });
    return [];
  }
  return v.map((name, i) => c.node(name, `${path}.${key}[${i}]`));
}

function sub(spec: ConditionSpec, key: string, path: string, c: ConditionCompiler): Condition {
  return compileCondition(spec[key], `${path}.${key}`, c, c.depth ?? 0);
}

/** Time-based conditions compare one clock counter with n. */
function timeRule(counter: number, cmp: (t: number, n: number) => boolean): Rule {
  return {
    args: ['n'],
    build(spec, path, c) {
      const n = count(spec, path, c, 'n', cmp === EVERY ? 1 : 0);
      return (cx) => cmp(cx.counters.time[counter]!, n);
    },
  };
}

/** Call-count conditions compare counts_total[time_scale][dependency] with n. */
function callRule(cmp: (k: number, n: number) => boolean): Rule {
  return {
    args: ['dependency', 'n', 'time_scale'],
    build(spec, path, c) {
      const dep = c.node(spec.dependency, `${path}.dependency`);
      const n = count(spec, path, c, 'n', 0);
      const ts = timeScale(spec, path, c);
      return (cx) => cmp(cx.counters.count(ts, dep), n);
    },
  };
}

const LT = (a: number, b: number) => a < b;
const EQ = (a: number, b: number) => a === b;
const GT = (a: number, b: number) => a > b;
const GE = (a: number, b: number) => a >= b;
const EVERY = (a: number, b: number) => a % b === 0;

const COMPARATORS: Record<string, (a: number, b: number, atol: number, rtol: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b, atol, rtol) => Math.abs(a - b) <= atol + rtol * Math.abs(b),
  '!=': (a, b, atol, rtol) => !(Math.abs(a - b) <= atol + rtol * Math.abs(b)),
};

export const CONDITION_RULES: Readonly<Record<string, Rule>> = {
  /** Always satisfied. */
  Always: { args: [], build: () => () => true },
  /** Never satisfied. */
  Never: { args: [], build: () => () => false },
  /** Satisfied when every listed condition is. */
  All: {
    args: ['conditions'],
    build(spec, path, c) {
      const parts = list(spec, path, c);
      return (cx, o) => {
        for (const p of parts) if (!p(cx, o)) return false;
        return true;
      };
    },
  },
  /** Satisfied when at least one listed condition is (evaluated in order, stopping at the first true, as Python's any). */
  Any: {
    args: ['conditions'],
    build(spec, path, c) {
      const parts = list(spec, path, c);
      return (cx, o) => {
        for (const p of parts) if (p(cx, o)) return true;
        return false;
      };
    },
  },
  /** Satisfied when its condition is not. */
  Not: {
    args: ['condition'],
    build(spec, path, c) {
      const inner = sub(spec, 'condition', path, c);
      return (cx, o) => !inner(cx, o);
    },
  },
  /** Satisfied the first n times its condition is (per context). */
  NWhen: {
    args: ['condition', 'n'],
    build(spec, path, c) {
      const inner = sub(spec, 'condition', path, c);
      const n = count(spec, path, c, 'n', 1);
      const slot = c.allocNWhen();
      return (cx, o) => {
        const k = cx.counters.nwhen;
        if (k[slot]! < n && inner(cx, o)) {
          k[slot]!++;
          return true;
        }
        return false;
      };
    },
  },
  /** Pass number (within the trial) equals n. */
  AtPass: timeRule(TS.PASS, EQ),
  /** Pass number is below n. */
  BeforePass: timeRule(TS.PASS, LT),
  /** Pass number is above n. */
  AfterPass: timeRule(TS.PASS, GT),
  /** At least n passes have elapsed in the trial. */
  AfterNPasses: timeRule(TS.PASS, GE),
  /** Pass number is a multiple of n. */
  EveryNPasses: timeRule(TS.PASS, EVERY),
  /** Trial number (within the run) equals n. */
  AtTrial: timeRule(TS.TRIAL, EQ),
  /** Trial number is below n. */
  BeforeTrial: timeRule(TS.TRIAL, LT),
  /** Trial number is above n. */
  AfterTrial: timeRule(TS.TRIAL, GT),
  /** At least n trials have elapsed in the run. */
  AfterNTrials: timeRule(TS.TRIAL, GE),
  /** The first pass of a trial. */
  AtTrialStart: { args: [], build: () => (cx) => cx.counters.time[TS.PASS] === 0 },
  /** Run number (within the context's life) equals n. */
  AtRun: timeRule(TS.RUN, EQ),
  /** dependency has run fewer than n times (in time_scale, default TRIAL). */
  BeforeNCalls: callRule(LT),
  /** dependency has run exactly n times. */
  AtNCalls: callRule(EQ),
  /** dependency has run more than n times. */
  AfterCall: callRule(GT),
  /** dependency has run at least n times. */
  AfterNCalls: callRule(GE),
  /** The dependencies together have run at least n times. */
  AfterNCallsCombined: {
    args: ['dependencies', 'n', 'time_scale'],
    build(spec, path, c) {
      const ds = deps(spec, path, c) ?? [];
      const n = count(spec, path, c, 'n', 0);
      const ts = timeScale(spec, path, c);
      return (cx) => {
        let total = 0;
        for (const d of ds) total += cx.counters.count(ts, d);
        return total >= n;
      };
    },
  },
  /** dependency has run at least n times since the owner last ran. */
  EveryNCalls: {
    args: ['dependency', 'n'],
    build(spec, path, c) {
      const dep = c.node(spec.dependency, `${path}.dependency`);
      const n = count(spec, path, c, 'n', 1);
      return (cx, owner) => owner >= 0 && cx.counters.useable(dep, owner) >= n;
    },
  },
  /** dependency ran in the previous time step. */
  JustRan: {
    args: ['dependency'],
    build(spec, path, c) {
      const dep = c.node(spec.dependency, `${path}.dependency`);
      return (cx) => cx.counters.justRan[dep] === 1;
    },
  },
  /** Every dependency (default: every node) has run at least once in time_scale (default TRIAL). */
  AllHaveRun: {
    args: ['dependencies', 'time_scale'],
    build(spec, path, c) {
      const ds = deps(spec, path, c) ?? [...c.allNodes];
      const ts = timeScale(spec, path, c);
      // pure reads: last nodes first, as the compiled form — they have usually not run yet, so a
      // trial's many termination checks read a few counts instead of all (n² per pass otherwise)
      const reversed = [...ds].reverse();
      return (cx) => {
        for (const d of reversed) if (cx.counters.count(ts, d) < 1) return false;
        return true;
      };
    },
  },
  /** dependency reports itself finished (e.g. a DDM reached its threshold). */
  WhenFinished: {
    args: ['dependency'],
    build(spec, path, c) {
      const dep = c.node(spec.dependency, `${path}.dependency`);
      return (cx) => cx.counters.finished[dep] === 1;
    },
  },
  /** Any dependency (default: any node) is finished. */
  WhenFinishedAny: {
    args: ['dependencies'],
    build(spec, path, c) {
      const ds = deps(spec, path, c) ?? [...c.allNodes];
      return (cx) => ds.some((d) => cx.counters.finished[d] === 1);
    },
  },
  /** Every dependency (default: every node) is finished. */
  WhenFinishedAll: {
    args: ['dependencies'],
    build(spec, path, c) {
      const ds = deps(spec, path, c) ?? [...c.allNodes];
      return (cx) => ds.every((d) => cx.counters.finished[d] === 1);
    },
  },
  /** A parameter of dependency (default its value) compared with threshold, element `indices`. */
  Threshold: {
    args: ['dependency', 'parameter', 'threshold', 'comparator', 'indices', 'atol', 'rtol'],
    build(spec, path, c) {
      const dep = c.node(spec.dependency, `${path}.dependency`);
      const parameter = typeof spec.parameter === 'string' ? spec.parameter : 'value';
      const threshold = spec.threshold;
      if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
        c.issues.push({ path: `${path}.threshold`, message: 'Threshold needs a number threshold', expected: 'a finite number', found: describeValue(threshold) });
      }
      const comparator = spec.comparator === undefined ? '>=' : spec.comparator;
      const cmp = typeof comparator === 'string' ? COMPARATORS[comparator] : undefined;
      if (!cmp) {
        c.issues.push({ path: `${path}.comparator`, message: 'Threshold: unknown comparator', expected: `one of ${Object.keys(COMPARATORS).join(' ')}`, found: describeValue(comparator) });
      }
      const indices = spec.indices === undefined ? [] : Array.isArray(spec.indices) ? spec.indices : [spec.indices];
      if (!indices.every((i) => Number.isInteger(i) && (i as number) >= 0)) {
        c.issues.push({ path: `${path}.indices`, message: 'Threshold.indices must be whole numbers ≥ 0', expected: 'an integer or a list of integers', found: describeValue(spec.indices) });
      }
      const atol = typeof spec.atol === 'number' ? spec.atol : 0;
      const rtol = typeof spec.rtol === 'number' ? spec.rtol : 0;
      const t = typeof threshold === 'number' ? threshold : 0;
      return (cx) => {
        let v: unknown = parameter === 'value' ? cx.nodeValue(dep) : cx.nodeParameter(dep, parameter);
        for (const i of indices as number[]) v = (v as ArrayLike<unknown> | undefined)?.[i];
        while (v !== undefined && typeof v !== 'number') v = (v as ArrayLike<unknown>)[0];
        return typeof v === 'number' && cmp !== undefined && cmp(v, t, atol, rtol);
      };
    },
  },
  /** The absolute clock (1 ms per time step) lies in [start, end], optionally every `repeat` ms. */
  TimeInterval: {
    args: ['start', 'end', 'repeat', 'start_inclusive', 'end_inclusive'],
    build(spec) {
      const start = typeof spec.start === 'number' ? spec.start : 0;
      const end = typeof spec.end === 'number' ? spec.end : Infinity;
      const repeat = typeof spec.repeat === 'number' && spec.repeat > 0 ? spec.repeat : 0;
      const si = spec.start_inclusive !== false;
      const ei = spec.end_inclusive !== false;
      return (cx) => {
        let t = cx.counters.time[4]!;
        if (repeat) t = t % repeat;
        return (si ? t >= start : t > start) && (ei ? t <= end : t < end);
      };
    },
  },
  /** The absolute clock (1 ms per time step) has reached t. */
  TimeTermination: {
    args: ['t', 'inclusive'],
    build(spec) {
      const t = typeof spec.t === 'number' ? spec.t : 0;
      const inclusive = spec.inclusive !== false;
      return (cx) => (inclusive ? cx.counters.time[4]! >= t : cx.counters.time[4]! > t);
    },
  },
};

export const CONDITION_TYPES = Object.keys(CONDITION_RULES);

function list(spec: ConditionSpec, path: string, c: ConditionCompiler): Condition[] {
  const v = spec.conditions;
  if (!Array.isArray(v)) {
    c.issues.push({ path: `${path}.conditions`, message: `${spec.type} needs a list of conditions`, expected: 'an array of condition objects', found: describeValue(v) });
    return [];
  }
  return v.map((s, i) => compileCondition(s, `${path}.conditions[${i}]`, c, c.depth ?? 0));
}

const MAX_DEPTH = 64;

/** Compiles a condition object; problems are added to `c.issues` (the result is then unusable). */
export function compileCondition(spec: unknown, path: string, c: ConditionCompiler, depth = 0): Condition {
  if (depth > MAX_DEPTH) {
    c.issues.push({ path, message: `conditions are nested more than ${MAX_DEPTH} deep` });
    return () => false;
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec) || typeof (spec as ConditionSpec).type !== 'string') {
    c.issues.push({ path, message: 'a condition must be an object with a "type"', expected: 'e.g. {"type": "AfterNCalls", "dependency": "A", "n": 3}', found: describeValue(spec) });
    return () => false;
  }
  const s = spec as ConditionSpec;
  const rule = Object.prototype.hasOwnProperty.call(CONDITION_RULES, s.type) ? CONDITION_RULES[s.type] : undefined;
  if (!rule) {
    c.issues.push({ path: `${path}.type`, message: `unknown condition type ${describeValue(s.type)}`, expected: `one of ${CONDITION_TYPES.join(', ')}`, found: describeValue(s.type) });
    return () => false;
  }
  for (const key of Object.keys(s)) {
    if (key !== 'type' && !rule.args.includes(key)) {
      c.issues.push({ path: `${path}.${key}`, message: `${s.type} takes no argument ${JSON.stringify(key)}`, expected: rule.args.length ? `one of ${rule.args.join(', ')}` : 'no arguments' });
    }
  }
  return rule.build(s, path, { ...c, depth: depth + 1 });
}


// ---- compiled twins ---------------------------------------------------------------------------

/**
 * The compiled twin of `compileCondition` for a condition that `compileCondition` accepted
 * (same node lookup, same NWhen slot order — call it with a fresh compiler in the same order).
 * Returns null for a condition the compiler cannot generate (the caller falls back).
 */
export function emitCondition(spec: unknown, c: ConditionCompiler): EmitCondition | null {
  const s = spec as ConditionSpec;
  const timeCmp = (index: number, op: 'lt' | 'eq' | 'gt' | 'ge' | 'every'): EmitCondition => {
    const n = Number(s.n);
    return (e) => {
      const ir = e.ir;
      const t = e.time(index);
      if (op === 'every') return ir.eq(ir.b.CreateFRem(t, ir.num(n)), ir.num(0));
      return ir[op](t, ir.num(n));
    };
  };
  const scale = () => {
    const v = s.time_scale;
    return v === undefined ? TS.TRIAL : TS[SCALE_ALIASES[String(v)] ?? 'TRIAL'];
  };
  const callCmp = (op: 'lt' | 'eq' | 'gt' | 'ge'): EmitCondition => {
    const dep = c.node(s.dependency, '');
    const n = Number(s.n);
    const ts = scale();
    return (e) => e.ir[op](e.count(ts, dep), e.ir.num(n));
  };
  const depList = (): number[] => (Array.isArray(s.dependencies) ? s.dependencies.map((d) => c.node(d, '')) : [...c.allNodes]);
  const all = (e: EmitConditionContext, parts: V[]): V => parts.reduce((a, b) => e.ir.b.CreateAnd(a, b), e.ir.bool(true));
  const any = (e: EmitConditionContext, parts: V[]): V => parts.reduce((a, b) => e.ir.b.CreateOr(a, b), e.ir.bool(false));
  /** Evaluates parts in order and stops at the first that decides (false for All, true for Any), like the interpreter. */
  const shortCircuit = (e: EmitConditionContext, o: number, parts: EmitCondition[], stopOn: boolean): V => {
    // one part (e.g. a node's default condition, All of one EveryNCalls) decides alone
    if (parts.length === 1) return parts[0]!(e, o);
    const ir = e.ir;
    const result = ir.intVariable(ir.int(stopOn ? 0 : 1), stopOn ? 'any' : 'all');
    const emitFrom = (i: number): void => {
      if (i >= parts.length) return;
      const v = parts[i]!(e, o);
      ir.ifThen(stopOn ? v : ir.b.CreateNot(v), () => result.set(ir.int(stopOn ? 1 : 0)), () => emitFrom(i + 1));
    };
    emitFrom(0);
    return ir.b.CreateICmpNE(result.get(), ir.int(0));
  };
  switch (s.type) {
    case 'Always':
      return (e) => e.ir.bool(true);
    case 'Never':
      return (e) => e.ir.bool(false);
    case 'All':
    case 'Any': {
      const parts = (s.conditions as unknown[]).map((x) => emitCondition(x, c));
      if (parts.some((p) => p === null)) return null;
      return (e, o) => shortCircuit(e, o, parts as EmitCondition[], s.type === 'Any');
    }
    case 'Not': {
      const inner = emitCondition(s.condition, c);
      return inner && ((e, o) => e.ir.b.CreateNot(inner(e, o)));
    }
    case 'NWhen': {
      const inner = emitCondition(s.condition, c);
      if (!inner) return null;
      const n = Number(s.n);
      const slot = c.allocNWhen();
      return (e, o) => {
        const ir = e.ir;
        const ptr = e.nwhen(slot);
        const result = ir.intVariable(ir.int(0), 'nwhen');
        ir.ifThen(ir.lt(ir.load(ptr), ir.num(n)), () => {
          ir.ifThen(inner(e, o), () => {
            ir.store(ir.add(ir.load(ptr), ir.num(1)), ptr);
            result.set(ir.int(1));
          });
        });
        return ir.b.CreateICmpNE(result.get(), ir.int(0));
      };
    }
    case 'AtPass':
      return timeCmp(TS.PASS, 'eq');
    case 'BeforePass':
      return timeCmp(TS.PASS, 'lt');
    case 'AfterPass':
      return timeCmp(TS.PASS, 'gt');
    case 'AfterNPasses':
      return timeCmp(TS.PASS, 'ge');
    case 'EveryNPasses':
      return timeCmp(TS.PASS, 'every');
    case 'AtTrial':
      return timeCmp(TS.TRIAL, 'eq');
    case 'BeforeTrial':
      return timeCmp(TS.TRIAL, 'lt');
    case 'AfterTrial':
      return timeCmp(TS.TRIAL, 'gt');
    case 'AfterNTrials':
      return timeCmp(TS.TRIAL, 'ge');
    case 'AtRun':
      return timeCmp(TS.RUN, 'eq');
    case 'AtTrialStart':
      return (e) => e.ir.eq(e.time(TS.PASS), e.ir.num(0));
    case 'BeforeNCalls':
      return callCmp('lt');
    case 'AtNCalls':
      return callCmp('eq');
    case 'AfterCall':
      return callCmp('gt');
    case 'AfterNCalls':
      return callCmp('ge');
    case 'AfterNCallsCombined': {
      const ds = depList();
      const n = Number(s.n);
      const ts = scale();
      return (e) => e.ir.ge(ds.reduce((acc, d) => e.ir.add(acc, e.count(ts, d)), e.ir.num(0)), e.ir.num(n));
    }
    case 'EveryNCalls': {
      const dep = c.node(s.dependency, '');
      const n = Number(s.n);
      return (e, owner) => (owner < 0 ? e.ir.bool(false) : e.ir.ge(e.useable(dep, owner), e.ir.num(n)));
    }
    case 'JustRan': {
      const dep = c.node(s.dependency, '');
      return (e) => e.ir.eq(e.justRan(dep), e.ir.num(1));
    }
    case 'AllHaveRun': {
      const ds = depList();
      const ts = scale();
      // pure reads, so any order gives the same answer: last nodes first (they have usually not run
      // yet), in groups of 16 that stop at the first group with a node that has not — a trial's many
      // termination checks then read a few counts instead of all, and the code stays compact
      const reversed = [...ds].reverse();
      const groups: EmitCondition[] = [];
      for (let g = 0; g < reversed.length; g += 16) {
        const group = reversed.slice(g, g + 16);
        groups.push((e) => all(e, group.map((d) => e.ir.ge(e.count(ts, d), e.ir.num(1)))));
      }
      return (e, o) => shortCircuit(e, o, groups, false);
    }
    case 'WhenFinished': {
      const dep = c.node(s.dependency, '');
      return (e) => e.ir.eq(e.finished(dep), e.ir.num(1));
    }
    case 'WhenFinishedAny':
    case 'WhenFinishedAll': {
      const ds = depList();
      return (e) => (s.type === 'WhenFinishedAll' ? all : any)(e, ds.map((d) => e.ir.eq(e.finished(d), e.ir.num(1))));
    }
    case 'Threshold': {
      if (s.parameter !== undefined && s.parameter !== 'value') return null;
      const dep = c.node(s.dependency, '');
      const indices = s.indices === undefined ? [] : Array.isArray(s.indices) ? (s.indices as number[]) : [s.indices as number];
      if (indices.length > 2) return null;
      const t = Number(s.threshold);
      const op = (s.comparator ?? '>=') as string;
      const atol = typeof s.atol === 'number' ? s.atol : 0;
      const rtol = typeof s.rtol === 'number' ? s.rtol : 0;
      return (e) => {
        const ir = e.ir;
        const found = e.nodeValue(dep, indices[0] ?? 0, indices[1] ?? 0);
        if (found === null) return ir.bool(false); // the interpreter reads undefined there: not satisfied
        const v = found;
        const tv = ir.num(t);
        const close = () => ir.le(ir.fabs(ir.sub(v, tv)), ir.num(atol + rtol * Math.abs(t)));
        switch (op) {
          case '<':
            return ir.lt(v, tv);
          case '<=':
            return ir.le(v, tv);
          case '>':
            return ir.gt(v, tv);
          case '==':
            return close();
          case '!=':
            return ir.b.CreateNot(close());
          default:
            return ir.ge(v, tv);
        }
      };
    }
    default:
      return null; // TimeInterval / TimeTermination run interpreted
  }
}
