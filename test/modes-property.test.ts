/**
 * Property: every execution mode gives the interpreter's numbers. For random small models
 * (test/model-generators.ts: 1–6 nodes of every compiled mechanism type, random projections,
 * scheduling conditions, noise, seeds and inputs), Interpreted, LLVM, LLVMExec, LLVMRun and Auto
 * give the same results, node values and execution order, within 1e-12 relative (NaN equals
 * NaN). A compiled mode that cannot compile a model must throw ModeUnavailableError — never give
 * other numbers — and Auto must then fall back with one warning per unavailable mode, naming
 * the component, the feature and the reason, and run in the first mode that compiles.
 *
 * The seed is fixed (printed; FC_SEED replays another one, FC_RUNS changes the run count); on
 * failure fast-check shrinks the model and prints it as JSON.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ModeUnavailableError, runModel, type ExecutionMode, type RunOutput } from '../src-main/runtime/run-model.js';
import { modelArb, modelFeatures, transcendentalReachesAnalyticalDDM, type Json } from './model-generators.js';

const SEED = process.env.FC_SEED === undefined ? 20_250_611 : Number(process.env.FC_SEED);
const RUNS = process.env.FC_RUNS === undefined ? 100 : Number(process.env.FC_RUNS);
const RTOL = 1e-12;

const COMPILED = ['LLVMRun', 'LLVMExec', 'LLVM'] as const;
type Compiled = (typeof COMPILED)[number];

type Outcome = { out: RunOutput; error?: undefined } | { out?: undefined; error: Error };

function attempt(model: Json, mode: ExecutionMode): Outcome {
  try {
    return { out: runModel({ model, mode, recordNodeValues: true, recordExecutionOrder: true }) };
  } catch (e) {
    return { error: e instanceof Error ? e : new Error(String(e)) };
  }
}

/** Null when equal within RTOL (relative; NaN equals NaN, ±Infinity equal themselves), else where they differ. */
function differ(got: unknown, want: unknown, path: string): string | null {
  if (typeof want === 'number' && typeof got === 'number') {
    if (got === want || (Number.isNaN(got) && Number.isNaN(want))) return null;
    return Math.abs(got - want) <= RTOL * Math.max(Math.abs(got), Math.abs(want)) ? null : `${path}: got ${got}, want ${want} (rel. diff ${(Math.abs(got - want) / Math.max(Math.abs(got), Math.abs(want))).toExponential(2)})`;
  }
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${path}: shape differs (got ${JSON.stringify(got)?.slice(0, 200)}, want ${JSON.stringify(want).slice(0, 200)})`;
    for (let i = 0; i < want.length; i++) {
      const d = differ(got[i], want[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (want && typeof want === 'object') {
    if (!got || typeof got !== 'object') return `${path}: got ${JSON.stringify(got)}, want an object`;
    const keys = Object.keys(want);
    if (JSON.stringify(Object.keys(got)) !== JSON.stringify(keys)) return `${path}: keys differ (${Object.keys(got).join(',')} vs ${keys.join(',')})`;
    for (const k of keys) {
      const d = differ((got as Json)[k], (want as Json)[k], `${path}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return got === want ? null : `${path}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`;
}

// Every mode lists the nodes of a time step in node order (fixed: the interpreter used to list them
// in the order cascading added them); execution order is compared strictly.
const KNOWN_BUG_STEP_ORDER = false;

function sortedSteps(order: string[][] | undefined): string[][] | undefined {
  return order?.map((step) => [...step].sort());
}

function compareOutputs(mode: ExecutionMode, got: RunOutput, want: RunOutput): string | null {
  const strict = differ(got.execution_order, want.execution_order, `${mode} execution_order`);
  let order = strict;
  if (strict && KNOWN_BUG_STEP_ORDER) {
    order = differ(sortedSteps(got.execution_order), sortedSteps(want.execution_order), `${mode} execution_order (as sets)`);
    if (!order) stats.stepOrder.set(mode, (stats.stepOrder.get(mode) ?? 0) + 1);
  }
  return (
    differ(got.results, want.results, `${mode} results`) ??
    differ(got.node_values, want.node_values, `${mode} node_values`) ??
    order ??
    differ(got.trials, want.trials, `${mode} trials`)
  );
}

// ---- coverage counters (printed at the end) ------------------------------------------------------

const stats = {
  models: 0,
  compiled: { LLVMRun: 0, LLVMExec: 0, LLVM: 0 } as Record<Compiled, number>,
  auto: { LLVMRun: 0, LLVMExec: 0, LLVM: 0, Interpreted: 0 } as Record<string, number>,
  unavailable: new Map<string, number>(),
  features: new Map<string, number>(),
  trials: 0,
  steps: 0,
  /** Generated models left out as KNOWN BUG cases (see `models` below). */
  excludedTranscendentalDDM: 0,
  /** Models whose execution order differed only in the order within a time step (KNOWN BUG above). */
  stepOrder: new Map<string, number>(),
};

/** Groups unavailability by mode and feature (for scheduler conditions: the uncompilable condition types inside). */
function countUnavailable(e: ModeUnavailableError): void {
  const inner = e.feature.startsWith('condition ') ? [...new Set(e.feature.match(/"type":"(TimeInterval|TimeTermination|Threshold)"/g) ?? [])].join(', ') : '';
  // (a long condition's description is cut short, sometimes before the uncompilable part)
  const feature = e.feature.startsWith('condition ') ? `a condition${inner ? ` with ${inner.replace(/"type":/g, '')}` : ''}` : e.feature;
  const key = `${e.mode}: ${e.component.replace(/^N\d+\b/, 'node')}: ${feature} — ${e.reason.replace(/^the (reset )?condition of \S+: /, '')}`;
  stats.unavailable.set(key, (stats.unavailable.get(key) ?? 0) + 1);
}

/** Checks one model in every mode; returns a description of the first disagreement, or null. */
function checkModel(model: Json): string | null {
  stats.models++;
  for (const f of modelFeatures(model)) stats.features.set(f, (stats.features.get(f) ?? 0) + 1);
  const ref = attempt(model, 'Interpreted');
  if (ref.error) return `Interpreted failed on a generated model (generator bug?): ${ref.error.name}: ${ref.error.message}`;
  const want = ref.out;
  stats.trials += want.trials;
  stats.steps += want.execution_order?.length ?? 0;

  const unavailable = new Map<Compiled, ModeUnavailableError>();
  for (const mode of COMPILED) {
    const r = attempt(model, mode);
    if (r.error) {
      if (!(r.error instanceof ModeUnavailableError)) return `${mode} threw ${r.error.name}: ${r.error.message}`;
      if (r.error.mode !== mode) return `${mode} threw a ModeUnavailableError for mode ${r.error.mode}`;
      if (!r.error.component || !r.error.feature || !r.error.reason) return `${mode}: ModeUnavailableError without component/feature/reason: ${r.error.message}`;
      unavailable.set(mode, r.error);
      countUnavailable(r.error);
      continue;
    }
    stats.compiled[mode]++;
    if (r.out.executed_mode !== mode) return `${mode} ran as ${r.out.executed_mode}`;
    const d = compareOutputs(mode, r.out, want) ?? differ(r.out.warnings, want.warnings, `${mode} warnings`);
    if (d) return d;
  }

  const auto = attempt(model, 'Auto');
  if (auto.error) return `Auto threw ${auto.error.name}: ${auto.error.message}`;
  const expected = COMPILED.find((m) => !unavailable.has(m)) ?? 'Interpreted';
  stats.auto[auto.out.executed_mode] = (stats.auto[auto.out.executed_mode] ?? 0) + 1;
  if (auto.out.executed_mode !== expected) return `Auto ran as ${auto.out.executed_mode}, expected ${expected} (unavailable: ${[...unavailable.keys()].join(', ') || 'none'})`;
  const fallbacks = auto.out.warnings.filter((w) => w.startsWith('Auto:'));
  const skipped = COMPILED.slice(0, expected === 'Interpreted' ? COMPILED.length : COMPILED.indexOf(expected));
  if (fallbacks.length !== skipped.length) return `Auto gave ${fallbacks.length} fallback warnings for ${skipped.length} unavailable modes: ${JSON.stringify(fallbacks)}`;
  for (const [i, mode] of skipped.entries()) {
    const e = unavailable.get(mode)!;
    const w = fallbacks[i]!;
    if (!w.includes(mode) || !w.includes(`${e.component}: ${e.feature} — ${e.reason}`)) return `Auto's warning ${JSON.stringify(w)} does not name ${mode}'s ${JSON.stringify(e.message)}`;
  }
  return compareOutputs('Auto', auto.out, want) ?? differ(auto.out.warnings.filter((w) => !w.startsWith('Auto:')), want.warnings, 'Auto warnings');
}

/**
 * The generated models, minus one KNOWN BUG feature: a DDM with DriftDiffusionAnalytical
 * downstream of a Logistic/Exponential/Tanh/Gaussian or a UDF with exp/log/tanh/sin/cos: those
 * interpreted kernels use V8's Math.*, the compiled ones glibc's libm (1-ulp differences for 3–9 %
 * of inputs), and the DDM's RT variance/skew amplify that ulp to ~1e-9 relative (see
 * transcendentalReachesAnalyticalDDM in model-generators.ts). (NWhen under All, NWhen in the trial
 * termination and Threshold indices past the value were bugs of the compiled scheduler, now fixed
 * and generated again; their reduced models below are regression tests.)
 */
const withoutKnownBug = (model: Json): boolean => {
  if (!transcendentalReachesAnalyticalDDM(model)) return true;
  stats.excludedTranscendentalDDM++;
  return false;
};
const models = modelArb({ uncompilable: true }).filter(withoutKnownBug);
const LARGE = { min: 9, max: 16, runs: process.env.FC_RUNS === undefined ? 20 : Math.max(1, Math.round(RUNS / 5)) };
const largeModels = modelArb({ minNodes: LARGE.min, maxNodes: LARGE.max }).filter(withoutKnownBug);

describe('every execution mode gives the interpreter’s numbers on random models', () => {
  afterAll(() => {
    const lines = [
      `modes property (seed ${SEED}): ${stats.models} models checked (${stats.trials} trials, ${stats.steps} time steps in Interpreted)`,
      `  left out (KNOWN BUG, DDM analytical downstream of a Math.* transcendental): ${stats.excludedTranscendentalDDM} generated models`,
      `  compiled: ${COMPILED.map((m) => `${m} ${stats.compiled[m]}/${stats.models}`).join(', ')}`,
      `  Auto executed: ${Object.entries(stats.auto).map(([m, k]) => `${m} ${k}`).join(', ')}`,
      `  KNOWN BUG (order within a time step differs): ${[...stats.stepOrder].map(([m, k]) => `${m} ${k}`).join(', ') || 'none seen'}`,
      ...[...stats.unavailable].sort((a, b) => b[1] - a[1]).map(([k, v]) => `  unavailable ×${v}: ${k}`),
      `  features: ${[...stats.features].sort((a, b) => a[0].localeCompare(b[0])).map(([k, v]) => `${k}=${v}`).join(' ')}`,
    ];
    console.log(lines.join('\n'));
  });

  it(`Interpreted = LLVM = LLVMExec = LLVMRun = Auto (fast-check seed ${SEED}, ${RUNS} models)`, async () => {
    console.log(`modes property: fast-check seed ${SEED}, ${RUNS} runs (FC_SEED / FC_RUNS to change)`);
    await fc.assert(
      fc.asyncProperty(models, async (model) => {
        // let vitest's worker talk to the main process between models (the runs are synchronous)
        await new Promise((resolve) => setImmediate(resolve));
        const problem = checkModel(model);
        if (problem) throw new Error(`${problem}\nmodel: ${JSON.stringify(model)}`);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    expect(stats.models).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);

  // More than 8 consideration sets: the compiled scheduler's big-model shape (a function per set,
  // node values copied out by a table loop, shared code for structurally identical nodes).
  it(`the same on models of ${LARGE.min}–${LARGE.max} nodes (fast-check seed ${SEED}, ${LARGE.runs} models)`, async () => {
    const before = stats.models;
    await fc.assert(
      fc.asyncProperty(largeModels, async (model) => {
        await new Promise((resolve) => setImmediate(resolve));
        const problem = checkModel(model);
        if (problem) throw new Error(`${problem}\nmodel: ${JSON.stringify(model)}`);
      }),
      { seed: SEED, numRuns: LARGE.runs },
    );
    expect(stats.models - before).toBeGreaterThanOrEqual(LARGE.runs);
  }, 600_000);
});

// ---- the known bugs, reduced -------------------------------------------------------------------

const model = (name: string, rest: Json): Json => ({ format: 'cogstudio-model', version: 1, name, ...rest });
const P1 = { type: 'ProcessingMechanism', size: 1 };

/** The smallest models of each bug the property found (LLVMRun disagreed with Interpreted). */
const KNOWN_BUGS: Record<string, Json> = {
  'order within a time step (cascade)': model('cascade_order', {
    nodes: { A: P1, B: P1 },
    projections: [],
    conditions: { A: { type: 'AfterNCalls', dependency: 'B', n: 1 } },
    termination: { trial: { type: 'AfterNPasses', n: 1 } },
    run: { inputs: { A: [[1]], B: [[2]] } },
  }),
  'NWhen under All after a false sibling': model('nwhen_in_all', {
    nodes: { A: P1, B: P1 },
    projections: [{ sender: 'A', receiver: 'B' }],
    conditions: { B: { type: 'All', conditions: [{ type: 'EveryNCalls', dependency: 'A', n: 2 }, { type: 'NWhen', condition: { type: 'Always' }, n: 1 }] } },
    termination: { trial: { type: 'AfterNPasses', n: 3 } },
    run: { inputs: { A: [[1]] } },
  }),
  'Threshold indices beyond the value': model('threshold_index', {
    nodes: { A: { type: 'ProcessingMechanism', size: 2 }, B: P1 },
    projections: [],
    conditions: { B: { type: 'Threshold', dependency: 'A', threshold: 0.5, comparator: '>=', indices: [3] } },
    termination: { trial: { type: 'AfterNPasses', n: 2 } },
    run: { inputs: { A: [[1, 1]], B: [[2]] } },
  }),
  'NWhen in the trial termination': model('nwhen_termination', {
    nodes: { A: { type: 'IntegratorMechanism', size: 1, function: { type: 'SimpleIntegrator' } } },
    projections: [],
    termination: { trial: { type: 'Any', conditions: [{ type: 'NWhen', condition: { type: 'AfterNPasses', n: 2 }, n: 5 }, { type: 'AfterNPasses', n: 6 }] } },
    run: { inputs: { A: [[1]] }, num_trials: 4 },
  }),
  'Logistic (Math.exp vs libm exp) into a DDM analytical': model('logistic_into_ddm', {
    nodes: {
      A: { type: 'ProcessingMechanism', size: 1, function: { type: 'Logistic' } },
      D: { type: 'DDM', size: 1, seed: 1, function: { type: 'DriftDiffusionAnalytical', drift_rate: 0.42, threshold: 0.46 } },
    },
    projections: [{ sender: 'A', receiver: 'D' }],
    run: { inputs: { A: [[-2.994], [-2.976], [-2.952]] } },
  }),
};

const FIXED = new Set(['order within a time step (cascade)', 'NWhen under All after a false sibling', 'Threshold indices beyond the value', 'NWhen in the trial termination']);

describe('bugs found by the property, reduced (fixed ones are regression tests; it.fails: still open)', () => {
  for (const [name, m] of Object.entries(KNOWN_BUGS)) {
    (FIXED.has(name) ? it : it.fails)(`${FIXED.has(name) ? 'fixed' : 'KNOWN BUG'}: ${name}: LLVMRun = Interpreted`, () => {
      const want = attempt(m, 'Interpreted');
      const got = attempt(m, 'LLVMRun');
      expect(want.error ?? got.error).toBeUndefined();
      expect(differ(got.out!.execution_order, want.out!.execution_order, 'execution_order') ?? differ(got.out!.node_values, want.out!.node_values, 'node_values')).toBeNull();
    });
  }
});
