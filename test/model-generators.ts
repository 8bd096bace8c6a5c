/**
 * fast-check arbitraries for small, valid, runnable models (model-format version 1): 1–6 nodes
 * of the mechanism types the engine compiles (Processing, Transfer, RecurrentTransfer, LCA,
 * Integrator, DDM analytical and integrating, ProcessingMechanism with a UserDefinedFunction),
 * feed-forward projections with random matrices (sometimes one back projection: a cycle),
 * random scheduling conditions, a trial termination that always lets the trial end, seeds and
 * 1–8 trials of random inputs. Values stay bounded: Exponential only with a clip and a small
 * rate, matrices and recurrent weights in [−1, 1], UDF expressions built from bounded pieces.
 *
 * Models the structural validation rejects (conditions that wait for each other in a cycle, so
 * that none can ever run — about one generated model in ten) are filtered out.
 *
 * `modelArb(opts)` gives the model JSON; `modelFeatures()` lists what a model uses (coverage
 * counts); the options and `transcendentalReachesAnalyticalDDM()` switch off the generator
 * features that hit a KNOWN BUG (see modes-property.test.ts).
 */
import fc from 'fast-check';
import { validateStructure } from '../src-main/model/validate-structure.js';

export type Json = Record<string, unknown>;

export interface GeneratorOptions {
  /** Rarely add features the compiled modes cannot generate (TimeInterval, a MEDIAN port, LCA MAX_VS_NEXT/MAX_VS_AVG). */
  uncompilable?: boolean;
  maxNodes?: number;
  /** At least this many nodes (default 1); above 8 the compiled scheduler takes its big-model shape. */
  minNodes?: number;
  /** Generate NWhen conditions (default true). */
  nwhen?: boolean;
  /**
   * Allow an NWhen anywhere under an All (default true; this found a compiled-scheduler bug, now fixed).
   */
  nwhenInAll?: boolean;
  /**
   * Let Threshold conditions use `indices` beyond the dependency's value (default true; this found a
   * compiled-scheduler bug, now fixed).
   */
  thresholdOutOfRange?: boolean;
  /**
   * Put NWhen into trial terminations (default true; this found a compiled-scheduler bug, now fixed).
   */
  nwhenInTermination?: boolean;
}

/** A node and what the rest of the model needs to know about it. */
export interface GenNode {
  kind: NodeKind;
  spec: Json;
  /** Sizes of the input ports (names InputPort-0, InputPort-1 …). */
  inSizes: number[];
  /** Output ports a projection may send from (name, size); the first is the default port. */
  outPorts: { name: string; size: number }[];
}

/** The shape of a node's value (rows × elements), for Threshold conditions. */
export function valueShape(node: GenNode): number[] {
  switch (node.kind) {
    case 'Processing':
      return node.inSizes;
    case 'UDF':
      return [node.outPorts[0]!.size];
    case 'DDMAnalytical':
      return Array.from({ length: 10 }, () => 1);
    case 'DDMIntegrator':
      return [1, 1];
    default:
      return [node.inSizes[0]!];
  }
}

/** A node a condition may depend on. */
export interface Dependency {
  name: string;
  shape: number[];
}

export type NodeKind = 'Processing' | 'Transfer' | 'Recurrent' | 'LCA' | 'Integrator' | 'DDMAnalytical' | 'DDMIntegrator' | 'UDF';

// ---- numbers ---------------------------------------------------------------------------------

/** A number in [lo, hi] on a grid of 10^-digits (readable counterexamples, shrinks toward 0 or lo). */
export function num(lo: number, hi: number, digits = 3): fc.Arbitrary<number> {
  const s = 10 ** digits;
  return fc.integer({ min: Math.ceil(lo * s), max: Math.floor(hi * s) }).map((k) => k / s);
}

const seedArb = fc.integer({ min: 0, max: 2 ** 31 - 1 });
/** A rate in (0, 1]. */
const unitRate = fc.integer({ min: 1, max: 1000 }).map((k) => k / 1000);
const vec = (n: number, lo: number, hi: number) => fc.array(num(lo, hi), { minLength: n, maxLength: n });
const matrix = (rows: number, cols: number, lo = -1, hi = 1) => fc.array(vec(cols, lo, hi), { minLength: rows, maxLength: rows });
/** A `numeric` parameter: one number, or (sometimes) one per element. */
const numeric = (n: number, lo: number, hi: number) => fc.oneof({ weight: 4, arbitrary: num(lo, hi) }, { weight: 1, arbitrary: vec(n, lo, hi) });

/** `arb` with weight `yes`, else `nil` with weight `no`. */
function rarely<T, N = undefined>(arb: fc.Arbitrary<T>, yes: number, no: number, nil?: N): fc.Arbitrary<T | N> {
  return fc.oneof({ weight: no, arbitrary: fc.constant(nil as N) }, { weight: yes, arbitrary: arb });
}

/** An object of optional keys (each present or left to its default). */
function optionalKeys<T extends Record<string, fc.Arbitrary<unknown>>>(fields: T): fc.Arbitrary<Json> {
  return fc.record(fields, { requiredKeys: [] }) as fc.Arbitrary<Json>;
}

// ---- functions ---------------------------------------------------------------------------------

type TransferFn = 'Linear' | 'Logistic' | 'Tanh' | 'ReLU' | 'Exponential' | 'Gaussian';

function transferFunction(n: number, types: readonly TransferFn[]): fc.Arbitrary<Json> {
  const by: Record<TransferFn, () => fc.Arbitrary<Json>> = {
    Linear: () => optionalKeys({ slope: numeric(n, -2, 2), intercept: numeric(n, -1, 1) }),
    Logistic: () => optionalKeys({ gain: numeric(n, 0.1, 4), x_0: num(-1, 1), bias: num(-1, 1), offset: num(-1, 1), scale: num(0.2, 2) }),
    Tanh: () => optionalKeys({ gain: numeric(n, 0.1, 3), x_0: num(-1, 1), bias: num(-1, 1), offset: num(-1, 1), scale: num(0.2, 2) }),
    ReLU: () => optionalKeys({ gain: num(0.1, 2), bias: num(-1, 1), leak: num(0, 0.5) }),
    Exponential: () => optionalKeys({ rate: num(-0.3, 0.3), bias: num(-1, 1), scale: num(-1, 1), offset: num(-1, 1) }),
    Gaussian: () => optionalKeys({ standard_deviation: num(0.2, 2), bias: num(-1, 1), scale: num(0.2, 2), offset: num(-1, 1) }),
  };
  return fc.constantFrom(...types).chain((type) => by[type]().map((p) => ({ type, ...p })));
}

/** A mechanism's or integrator's noise: a number, one number per element, or a seeded distribution. */
function noiseArb(n: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: num(-0.5, 0.5) },
    { weight: 1, arbitrary: vec(n, -0.5, 0.5) },
    {
      weight: 3,
      arbitrary: optionalKeys({ mean: num(-0.3, 0.3), standard_deviation: num(0, 1), seed: seedArb }).map((p) => ({ type: 'NormalDist', ...p })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ low: num(-0.5, 0), high: num(0, 0.5), seed: fc.option(seedArb, { nil: undefined }) })
        .map((p) => ({ type: 'UniformDist', ...p })),
    },
  );
}

const clipArb = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(num(-3, -0.1), num(0.1, 3)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant(null), num(0.1, 3)) },
  { weight: 1, arbitrary: fc.tuple(num(-3, -0.1), fc.constant(null)) },
);

/** A reset condition (checked at each trial start). */
const resetArb = fc.constantFrom<Json>(
  { type: 'AtTrialStart' },
  { type: 'AtTrial', n: 1 },
  { type: 'EveryNPasses', n: 1 },
  { type: 'Not', condition: { type: 'AtTrial', n: 2 } },
  { type: 'NWhen', condition: { type: 'AtTrialStart' }, n: 2 },
  { type: 'AfterNTrials', n: 3 },
);

/** An integrator function for an IntegratorMechanism of width n. */
function integratorFunction(n: number): fc.Arbitrary<Json> {
  return fc.oneof(
    optionalKeys({ rate: numeric(n, -1, 1), noise: noiseArb(n), offset: num(-0.5, 0.5), initializer: numeric(n, -1, 1) }).map((p) => ({ type: 'SimpleIntegrator', ...p })),
    fc
      .tuple(fc.oneof(unitRate, vec(n, 0.001, 1)), optionalKeys({ noise: noiseArb(n), offset: num(-0.5, 0.5), initializer: numeric(n, -1, 1) }))
      .map(([rate, p]) => ({ type: 'AdaptiveIntegrator', rate, ...p })),
    optionalKeys({ rate: num(-1, 1), increment: numeric(n, -1, 1), noise: noiseArb(n), initializer: numeric(n, -1, 1) }).map((p) => ({ type: 'AccumulatorIntegrator', ...p })),
  );
}

// ---- UserDefinedFunction expressions ------------------------------------------------------------

/** A bounded element-wise expression over `variable[0]` (a row), parameters a and b and constants. */
function udfExpr(depth: number): fc.Arbitrary<string> {
  const leaf = fc.oneof(
    { weight: 4, arbitrary: fc.constant('variable[0]') },
    { weight: 2, arbitrary: fc.constantFrom('a', 'b') },
    { weight: 1, arbitrary: num(-2, 2, 2).map((x) => (x < 0 ? `(${x})` : String(x))) },
  );
  if (depth <= 0) return leaf;
  const sub = udfExpr(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 3, arbitrary: fc.tuple(sub, fc.constantFrom('+', '-', '*'), sub).map(([x, op, y]) => `(${x} ${op} ${y})`) },
    { weight: 1, arbitrary: fc.tuple(sub, sub).map(([x, y]) => `(${x} / (1 + abs(${y})))`) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom('tanh', 'sin', 'cos', 'abs'), sub).map(([f, x]) => `${f}(${x})`) },
    { weight: 1, arbitrary: sub.map((x) => `exp(-abs(${x}))`) },
    { weight: 1, arbitrary: sub.map((x) => `sqrt(abs(${x}))`) },
    { weight: 1, arbitrary: sub.map((x) => `log(1 + abs(${x}))`) },
    { weight: 1, arbitrary: sub.map((x) => `-${x}`) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom('min', 'max'), sub, sub).map(([f, x, y]) => `${f}(${x}, ${y})`) },
    { weight: 1, arbitrary: fc.tuple(sub, fc.constantFrom('<', '>', '<=', '>='), sub, sub, sub).map(([c, op, d, x, y]) => `(${x} if ${c} ${op} ${d} else ${y})`) },
    { weight: 1, arbitrary: sub.map((x) => `tanh(${x}) ** 2`) },
  );
}

/**
 * A UserDefinedFunction and its output size for a single row of n: element-wise (size n, made
 * sure to depend on variable[0] by adding 0 * variable[0]), one reduction (size 1), or a list of
 * two reductions (size 2).
 */
function udfFunction(n: number): fc.Arbitrary<{ fn: Json; outSize: number }> {
  const params = fc.record({ a: num(-2, 2), b: num(-2, 2) });
  const body = udfExpr(2);
  const red = fc.tuple(fc.constantFrom('sum', 'max', 'min'), body).map(([f, x]) => `${f}(${x} + 0 * variable[0])`);
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(body, params).map(([e, p]) => ({ fn: { type: 'UserDefinedFunction', expression: `${e} + 0 * variable[0]`, ...p }, outSize: n })) },
    { weight: 1, arbitrary: fc.tuple(red, params).map(([e, p]) => ({ fn: { type: 'UserDefinedFunction', expression: e, ...p }, outSize: 1 })) },
    { weight: 1, arbitrary: fc.tuple(red, red, params).map(([e1, e2, p]) => ({ fn: { type: 'UserDefinedFunction', expression: `[${e1}, ${e2}]`, ...p }, outSize: 2 })) },
  );
}

// ---- nodes ---------------------------------------------------------------------------------------

const sizeArb = fc.integer({ min: 1, max: 5 });

function withClipIfExponential(spec: Json, clip: unknown): Json {
  const fn = spec.function as Json | undefined;
  if (fn?.type === 'Exponential' && spec.clip === undefined) return { ...spec, clip };
  return spec;
}

function transferNode(opts: GeneratorOptions): fc.Arbitrary<GenNode> {
  return sizeArb.chain((n) =>
    fc
      .record({
        fn: transferFunction(n, ['Linear', 'Logistic', 'Tanh', 'ReLU', 'Exponential', 'Gaussian']),
        extra: optionalKeys({
          integrator_mode: fc.boolean(),
          integration_rate: fc.oneof(unitRate, vec(n, 0.001, 1)),
          noise: noiseArb(n),
          clip: clipArb,
          initial_value: numeric(n, -1, 1),
        }),
        // execute until the change between executions is small (integrator mode), at most 20 times
        finish: rarely(
          fc.record({
            integrator_mode: fc.constant(true),
            termination_threshold: num(0.001, 0.5),
            termination_comparison_op: fc.option(fc.constantFrom('<=', '<', '>=', '>'), { nil: undefined }),
            max_executions_before_finished: fc.integer({ min: 1, max: 20 }),
            execute_until_finished: fc.option(fc.boolean(), { freq: 4, nil: undefined }),
          }),
          1,
          4,
          {},
        ),
        forcedClip: fc.tuple(num(-3, -0.1), num(0.1, 3)),
        ports: portsArb(n, opts),
      })
      .map(({ fn, extra, finish, forcedClip, ports }) => {
        const spec = withClipIfExponential({ type: 'TransferMechanism', size: n, function: fn, ...extra, ...finish, ...ports.spec }, forcedClip);
        return { kind: 'Transfer' as const, spec, inSizes: [n], outPorts: ports.out('RESULT') };
      }),
  );
}

/** Sometimes extra standard output ports (statistics of the value; MEDIAN has no compiled form). */
function portsArb(n: number, opts: GeneratorOptions) {
  const names = opts.uncompilable ? ['MEAN', 'variance', 'standard_deviation', 'MEDIAN'] : ['MEAN', 'variance', 'standard_deviation'];
  const weights = opts.uncompilable ? [4, 2, 2, 1] : [1, 1, 1];
  const one = fc.oneof(...names.map((name, i) => ({ weight: weights[i]!, arbitrary: fc.constant(name) })));
  return fc.oneof({ weight: 5, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.uniqueArray(one, { minLength: 1, maxLength: 2 }) }).map((extra) => ({
    spec: extra.length ? { output_ports: [{ name: 'RESULT' }, ...extra.map((name) => ({ name }))] } : {},
    out: (first: string) => [{ name: first, size: n }, ...extra.map((name) => ({ name, size: 1 }))],
  }));
}

function processingNode(): fc.Arbitrary<GenNode> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.array(sizeArb, { minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.array(sizeArb, { minLength: 2, maxLength: 2 }) },
  ).chain((sizes) =>
    transferFunction(sizes[0]!, ['Linear', 'Logistic', 'Tanh', 'ReLU', 'Gaussian'])
      // a per-element parameter must fit every row: keep multi-port functions scalar-parametrised
      .filter((fn) => sizes.length === 1 || Object.values(fn).every((v) => !Array.isArray(v)))
      .map((fn) => {
        const spec: Json = { type: 'ProcessingMechanism', function: fn };
        if (sizes.length === 1) spec.size = sizes[0];
        else spec.input_ports = sizes.map((size, i) => ({ name: `InputPort-${i}`, size }));
        return { kind: 'Processing' as const, spec, inSizes: sizes, outPorts: [{ name: 'OutputPort-0', size: sizes[0]! }] };
      }),
  );
}

function udfNode(): fc.Arbitrary<GenNode> {
  return sizeArb.chain((n) =>
    udfFunction(n).map(({ fn, outSize }) => ({
      kind: 'UDF' as const,
      spec: { type: 'ProcessingMechanism', size: n, function: fn },
      inSizes: [n],
      outPorts: [{ name: 'OutputPort-0', size: outSize }],
    })),
  );
}

function recurrentNode(opts: GeneratorOptions): fc.Arbitrary<GenNode> {
  return sizeArb.chain((n) =>
    fc
      .record({
        fn: transferFunction(n, ['Linear', 'Logistic', 'Tanh', 'ReLU', 'Exponential']),
        weights: fc.oneof(optionalKeys({ auto: num(-1, 1), hetero: num(-1, 1) }), matrix(n, n, -0.6, 0.6).map((m) => ({ matrix: m }))),
        extra: optionalKeys({ integrator_mode: fc.boolean(), integration_rate: unitRate, noise: noiseArb(n), clip: clipArb }),
        forcedClip: fc.tuple(num(-3, -0.1), num(0.1, 3)),
        ports: portsArb(n, opts),
      })
      .map(({ fn, weights, extra, forcedClip, ports }) => ({
        kind: 'Recurrent' as const,
        spec: withClipIfExponential({ type: 'RecurrentTransferMechanism', size: n, function: fn, ...weights, ...extra, ...ports.spec }, forcedClip),
        inSizes: [n],
        outPorts: ports.out('RESULT'),
      })),
  );
}

function lcaNode(opts: GeneratorOptions): fc.Arbitrary<GenNode> {
  const criteria = opts.uncompilable
    ? fc.oneof({ weight: 4, arbitrary: fc.constantFrom('VALUE', 'CONVERGENCE') }, { weight: 1, arbitrary: fc.constantFrom('MAX_VS_NEXT', 'MAX_VS_AVG') })
    : fc.constantFrom('VALUE', 'CONVERGENCE');
  const threshold = fc.record({
    threshold: num(0.01, 0.9),
    threshold_criterion: criteria,
    execute_until_finished: fc.boolean(),
    max_executions_before_finished: fc.integer({ min: 1, max: 20 }),
  });
  return sizeArb.chain((n) =>
    fc
      .record({
        fn: transferFunction(n, ['Logistic', 'Linear', 'Tanh', 'ReLU']),
        p: optionalKeys({
          leak: num(0, 1),
          competition: num(0, 1.5),
          self_excitation: num(0, 1),
          time_step_size: num(0.01, 0.5),
          noise: noiseArb(n),
          clip: clipArb,
          reset_stateful_function_when: resetArb,
          execute_until_finished: fc.boolean(),
        }),
        th: rarely(threshold, 1, 2),
      })
      .map(({ fn, p, th }) => ({
        kind: 'LCA' as const,
        spec: { type: 'LCAMechanism', size: n, function: fn, ...p, ...th },
        inSizes: [n],
        outPorts: [{ name: 'RESULT', size: n }],
      })),
  );
}

function integratorNode(): fc.Arbitrary<GenNode> {
  return sizeArb.chain((n) =>
    fc.record({ fn: integratorFunction(n), p: optionalKeys({ reset_stateful_function_when: resetArb }) }).map(({ fn, p }) => ({
      kind: 'Integrator' as const,
      spec: { type: 'IntegratorMechanism', size: n, function: fn, ...p },
      inSizes: [n],
      outPorts: [{ name: 'OutputPort-0', size: n }],
    })),
  );
}

const DDM_EXTRA_PORTS = ['PROBABILITY_UPPER_THRESHOLD', 'PROBABILITY_LOWER_THRESHOLD', 'RT_CORRECT_MEAN', 'RT_CORRECT_VARIANCE', 'RT_CORRECT_SKEW'];

function ddmAnalyticalNode(): fc.Arbitrary<GenNode> {
  return fc
    .record({
      threshold: num(0.2, 2),
      start: num(-0.9, 0.9),
      p: optionalKeys({ drift_rate: num(-2, 2), noise: num(0.1, 1.5), non_decision_time: num(0, 0.5) }),
      seed: fc.option(seedArb, { nil: undefined }),
      extra: fc.oneof({ weight: 3, arbitrary: fc.constant([] as string[]) }, { weight: 1, arbitrary: fc.uniqueArray(fc.constantFrom(...DDM_EXTRA_PORTS), { minLength: 1, maxLength: 3 }) }),
    })
    .map(({ threshold, start, p, seed, extra }) => {
      const ports = ['DECISION_VARIABLE', 'RESPONSE_TIME', ...extra];
      const spec: Json = {
        type: 'DDM',
        size: 1,
        function: { type: 'DriftDiffusionAnalytical', threshold, starting_value: Math.round(start * threshold * 1000) / 1000, ...p },
        seed,
      };
      if (extra.length) spec.output_ports = ports.map((name) => ({ name }));
      return { kind: 'DDMAnalytical' as const, spec, inSizes: [1], outPorts: ports.map((name) => ({ name, size: 1 })) };
    });
}

function ddmIntegratorNode(): fc.Arbitrary<GenNode> {
  return fc
    .record({
      threshold: num(0.2, 2),
      p: optionalKeys({
        rate: num(-2, 2),
        noise: num(0, 1),
        time_step_size: num(0.01, 0.3),
        starting_value: num(-0.15, 0.15),
        non_decision_time: num(0, 0.5),
        offset: num(-0.1, 0.1),
        seed: seedArb,
      }),
      // mostly one integration step per execution; sometimes up to 30 until a bound is reached
      until: rarely(fc.integer({ min: 1, max: 30 }).map((k) => ({ execute_until_finished: true, max_executions_before_finished: k })), 1, 5, { execute_until_finished: false }),
    })
    .map(({ threshold, p, until }) => ({
      kind: 'DDMIntegrator' as const,
      spec: { type: 'DDM', size: 1, ...until, function: { type: 'DriftDiffusionIntegrator', threshold, ...p } },
      inSizes: [1],
      outPorts: [
        { name: 'DECISION_VARIABLE', size: 1 },
        { name: 'RESPONSE_TIME', size: 1 },
      ],
    }));
}

export function nodeArb(opts: GeneratorOptions = {}): fc.Arbitrary<GenNode> {
  return fc.oneof(
    { weight: 3, arbitrary: processingNode() },
    { weight: 4, arbitrary: transferNode(opts) },
    { weight: 2, arbitrary: recurrentNode(opts) },
    { weight: 2, arbitrary: lcaNode(opts) },
    { weight: 3, arbitrary: integratorNode() },
    { weight: 1, arbitrary: ddmAnalyticalNode() },
    { weight: 2, arbitrary: ddmIntegratorNode() },
    { weight: 2, arbitrary: udfNode() },
  );
}

// ---- conditions ----------------------------------------------------------------------------------

const TIME_SCALES = ['TIME_STEP', 'PASS', 'TRIAL', 'RUN', 'LIFE'] as const;

/**
 * A node condition (nested up to `depth` levels of Any/All/Not/NWhen) whose dependencies are
 * among `deps` (the other nodes: a node waiting for itself can never run and is rejected).
 */
export function conditionArb(deps: readonly Dependency[], depth = 2, opts: GeneratorOptions = {}): fc.Arbitrary<Json> {
  const scale = fc.option(fc.constantFrom(...TIME_SCALES), { freq: 3, nil: undefined });
  const leaves: fc.WeightedArbitrary<Json>[] = [
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 5 }).map((n) => ({ type: 'AtPass', n })) },
    { weight: 2, arbitrary: fc.integer({ min: 1, max: 3 }).map((n) => ({ type: 'EveryNPasses', n })) },
    { weight: 2, arbitrary: fc.integer({ min: 0, max: 6 }).map((n) => ({ type: 'BeforePass', n })) },
    { weight: 2, arbitrary: fc.constant({ type: 'Always' }) },
    { weight: 1, arbitrary: fc.constantFrom<Json>({ type: 'AtTrialStart' }, { type: 'AfterPass', n: 1 }, { type: 'AtTrial', n: 1 }, { type: 'BeforeTrial', n: 2 }, { type: 'AfterTrial', n: 0 }, { type: 'AfterNTrials', n: 2 }) },
  ];
  if (deps.length) {
    const dep = fc.constantFrom(...deps.map((d) => d.name));
    leaves.push(
      { weight: 2, arbitrary: fc.constantFrom(...deps).chain((d) => thresholdArb(d, opts)) },
      { weight: 4, arbitrary: fc.record({ dependency: dep, n: fc.integer({ min: 1, max: 3 }) }).map((a) => ({ type: 'EveryNCalls', ...a })) },
      { weight: 3, arbitrary: fc.record({ dependency: dep, n: fc.integer({ min: 0, max: 3 }), time_scale: scale }).map((a) => ({ type: 'AfterNCalls', ...a })) },
      {
        weight: 2,
        arbitrary: fc
          .record({ dependencies: fc.uniqueArray(dep, { minLength: 1, maxLength: Math.min(3, deps.length) }), n: fc.integer({ min: 0, max: 4 }), time_scale: scale })
          .map((a) => ({ type: 'AfterNCallsCombined', ...a })),
      },
      { weight: 2, arbitrary: dep.map((d) => ({ type: 'JustRan', dependency: d })) },
      {
        weight: 2,
        arbitrary: fc
          .record({ type: fc.constantFrom('BeforeNCalls', 'AtNCalls', 'AfterCall'), dependency: dep, n: fc.integer({ min: 0, max: 3 }), time_scale: scale })
          .map((a) => ({ ...a })),
      },
      { weight: 1, arbitrary: dep.map((d) => ({ type: 'WhenFinished', dependency: d })) },
      {
        weight: 1,
        arbitrary: fc
          .record({ type: fc.constantFrom('WhenFinishedAny', 'WhenFinishedAll'), dependencies: fc.uniqueArray(dep, { minLength: 1, maxLength: Math.min(3, deps.length) }) })
          .map((a) => ({ ...a })),
      },
    );
  }
  if (opts.uncompilable) {
    leaves.push({
      weight: 1,
      arbitrary: fc.record({ start: fc.integer({ min: 0, max: 6 }), repeat: fc.integer({ min: 2, max: 4 }) }).map((a) => ({ type: 'TimeInterval', ...a })),
    });
  }
  const leaf = fc.oneof(...leaves);
  if (depth <= 0) return leaf;
  const sub = conditionArb(deps, depth - 1, opts);
  // with nwhenInAll false, the children of All never contain an NWhen
  const allSub = opts.nwhenInAll === false ? conditionArb(deps, depth - 1, { ...opts, nwhen: false }) : sub;
  const composites: fc.WeightedArbitrary<Json>[] = [
    { weight: 5, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(sub, { minLength: 1, maxLength: 3 }).map((conditions) => ({ type: 'Any', conditions })) },
    { weight: 1, arbitrary: fc.array(allSub, { minLength: 1, maxLength: 3 }).map((conditions) => ({ type: 'All', conditions })) },
    { weight: 1, arbitrary: sub.map((condition) => ({ type: 'Not', condition })) },
  ];
  if (opts.nwhen !== false) {
    composites.push({ weight: 1, arbitrary: fc.record({ condition: sub, n: fc.integer({ min: 1, max: 3 }) }).map((a) => ({ type: 'NWhen', ...a })) });
  }
  return fc.oneof(...composites);
}

/** Threshold on an element of the dependency's value: `indices` [] (the first), [row] or [row, element]. */
function thresholdArb(dep: Dependency, opts: GeneratorOptions): fc.Arbitrary<Json> {
  const rows = dep.shape.length;
  const inRange = fc.oneof(
    fc.constant(undefined),
    fc.integer({ min: 0, max: rows - 1 }).map((r) => [r]),
    fc.integer({ min: 0, max: rows - 1 }).chain((r) => fc.integer({ min: 0, max: dep.shape[r]! - 1 }).map((i) => [r, i])),
  );
  const outOfRange = fc.oneof(fc.constant([rows]), fc.integer({ min: 0, max: rows - 1 }).map((r) => [r, dep.shape[r]!]));
  const indices = opts.thresholdOutOfRange === false ? inRange : fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: outOfRange });
  return fc
    .record({
      threshold: num(-1, 1, 2),
      comparator: fc.option(fc.constantFrom('<', '<=', '>', '>=', '==', '!='), { nil: undefined }),
      indices,
      atol: fc.option(num(0, 0.5, 2), { freq: 3, nil: undefined }),
    })
    .map((a) => ({ type: 'Threshold', dependency: dep.name, ...a }));
}

/**
 * A trial termination that always ends the trial: AllHaveRun / AfterNCalls / WhenFinished (of a
 * DDM integrator) combined in Any with AfterNPasses(k ≤ 10), or AfterNPasses(n ≤ 10) alone.
 */
export function terminationArb(names: readonly string[], nodes: readonly GenNode[], opts: GeneratorOptions = {}): fc.Arbitrary<Json> {
  const dep = fc.constantFrom(...names);
  const ddms = names.filter((_, i) => nodes[i]!.kind === 'DDMIntegrator');
  const escape = fc.integer({ min: 1, max: 10 }).map((n) => ({ type: 'AfterNPasses', n }));
  const mains: fc.WeightedArbitrary<Json>[] = [
    {
      weight: 3,
      arbitrary: fc
        .record({ dependencies: fc.option(fc.uniqueArray(dep, { minLength: 1, maxLength: names.length }), { nil: undefined }), time_scale: fc.option(fc.constantFrom('PASS', 'TRIAL', 'RUN'), { freq: 4, nil: undefined }) })
        .map((a) => ({ type: 'AllHaveRun', ...a })),
    },
    { weight: 3, arbitrary: fc.record({ dependency: dep, n: fc.integer({ min: 1, max: 4 }) }).map((a) => ({ type: 'AfterNCalls', ...a })) },
    { weight: 1, arbitrary: fc.record({ dependencies: fc.uniqueArray(dep, { minLength: 1, maxLength: names.length }), n: fc.integer({ min: 1, max: 6 }) }).map((a) => ({ type: 'AfterNCallsCombined', ...a })) },
  ];
  if (opts.nwhenInTermination !== false) {
    mains.push({
      weight: 1,
      arbitrary: fc
        .record({ condition: fc.oneof(escape, dep.map((d) => ({ type: 'AfterNCalls', dependency: d, n: 1 }))), n: fc.integer({ min: 1, max: 4 }) })
        .map((a) => ({ type: 'NWhen', ...a })),
    });
  }
  if (ddms.length) mains.push({ weight: 8, arbitrary: fc.constantFrom(...ddms).map((d) => ({ type: 'WhenFinished', dependency: d })) });
  return fc.oneof(
    { weight: 4, arbitrary: fc.tuple(fc.oneof(...mains), escape).map(([m, e]) => ({ type: 'Any', conditions: [m, e] })) },
    { weight: 1, arbitrary: escape },
  );
}

// ---- projections, inputs, model -----------------------------------------------------------------

function projectionArb(nodes: readonly GenNode[], names: readonly string[], s: number, r: number, lo: number, hi: number): fc.Arbitrary<Json> {
  const sender = nodes[s]!;
  const receiver = nodes[r]!;
  return fc
    .record({
      sp: fc.oneof({ weight: 4, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: sender.outPorts.length - 1 }) }),
      rp: fc.integer({ min: 0, max: receiver.inSizes.length - 1 }),
      how: fc.constantFrom('random', 'random', 'random', 'number', 'omitted', 'full'),
      k: num(lo, hi),
    })
    .chain(({ sp, rp, how, k }) => {
      const from = sender.outPorts[sp]!;
      const to = receiver.inSizes[rp]!;
      const base: Json = { sender: names[s], receiver: names[r] };
      if (sp !== 0) base.sender_port = from.name;
      if (rp !== 0) base.receiver_port = `InputPort-${rp}`;
      if (how === 'random') return matrix(from.size, to, lo, hi).map((m) => ({ ...base, matrix: m }));
      if (how === 'number' && from.size === to) return fc.constant({ ...base, matrix: k });
      if (how === 'omitted' && from.size === to) return fc.constant(base);
      if (how === 'full') return fc.constant({ ...base, matrix: 'FULL_CONNECTIVITY_MATRIX' });
      return matrix(from.size, to, lo, hi).map((m) => ({ ...base, matrix: m }));
    });
}

function trialInputArb(node: GenNode): fc.Arbitrary<unknown> {
  if (node.inSizes.length === 1) return vec(node.inSizes[0]!, -2, 2);
  return fc.tuple(...node.inSizes.map((n) => vec(n, -2, 2)));
}

/** Input nodes as the engine computes them: no projection from another node. */
export function inputNodeNames(model: Json): string[] {
  const projections = (model.projections ?? []) as Json[];
  return Object.keys(model.nodes as Json).filter((name) => !projections.some((p) => p.receiver === name && p.sender !== name));
}

export function modelArb(opts: GeneratorOptions = {}): fc.Arbitrary<Json> {
  const maxNodes = opts.maxNodes ?? 6;
  return fc.array(nodeArb(opts), { minLength: opts.minNodes ?? 1, maxLength: maxNodes }).chain((nodes) => {
    const names = nodes.map((_, i) => `N${i}`);
    const pairs: [number, number][] = [];
    for (let i = 0; i < nodes.length; i++) for (let j = i + 1; j < nodes.length; j++) pairs.push([i, j]);
    const forward = fc.tuple(...pairs.map(([i, j]) => fc.option(projectionArb(nodes, names, i, j, -1, 1), { freq: 2, nil: null })));
    const back = pairs.length ? rarely(fc.constantFrom(...pairs).chain(([i, j]) => projectionArb(nodes, names, j, i, -0.5, 0.5)), 1, 4, null) : fc.constant(null);
    const deps = names.map((name, i) => ({ name, shape: valueShape(nodes[i]!) }));
    const conditions = fc.tuple(...names.map((owner) => rarely(conditionArb(deps.filter((d) => d.name !== owner), 2, opts), 1, 1, null)));
    return fc.record({
      projections: fc.tuple(forward, back).map(([f, b]) => [...f, b].filter((p): p is Json => p !== null)),
      conditions,
      termination: terminationArb(names, nodes, opts),
      run: rarely(fc.constantFrom<Json>({ type: 'AfterNTrials', n: 2 }, { type: 'AfterNTrials', n: 5 }), 1, 8).map((run) => (run ? { run } : {})),
      inputs: fc.tuple(...nodes.map((n) => fc.array(trialInputArb(n), { minLength: 1, maxLength: 8 }))),
      numTrials: fc.option(fc.integer({ min: 1, max: 8 }), { freq: 5, nil: undefined }),
      seed: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
    }).map(({ projections, conditions, termination, run, inputs, numTrials, seed }) => {
      const model: Json = {
        format: 'cogstudio-model',
        version: 1,
        name: 'generated',
        seed,
        nodes: Object.fromEntries(names.map((name, i) => [name, nodes[i]!.spec])),
        projections,
        conditions: Object.fromEntries(names.flatMap((name, i) => (conditions[i] ? [[name, conditions[i]]] : []))),
        termination: { trial: termination, ...run },
      };
      const inputNames = new Set(inputNodeNames(model));
      // the longest input list decides the trial count when num_trials is left out: at most 8
      model.run = {
        inputs: Object.fromEntries(names.flatMap((name, i) => (inputNames.has(name) ? [[name, inputs[i]]] : []))),
        num_trials: numTrials ?? (inputNames.size ? undefined : 3),
      };
      // drop undefined keys (the engine reads plain JSON)
      return JSON.parse(JSON.stringify(model)) as Json;
    });
    // conditions that wait for each other in a cycle (e.g. A: EveryNCalls(B), B: JustRan(A)) make
    // the model invalid: about one model in ten, left out
  }).filter((model) => validateStructure(model).length === 0);
}

// ---- what a model uses ---------------------------------------------------------------------------

/** Tags for the features a model uses: node kinds, function types, condition types, noise kinds… */
export function modelFeatures(model: Json): Set<string> {
  const tags = new Set<string>();
  const walk = (v: unknown, path: string): void => {
    if (Array.isArray(v)) v.forEach((x) => walk(x, path));
    else if (v && typeof v === 'object') {
      const o = v as Json;
      if (typeof o.type === 'string') tags.add(`${path}:${o.type}`);
      for (const [k, x] of Object.entries(o)) walk(x, k === 'conditions' || k === 'condition' || k === 'trial' || k === 'run' ? 'condition' : k);
    }
  };
  for (const node of Object.values(model.nodes as Json)) {
    const n = node as Json;
    const fn = n.function as Json | undefined;
    tags.add(`node:${n.type}${fn ? `/${fn.type}` : ''}`);
    if (n.integrator_mode === true) tags.add('integrator_mode');
    if (n.clip !== undefined) tags.add('clip');
    if (typeof n.noise === 'number') tags.add('noise:number');
    if (Array.isArray(n.noise)) tags.add('noise:array');
    if (n.threshold !== undefined) tags.add(`lca-threshold:${String(n.threshold_criterion)}`);
    if (n.output_ports) tags.add('output_ports');
    walk(n, 'node');
  }
  for (const c of Object.values((model.conditions ?? {}) as Json)) walk(c, 'condition');
  walk(model.termination, 'condition');
  const projections = model.projections as Json[];
  const order = Object.keys(model.nodes as Json);
  if (projections.some((p) => order.indexOf(String(p.sender)) > order.indexOf(String(p.receiver)))) tags.add('cycle');
  return tags;
}

// ---- known bugs ----------------------------------------------------------------------------------

/** Function types whose interpreted kernels call Math.exp / Math.tanh (the compiled ones call libm). */
const TRANSCENDENTAL_FUNCTIONS = new Set(['Logistic', 'Exponential', 'Tanh', 'Gaussian']);

/** Whether a node computes exp/log/tanh/sin/cos of its input (its function, or an LCA's default Logistic). */
export function usesTranscendental(node: Json): boolean {
  const fn = node.function as Json | undefined;
  if (!fn) return node.type === 'LCAMechanism';
  if (fn.type === 'UserDefinedFunction') return /\b(exp|log|tanh|sin|cos)\(/.test(String(fn.expression));
  return TRANSCENDENTAL_FUNCTIONS.has(String(fn.type));
}

/**
 * KNOWN BUG: the interpreted transfer functions (Logistic, Exponential, Tanh, Gaussian — and a
 * UDF's exp/log/tanh/sin/cos) use V8's Math.*, their compiled twins glibc's libm: 1-ulp
 * differences for a few percent of inputs. DriftDiffusionAnalytical's RT variance and skew are
 * ill-conditioned enough to turn that ulp into ~1e-9 relative. True when a DDM with
 * DriftDiffusionAnalytical receives (directly or through other nodes) from such a node.
 */
export function transcendentalReachesAnalyticalDDM(model: Json): boolean {
  const nodes = model.nodes as Record<string, Json>;
  const projections = (model.projections ?? []) as Json[];
  const reached = new Set(Object.keys(nodes).filter((name) => usesTranscendental(nodes[name]!)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const p of projections) {
      const r = String(p.receiver);
      if (reached.has(String(p.sender)) && !reached.has(r)) {
        reached.add(r);
        changed = true;
      }
    }
  }
  return Object.keys(nodes).some((name) => {
    const fn = nodes[name]!.function as Json | undefined;
    return nodes[name]!.type === 'DDM' && fn?.type === 'DriftDiffusionAnalytical' && projections.some((p) => p.receiver === name && reached.has(String(p.sender)));
  });
}
