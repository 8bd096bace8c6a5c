/**
 * Writes a straightforward C program computing the same run as our engine for one model: static
 * arrays, one loop per layer, the interpreter's order of floating-point operations (gather: external
 * input, then each projection sender element by element skipping zeros, then the recurrent
 * matrix; integrator; function; clip; ports) and the same RNG streams (mt19937.h).
 *
 * Scheduling is written out rather than interpreted: the models it accepts use default node
 * conditions, so every consideration set runs once per pass, and the trial ends after the set
 * that completes the termination condition (AllHaveRun, AfterNCalls, WhenFinished). Models
 * outside this subset get a NoBaseline error saying why.
 */
import type { Composition } from '../../src-main/engine/composition.js';
import type { PreparedInputs } from '../../src-main/engine/inputs.js';
import type { F64Slot, RngSlot } from '../../src-main/engine/state.js';
import { resolveMatrix } from '../../src-main/components/matrix.js';
import { jsonPath } from '../../src-main/model/errors.js';

export class NoBaseline extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NoBaseline';
  }
}

export interface CProgram {
  source: string;
  resultsWidth: number;
}

type Json = Record<string, unknown>;

/** A C double literal that reads back as exactly `x`. */
export function lit(x: number): string {
  if (Number.isNaN(x)) return 'NAN';
  if (x === Infinity) return 'INFINITY';
  if (x === -Infinity) return '(-INFINITY)';
  if (Object.is(x, -0)) return '(-0.0)';
  let s = String(x);
  if (!/[.e]/.test(s)) s += '.0';
  return x < 0 ? `(${s})` : s;
}

function list(values: ArrayLike<number>): string {
  return Array.from(values, lit).join(', ');
}

function scalar(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'number') return v[0];
  throw new NoBaseline(`${what} is not a single number`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Noise as the C code adds it: none, a constant, or a NormalDist draw from a stream. */
type Noise = { kind: 'none' } | { kind: 'constant'; value: number } | { kind: 'normal'; mean: number; sd: number; stream: RngSlot };

interface Ctx {
  comp: Composition;
  slots: Map<string, F64Slot | RngSlot>;
  decls: string[];
  inits: string[];
}

function f64Slot(cx: Ctx, name: string): F64Slot {
  const s = cx.slots.get(name);
  if (!s || s.kind !== 'f64') throw new NoBaseline(`state slot ${name} not found`);
  return s;
}

function rngSlot(cx: Ctx, name: string): RngSlot {
  const s = cx.slots.get(name);
  if (!s || s.kind !== 'rng') throw new NoBaseline(`random stream ${name} not found`);
  return s;
}

/** Declares a state array initialised (by model_init) to `init`. */
function stateArray(cx: Ctx, name: string, init: ArrayLike<number>): string {
  cx.decls.push(`static double ${name}[${Math.max(1, init.length)}];`);
  if (init.length) {
    cx.decls.push(`static const double ${name}_init[${init.length}] = {${list(init)}};`);
    cx.inits.push(`memcpy(${name}, ${name}_init, sizeof ${name}_init);`);
  }
  return name;
}

function noiseOf(cx: Ctx, spec: unknown, streamName: string, what: string): Noise {
  if (spec === undefined || spec === null || spec === 0) return { kind: 'none' };
  if (typeof spec === 'number') return { kind: 'constant', value: spec };
  if (isObject(spec) && spec.type === 'NormalDist') {
    return { kind: 'normal', mean: typeof spec.mean === 'number' ? spec.mean : 0, sd: typeof spec.standard_deviation === 'number' ? spec.standard_deviation : 1, stream: rngSlot(cx, streamName) };
  }
  throw new NoBaseline(`${what}: noise ${JSON.stringify(spec).slice(0, 60)} is not supported by the C baseline`);
}

function noiseExpr(noise: Noise, rng: string): string {
  if (noise.kind === 'constant') return lit(noise.value);
  if (noise.kind === 'normal') return `mt_normal(&${rng}, ${lit(noise.mean)}, ${lit(noise.sd)})`;
  return '0.0';
}

/** A C boolean expression over the trial number `t` for a reset condition. */
function resetExpr(spec: unknown): string {
  if (!isObject(spec)) throw new NoBaseline('a reset condition is not an object');
  switch (spec.type) {
    case 'AtTrialStart':
      return '1';
    case 'AtTrial':
      return `(t == ${scalar(spec.n, 'AtTrial.n')})`;
    case 'Any':
    case 'All': {
      const parts = (Array.isArray(spec.conditions) ? spec.conditions : []).map(resetExpr);
      if (!parts.length) return spec.type === 'All' ? '1' : '0';
      return `(${parts.join(spec.type === 'Any' ? ' || ' : ' && ')})`;
    }
    case 'Not':
      return `(!${resetExpr(spec.condition)})`;
    default:
      throw new NoBaseline(`reset condition ${String(spec.type)} is not supported by the C baseline`);
  }
}

interface NodeCode {
  gather: string[];
  execute: string[];
  reset: string[];
  /** C expression: the node reports itself finished after its last execution. */
  finished: string;
  ports: string[];
}

function transferNode(cx: Ctx, k: number, spec: Json): NodeCode {
  const m = cx.comp.nodes[k]!;
  const name = cx.comp.nodeNames[k]!;
  const path = jsonPath('nodes', name);
  const n = m.inputPorts[0]!.size;
  const p = m.params;
  const fp = m.function.params;
  const fn = m.function.type;
  const id = `n${k}`;
  if (m.valueShape.length !== 1 || m.valueShape[0] !== n) throw new NoBaseline(`${name}: value shape ${JSON.stringify(m.valueShape)}`);
  if (p.termination_threshold !== undefined && p.termination_threshold !== null) throw new NoBaseline(`${name}: termination_threshold`);
  if (p.threshold !== undefined && p.threshold !== null) throw new NoBaseline(`${name}: LCA threshold`);
  let f: (u: string) => string;
  if (fn === 'Linear') {
    const slope = scalar(fp.slope, `${name}.function.slope`);
    const intercept = scalar(fp.intercept, `${name}.function.intercept`);
    f = (u) => `${lit(slope)} * ${u} + ${lit(intercept)}`;
  } else if (fn === 'Logistic') {
    const [gain, x0, bias, offset, scale] = ['gain', 'x_0', 'bias', 'offset', 'scale'].map((q) => scalar(fp[q], `${name}.function.${q}`)) as [number, number, number, number, number];
    f = (u) => `${lit(scale)} / (1.0 + exp(-${lit(gain)} * (${u} + ${lit(bias)} - ${lit(x0)}) + ${lit(offset)}))`;
  } else {
    throw new NoBaseline(`${name}: function ${fn} is not supported by the C baseline`);
  }
  let clip: [number | null, number | null] = [null, null];
  if (m.type !== 'ProcessingMechanism') {
    const c = p.clip as [number | null, number | null] | null | undefined;
    if (c) clip = c;
    else if (fn === 'Logistic') clip = [0, 1];
  }
  const value = stateArray(cx, `${id}_value`, m.valueSlots[0]!.init);
  const rng = `${id}_rng`;
  const body: string[] = [];
  let integrator: { prev: string; line: (u: string, s: string) => string } | null = null;
  let noise: Noise = { kind: 'none' };
  const reset: string[] = [];
  if (m.type === 'LCAMechanism' || p.integrator_mode === true) {
    const prevSlot = f64Slot(cx, `${path}.integrator_function.previous_value`);
    const prev = stateArray(cx, `${id}_prev`, prevSlot.init);
    reset.push(`memcpy(${prev}, ${prev}_init, sizeof ${prev}_init);`);
    noise = noiseOf(cx, p.noise, `${path}.integrator_function.noise.random_state`, name);
    if (m.type === 'LCAMechanism') {
      const rate = scalar(p.leak, `${name}.leak`);
      const dt = scalar(p.time_step_size, `${name}.time_step_size`);
      // pv + (-rate·pv + x)·dt + noise·√dt + offset
      integrator = { prev, line: (u, s) => `${prev}[i] + (-${lit(rate)} * ${prev}[i] + ${u}) * ${lit(dt)} + ${s} * ${lit(Math.sqrt(dt))} + 0.0` };
    } else {
      if (p.integrator_function !== undefined) throw new NoBaseline(`${name}: integrator_function`);
      const rate = scalar(p.integration_rate, `${name}.integration_rate`);
      // (1 − rate)·previous + rate·x + noise + offset
      integrator = { prev, line: (u, s) => `(1.0 - ${lit(rate)}) * ${prev}[i] + ${lit(rate)} * ${u} + ${s} + 0.0` };
    }
  } else if (m.type !== 'ProcessingMechanism') {
    noise = noiseOf(cx, p.noise, `${path}.noise.random_state`, name);
  }
  if (noise.kind === 'normal') {
    cx.decls.push(`static mt_state ${rng};`);
    cx.inits.push(`mt_seed(&${rng}, ${noise.stream.seed}u);`);
  }
  body.push(`for (int i = 0; i < ${n}; i++) {`);
  body.push(`  double u = ${id}_x[i];`);
  if (!integrator && noise.kind !== 'none') body.push(`  u = u + ${noiseExpr(noise, rng)};`);
  if (integrator) {
    body.push(`  const double s = ${noiseExpr(noise, rng)};`);
    body.push(`  const double v = ${integrator.line('u', 's')};`);
    body.push(`  ${integrator.prev}[i] = v;`);
    body.push('  u = v;');
  }
  body.push(`  double y = ${f('u')};`);
  const clipLines = (pad: string) => [
    ...(clip[0] !== null ? [`${pad}if (y < ${lit(clip[0])}) y = ${lit(clip[0])};`] : []),
    ...(clip[1] !== null ? [`${pad}if (y > ${lit(clip[1])}) y = ${lit(clip[1])};`] : []),
  ];
  body.push(...clipLines('  '));
  body.push(`  ${value}[i] = y;`);
  body.push('}');
  const ports = outputPorts(cx, k, spec, value, { RESULT: 0, 'OutputPort-0': 0 });
  body.push(...ports.code);
  if (integrator) {
    // a reset also recomputes the value and the ports from the integrator's initial state
    reset.push(`for (int i = 0; i < ${n}; i++) {`, `  double y = ${f(`${integrator.prev}_init[i]`)};`, ...clipLines('  '), `  ${value}[i] = y;`, '}', ...ports.code);
  }
  return { gather: gatherCode(cx, k, n, ports.names), execute: body, reset, finished: '1', ports: ports.names };
}

function ddmNode(cx: Ctx, k: number, spec: Json): NodeCode {
  const m = cx.comp.nodes[k]!;
  const name = cx.comp.nodeNames[k]!;
  const path = jsonPath('nodes', name);
  const n = m.inputPorts[0]!.size;
  const fp = m.function.params;
  const id = `n${k}`;
  if (m.function.type !== 'DriftDiffusionIntegrator') throw new NoBaseline(`${name}: DDM function ${m.function.type}`);
  const [rate, noise, offset, threshold, dt] = ['rate', 'noise', 'offset', 'threshold', 'time_step_size'].map((q) => scalar(fp[q], `${name}.function.${q}`)) as [number, number, number, number, number];
  const prev = stateArray(cx, `${id}_prev`, f64Slot(cx, `${path}.function.previous_value`).init);
  const time = stateArray(cx, `${id}_time`, f64Slot(cx, `${path}.function.previous_time`).init);
  const value = stateArray(cx, `${id}_value`, [...m.valueSlots[0]!.init, ...m.valueSlots[1]!.init]);
  const rng = `${id}_rng`;
  cx.decls.push(`static mt_state ${rng};`);
  cx.inits.push(`mt_seed(&${rng}, ${rngSlot(cx, `${path}.function.random_state`).seed}u);`);
  const untilFinished = m.params.execute_until_finished === true;
  const max = scalar(m.params.max_executions_before_finished, `${name}.max_executions_before_finished`);
  const body = [
    'int executions = 0;',
    'int done;',
    'for (;;) {',
    `  for (int i = 0; i < ${n}; i++) {`,
    `    const double draw = mt_standard_normal(&${rng});`,
    // prev + rate·x·dt + noise·√dt·draw + offset, clipped to ±threshold
    `    const double moved = ${prev}[i] + ${lit(rate)} * ${id}_x[i] * ${lit(dt)} + ${lit(noise)} * ${lit(Math.sqrt(dt))} * draw + ${lit(offset)};`,
    `    const double lo = moved > -${lit(threshold)} ? moved : -${lit(threshold)};`,
    `    const double v = lo < ${lit(threshold)} ? lo : ${lit(threshold)};`,
    `    ${prev}[i] = v;`,
    `    ${value}[i] = v;`,
    `    ${time}[i] = ${time}[i] + ${lit(dt)};`,
    `    ${value}[${n} + i] = ${time}[i];`,
    '  }',
    '  executions++;',
    `  done = fabs(${prev}[0]) >= ${lit(threshold)};`,
    `  if (${untilFinished ? '' : '1 || '}done || executions >= ${max}) break;`,
    '}',
    `${id}_finished = done;`,
  ];
  cx.decls.push(`static int ${id}_finished;`);
  const ports = outputPorts(cx, k, spec, value, { DECISION_VARIABLE: 0, RESPONSE_TIME: 1 });
  body.push(...ports.code);
  const reset = [`memcpy(${prev}, ${prev}_init, sizeof ${prev}_init);`, `memcpy(${time}, ${time}_init, sizeof ${time}_init);`];
  return { gather: gatherCode(cx, k, n, ports.names), execute: body, reset, finished: `${id}_finished`, ports: ports.names };
}

/** The node's output ports: standard rows of its value (copied) or a Stability energy port. */
function outputPorts(cx: Ctx, k: number, spec: Json, value: string, standard: Record<string, number>): { names: string[]; code: string[] } {
  const m = cx.comp.nodes[k]!;
  const name = cx.comp.nodeNames[k]!;
  const specs = Array.isArray(spec.output_ports) ? (spec.output_ports as unknown[]) : null;
  const rowStart = (r: number) => m.valueShape.slice(0, r).reduce((a, b) => a + b, 0);
  const names: string[] = [];
  const code: string[] = [];
  m.outputPorts.forEach((port, j) => {
    const raw = specs ? specs[j] : { name: port.name };
    const ps: Json = typeof raw === 'string' ? { name: raw } : isObject(raw) ? raw : {};
    const id = stateArray(cx, `n${k}_port${j}`, port.slot.flatMap((s) => Array.from(s.init)));
    names.push(id);
    const row = Array.isArray(ps.variable) ? Number(ps.variable[1]) : (standard[port.name] ?? -1);
    if (ps.function === undefined) {
      if (ps.variable === undefined && standard[port.name] === undefined) throw new NoBaseline(`${name}: output port ${port.name}`);
      const len = m.valueShape[row]!;
      code.push(`memcpy(${id}, ${value} + ${rowStart(row)}, sizeof(double) * ${len});`);
      return;
    }
    const fn = ps.function as Json;
    const metric = fn.metric ?? 'energy';
    if (fn.type !== 'Stability' || metric !== 'energy' || fn.normalize === true || fn.transfer_fct !== undefined) {
      throw new NoBaseline(`${name}: output port ${port.name} function ${JSON.stringify(fn).slice(0, 60)}`);
    }
    const r = Array.isArray(ps.variable) ? row : 0;
    const n = m.valueShape[r]!;
    const w = resolveMatrix(fn.matrix ?? 'HOLLOW_MATRIX', n, n, `${name}.output_ports[${j}].function.matrix`);
    for (let i = 0; i < n; i++) w[i]![i] = 0;
    cx.decls.push(`static const double n${k}_port${j}_matrix[${n}][${n}] = {${w.map((row) => `{${list(row)}}`).join(', ')}};`);
    code.push(
      '{',
      `  const double *v = ${value} + ${rowStart(r)};`,
      `  double w[${n}], e[${n}];`,
      `  for (int i = 0; i < ${n}; i++) {`,
      '    double s = 0.0;',
      `    for (int j = 0; j < ${n}; j++) s += n${k}_port${j}_matrix[i][j] * v[j];`,
      '    w[i] = s;',
      '  }',
      `  for (int i = 0; i < ${n}; i++) e[i] = v[i] * w[i];`,
      // energy: −(0 + Σ v·Wv) / 2, numpy's pairwise order
      `  ${id}[0] = -(0.0 + pairwise_sum(e, ${n})) / 2.0;`,
      '}',
    );
  });
  return { names, code };
}

/** The node's input: external input (or zeros), each afferent projection, the recurrent matrix. */
function gatherCode(cx: Ctx, k: number, n: number, ownPorts: string[]): string[] {
  const comp = cx.comp;
  const m = comp.nodes[k]!;
  const id = `n${k}`;
  cx.decls.push(`static double ${id}_x[${n}];`);
  const out: string[] = [];
  if (comp.inputNodes.includes(k)) {
    cx.decls.push(`static double ${id}_ext[${n}];`);
    out.push(`memcpy(${id}_x, ${id}_ext, sizeof ${id}_x);`);
  } else {
    out.push(`memset(${id}_x, 0, sizeof ${id}_x);`);
  }
  for (const proj of comp.afferents[k]![0]!) {
    const rows = proj.matrix.length;
    const w = `w${proj.index}`;
    cx.decls.push(`static const double ${w}[${rows}][${n}] = {${proj.matrix.map((r) => `{${list(r)}}`).join(', ')}};`);
    out.push(`add_product(n${proj.sender}_port${proj.senderPort}, ${rows}, &${w}[0][0], ${id}_x, ${n});`);
  }
  if (m.recurrentMatrix) {
    const w = `${id}_recurrent`;
    cx.decls.push(`static const double ${w}[${n}][${n}] = {${m.recurrentMatrix.map((r) => `{${list(r)}}`).join(', ')}};`);
    out.push(`add_product(${ownPorts[0]}, ${n}, &${w}[0][0], ${id}_x, ${n});`);
  }
  return out;
}

/** The C baseline of a model: the composition and the inputs of the run. */
export function cProgram(model: Json, comp: Composition, inputs: PreparedInputs, label: string): CProgram {
  const n = comp.nodes.length;
  if (isObject(model.conditions) && Object.keys(model.conditions).length) throw new NoBaseline('explicit node conditions');
  if (comp.conditionSpecs.run !== undefined) throw new NoBaseline('a run termination condition');
  if (comp.nodes.some((m) => m.inputPorts.length !== 1)) throw new NoBaseline('a node with several input ports');
  const cx: Ctx = { comp, slots: new Map(comp.layout.entries.map((s) => [s.name, s])), decls: [], inits: [] };
  const specs = model.nodes as Record<string, Json>;
  const nodes = comp.nodes.map((m, k) => {
    const spec = specs[comp.nodeNames[k]!]!;
    if (['ProcessingMechanism', 'TransferMechanism', 'RecurrentTransferMechanism', 'LCAMechanism'].includes(m.type)) return transferNode(cx, k, spec);
    if (m.type === 'DDM') return ddmNode(cx, k, spec);
    throw new NoBaseline(`${comp.nodeNames[k]}: ${m.type} is not supported by the C baseline`);
  });

  // When the trial ends: after which consideration set, and on which condition (every set runs once per pass).
  const queue = comp.scheduler.queue;
  const setOf = (node: number) => queue.findIndex((set) => set.includes(node));
  const index = (v: unknown) => {
    const k = comp.nodeNames.indexOf(String(v));
    if (k < 0) throw new NoBaseline(`termination names ${String(v)}`);
    return k;
  };
  const term = comp.conditionSpecs.trial as Json;
  let endSet: number;
  let endCond: string;
  if (term.type === 'AllHaveRun' && (term.time_scale === undefined || term.time_scale === 'TRIAL')) {
    const deps = Array.isArray(term.dependencies) ? term.dependencies.map(index) : comp.nodes.map((_, k) => k);
    endSet = Math.max(...deps.map(setOf));
    endCond = '1';
  } else if (term.type === 'AfterNCalls' && (term.time_scale === undefined || term.time_scale === 'TRIAL')) {
    const calls = scalar(term.n, 'AfterNCalls.n');
    if (calls < 1) throw new NoBaseline('AfterNCalls with n < 1');
    endSet = setOf(index(term.dependency));
    endCond = `pass + 1 >= ${calls}`;
  } else if (term.type === 'WhenFinished') {
    const d = index(term.dependency);
    endSet = setOf(d);
    endCond = nodes[d]!.finished;
  } else {
    throw new NoBaseline(`trial termination ${JSON.stringify(term).slice(0, 60)}`);
  }

  // Inputs (cycled) and results.
  const inputDecls = inputs.nodes.map((node, j) => {
    const trials = inputs.trials[j]!;
    const size = comp.nodes[node]!.inputPorts[0]!.size;
    return `static const double in${j}[${trials.length}][${size}] = {${trials.map((t) => `{${list(t[0]!)}}`).join(', ')}};`;
  });
  const resultCopies: string[] = [];
  let width = 0;
  for (const k of comp.outputNodes) {
    nodes[k]!.ports.forEach((port, j) => {
      const len = comp.nodes[k]!.outputPorts[j]!.slot.reduce((a, s) => a + s.length, 0);
      resultCopies.push(`memcpy(out + ${width}, ${port}, sizeof(double) * ${len});`);
      width += len;
    });
  }

  const resets = comp.conditionSpecs.reset.map((spec, k) => (spec === undefined || !nodes[k]!.reset.length ? null : { k, when: resetExpr(spec) }));
  const indent = (lines: string[], by: string) => lines.map((l) => by + l);
  const src: string[] = [
    `/* C baseline of ${label}: generated by bench/baselines/c-source.ts (regenerate: npm run bench -- --write-baselines). */`,
    `#define RESULTS_WIDTH ${width}`,
    '#include "harness.h"',
    '#include "mt19937.h"',
    '',
    ...cx.decls,
    ...inputDecls,
    '',
    ...nodes.flatMap((node, k) => [
      `/* ${comp.nodeNames[k]} (${comp.nodes[k]!.type}) */`,
      `static inline void gather${k}(void) {`,
      ...indent(node.gather, '  '),
      '}',
      `static inline void execute${k}(void) {`,
      ...indent(node.execute, '  '),
      '}',
      ...(node.reset.length ? [`static void reset${k}(void) {`, ...indent(node.reset, '  '), '}'] : []),
    ]),
    '',
    'static void model_init(void) {',
    ...indent(cx.inits, '  '),
    ...comp.nodes.map((_, k) => `  memset(n${k}_x, 0, sizeof n${k}_x);`),
    ...comp.inputNodes.map((k) => `  memset(n${k}_ext, 0, sizeof n${k}_ext);`),
    '}',
    '',
    'static void model_run(long ntrials, double *results) {',
    '  for (long t = 0; t < ntrials; t++) {',
    ...inputs.nodes.map((node, j) => `    memcpy(n${node}_ext, in${j}[t % ${inputs.trials[j]!.length}], sizeof n${node}_ext);`),
    ...resets.filter((r) => r !== null).map((r) => `    if (${r.when}) reset${r.k}();`),
    '    for (long pass = 0;; pass++) {',
    ...queue.flatMap((set, s) => [
      ...set.map((k) => `      gather${k}();`),
      ...set.map((k) => `      execute${k}();`),
      ...(s === endSet ? [`      if (${endCond}) break;`] : []),
    ]),
    '    }',
    '    double *out = results + t * RESULTS_WIDTH;',
    ...resultCopies.map((l) => `    ${l}`),
    '  }',
    '}',
    '',
  ];
  if (n === 0) throw new NoBaseline('no nodes');
  return { source: src.join('\n'), resultsWidth: width };
}
