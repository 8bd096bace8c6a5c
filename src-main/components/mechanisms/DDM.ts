/**
 * DDM (drift diffusion model). With DriftDiffusionAnalytical its value has ten items:
 * DECISION_VARIABLE (−threshold if a uniform draw from the DDM's own stream is below
 * P(lower threshold), else +threshold), RESPONSE_TIME, PROBABILITY_UPPER_THRESHOLD,
 * PROBABILITY_LOWER_THRESHOLD, and the mean, variance and skew of correct and incorrect RTs.
 * With DriftDiffusionIntegrator its value is [position, time]; it is finished when the
 * position reaches ±threshold, and it resets at the start of every trial.
 */
import { ModelError } from '../../model/errors.js';
import type { BuildEnv, FunctionInstance, ParamDecl, Value } from '../types.js';
import { allocValue } from '../types.js';
import { buildMechanism } from './mechanism-runtime.js';
import { createOutputPorts, type StandardPort } from './output-ports.js';
import { inputPortsOf } from './ports.js';
import { EXECUTION_PARAMS, functionSpecOf, resolveNodeParams } from './TransferMechanism.js';
import type { MechanismDeclaration } from './types.js';

const DDM_PORTS = [
  'DECISION_VARIABLE',
  'RESPONSE_TIME',
  'PROBABILITY_UPPER_THRESHOLD',
  'PROBABILITY_LOWER_THRESHOLD',
  'RT_CORRECT_MEAN',
  'RT_CORRECT_VARIANCE',
  'RT_CORRECT_SKEW',
  'RT_INCORRECT_MEAN',
  'RT_INCORRECT_VARIANCE',
  'RT_INCORRECT_SKEW',
] as const;

const DDM_PARAMS: ParamDecl[] = [
  ...EXECUTION_PARAMS.filter((p) => p.name !== 'reset_stateful_function_when'),
  { name: 'reset_stateful_function_when', kind: 'condition', default: { type: 'AtTrialStart' }, help: 'When the integrator restarts from its starting value (every trial by default).' },
  { name: 'seed', kind: 'integer', default: undefined, help: 'Seed of the DDM’s own stream (draws the analytical decision).' },
];

/** Wraps DriftDiffusionAnalytical's 8 outputs into the DDM's 10-item value with a drawn decision. */
function analyticalValue(fn: FunctionInstance, env: BuildEnv, seed: number): FunctionInstance {
  const rng = env.layout.rng(`${env.path}.random_state`, seed);
  return {
    type: fn.type,
    outputShape: DDM_PORTS.map(() => 1),
    params: fn.params,
    bind(ctx) {
      const inner = fn.bind(ctx);
      const stream = ctx.rng(rng);
      const out: Value = allocValue(fn.outputShape);
      const flat = new Float64Array(8);
      return {
        execute(variable, value) {
          inner.execute(variable, out);
          let k = 0;
          for (const row of out) for (let i = 0; i < row.length && k < 8; i++) flat[k++] = row[i]!;
          const [rt, er] = [flat[0]!, flat[1]!];
          const threshold = Number(fn.params.threshold ?? 1);
          const u = stream.uniform(0, 1);
          value[0]![0] = u < er ? -threshold : threshold;
          value[1]![0] = rt;
          value[2]![0] = 1 - er;
          value[3]![0] = er;
          for (let j = 2; j < 8; j++) value[j + 2]![0] = flat[j]!;
        },
        reset: inner.reset?.bind(inner),
        rng: stream,
      };
    },
    emit: fn.emit
      ? (cg, variable, value) => {
          const ir = cg.ir;
          const out = cg.scratch(fn.outputShape, 'dda');
          fn.emit!(cg, variable, out);
          const flat: import('../../compiler/codegen/ir.js').V[] = [];
          for (const row of out.rows) for (let i = 0; i < row.len && flat.length < 8; i++) flat.push(ir.load(row.ptr, i, 'dda'));
          const threshold = ir.num(Number(fn.params.threshold ?? 1));
          const u = cg.rng(rng).uniform(ir.num(0), ir.num(1));
          ir.store(ir.select(ir.lt(u, flat[1]!), ir.neg(threshold), threshold), value.rows[0]!.ptr);
          ir.store(flat[0]!, value.rows[1]!.ptr);
          ir.store(ir.sub(ir.num(1), flat[1]!), value.rows[2]!.ptr);
          ir.store(flat[1]!, value.rows[3]!.ptr);
          for (let j = 2; j < 8; j++) ir.store(flat[j]!, value.rows[j + 2]!.ptr);
        }
      : undefined,
  };
}

export const DDM: MechanismDeclaration = {
  type: 'DDM',
  help: 'Drift diffusion model of a two-choice decision: analytical solution (probabilities and RT moments) or step-by-step integration to a threshold.',
  params: DDM_PARAMS,
  defaultFunction: 'DriftDiffusionAnalytical',
  defaultOutputPorts: ['DECISION_VARIABLE', 'RESPONSE_TIME'],
  standardOutputPorts: DDM_PORTS,
  create(spec, env) {
    const p = resolveNodeParams(this, spec, env);
    const inputPorts = inputPortsOf(spec, env);
    const fnSpec = functionSpecOf(spec, this, env);
    const sizes = inputPorts.map((x) => x.size);
    let fn: FunctionInstance;
    let standard: Record<string, StandardPort>;
    if (fnSpec.type === 'DriftDiffusionAnalytical') {
      fn = analyticalValue(env.createFunction(fnSpec, sizes, `${env.path}.function`), env, (p.seed as number | undefined) ?? 0);
      standard = Object.fromEntries(DDM_PORTS.map((name, row) => [name, { row }]));
    } else if (fnSpec.type === 'DriftDiffusionIntegrator') {
      fn = env.createFunction(fnSpec, sizes, `${env.path}.function`);
      standard = { DECISION_VARIABLE: { row: 0 }, RESPONSE_TIME: { row: 1 } };
    } else {
      throw new ModelError([{ path: `${env.path}.function.type`, node: env.node, parameter: 'function', message: `a DDM's function must be DriftDiffusionAnalytical or DriftDiffusionIntegrator`, found: JSON.stringify(fnSpec.type) }]);
    }
    const integrating = fnSpec.type === 'DriftDiffusionIntegrator';
    return buildMechanism(
      {
        type: this.type,
        name: env.node,
        inputPorts,
        params: p,
        function: fn,
        outputPorts: (shape) => createOutputPorts(spec.output_ports, shape, standard, this.defaultOutputPorts, env, env.path),
        resetWhen: integrating ? p.reset_stateful_function_when : undefined,
        executeUntilFinished: p.execute_until_finished as boolean,
        maxExecutions: p.max_executions_before_finished as number,
        isFinished: integrating ? (_v, _p, f) => f.isFinished?.() ?? true : undefined,
        emitIsFinished: integrating && fn.emitIsFinished ? (cg) => fn.emitIsFinished!(cg) : undefined,
      },
      env,
    );
  },
};
