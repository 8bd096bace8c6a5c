/**
 * TransferMechanism: value = clip(function(input)), where input is the variable plus noise, or
 * — in integrator_mode — the variable integrated over executions by an AdaptiveIntegrator
 * (rate = integration_rate, noise inside the integrator, starting from initial_value).
 * A Logistic function without an explicit clip gets clip (0, 1), as in PsyNeuLink.
 */
import { ModelError, describeValue } from '../../model/errors.js';
import { createNoise } from '../functions/noise.js';
import { flattenNumbers, isSpecObject, resolveParams } from '../params.js';
import type { FunctionSpec, ParamDecl } from '../types.js';
import { buildMechanism, type MechanismParts } from './mechanism-runtime.js';
import { TRANSFER_STANDARD_PORTS, createOutputPorts } from './output-ports.js';
import { inputPortsOf } from './ports.js';
import type { MechanismDeclaration, MechanismEnv, NodeSpec } from './types.js';

/** Keys every node may have besides its parameters. */
export const NODE_KEYS = ['type', 'size', 'input_ports', 'function', 'output_ports', 'studio'] as const;

export const EXECUTION_PARAMS: ParamDecl[] = [
  { name: 'execute_until_finished', kind: 'boolean', default: true, help: 'Repeat the execution within one time step until the mechanism reports it is finished.' },
  { name: 'max_executions_before_finished', kind: 'integer', default: 1000, help: 'Upper bound on repeated executions within one time step.' },
  { name: 'reset_stateful_function_when', kind: 'condition', default: undefined, help: 'A condition, checked at each trial start, that resets the stateful function.' },
];

export const TRANSFER_PARAMS: ParamDecl[] = [
  { name: 'integrator_mode', kind: 'boolean', default: false, help: 'Integrate the input over executions (leaky averaging) before applying the function.' },
  { name: 'integration_rate', kind: 'numeric', default: 0.5, help: 'Weight of the new input in integrator mode (1 = no memory).' },
  { name: 'initial_value', kind: 'numeric', default: undefined, help: 'Starting point of the integrator (defaults to zeros).' },
  { name: 'integrator_function', kind: 'function', default: undefined, help: 'The integrator used in integrator mode (default AdaptiveIntegrator).' },
  { name: 'noise', kind: 'noise', default: 0, help: 'Added to the input each execution: a number, one value per element, or a distribution.' },
  { name: 'clip', kind: 'range', default: undefined, help: 'Lower and upper bounds applied to the value.' },
  { name: 'termination_threshold', kind: 'number', default: undefined, help: 'With execute_until_finished, stop once the change between executions is at most this.' },
  { name: 'termination_measure', kind: 'enum', default: 'max_abs_diff', values: ['max_abs_diff'], help: 'How the change between executions is measured.' },
  { name: 'termination_comparison_op', kind: 'enum', default: '<=', values: ['<=', '<', '>=', '>', '==', '!='], help: 'How the change is compared with termination_threshold.' },
  { name: 'on_resume_integrator_mode', kind: 'enum', default: 'current_value', values: ['current_value', 'last_integrated_value', 'reset'], help: 'What the integrator starts from when integrator mode is switched back on.' },
  ...EXECUTION_PARAMS,
];

export function resolveNodeParams(decl: MechanismDeclaration, spec: NodeSpec, env: MechanismEnv, extra: readonly string[] = []) {
  return resolveParams(decl.type, decl.params, spec, env.path, [...NODE_KEYS, ...extra], env.node);
}

export function functionSpecOf(spec: NodeSpec, decl: MechanismDeclaration, env: MechanismEnv): FunctionSpec {
  if (spec.function === undefined) return { type: decl.defaultFunction };
  if (!isSpecObject(spec.function)) {
    throw new ModelError([{ path: `${env.path}.function`, node: env.node, parameter: 'function', message: `the function of ${env.node} must be a function object`, expected: '{"type": "Logistic", ...}', found: describeValue(spec.function) }]);
  }
  return spec.function as FunctionSpec;
}

function clipOf(p: Record<string, unknown>, fn: FunctionSpec): [number | null, number | null] | null {
  const clip = p.clip as [number | null, number | null] | null | undefined;
  if (clip === undefined || clip === null) return fn.type === 'Logistic' ? [0, 1] : null;
  return clip;
}

/** Initial value of the integrator: `initial_value` broadcast to the variable's shape, or zeros. */
function initializerOf(p: Record<string, unknown>, sizes: number[], env: MechanismEnv): number[][] | undefined {
  if (p.initial_value === undefined || p.initial_value === null) return undefined;
  const flat = flattenNumbers(p.initial_value);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (flat.length !== total && flat.length !== 1) {
    throw new ModelError([{ path: `${env.path}.initial_value`, node: env.node, parameter: 'initial_value', message: `initial_value of ${env.node} does not fit its input ports`, expected: `${total} values (input port sizes ${sizes.join(', ')})`, found: describeValue(p.initial_value) }]);
  }
  let k = 0;
  return sizes.map((n) => Array.from({ length: n }, () => (flat.length === 1 ? flat[0]! : flat[k++]!)));
}

/** The transfer-family parts (function, integrator, noise, clip, ports, finish rule). */
export function transferParts(
  decl: MechanismDeclaration,
  spec: NodeSpec,
  env: MechanismEnv,
  p: Record<string, unknown>,
  overrides: Partial<MechanismParts> = {},
): MechanismParts {
  const inputPorts = inputPortsOf(spec, env);
  const sizes = inputPorts.map((x) => x.size);
  const fnSpec = functionSpecOf(spec, decl, env);
  const fn = env.createFunction(fnSpec, sizes, `${env.path}.function`);
  let integrator;
  let noise;
  let resetInput: number[][] | undefined;
  if (p.integrator_mode === true) {
    const base = (p.integrator_function as FunctionSpec | undefined) ?? { type: 'AdaptiveIntegrator' };
    const integratorSpec: FunctionSpec = { rate: p.integration_rate, ...base };
    if (p.noise !== undefined && p.noise !== 0) integratorSpec.noise = p.noise;
    const init = initializerOf(p, sizes, env);
    if (init) integratorSpec.initializer = init;
    resetInput = init ?? sizes.map((n) => new Array<number>(n).fill(0));
    integrator = env.createFunction(integratorSpec, sizes, `${env.path}.integrator_function`);
  } else if (p.noise !== undefined && p.noise !== 0) {
    noise = createNoise(p.noise, Math.max(...sizes), env, `${env.path}.noise`, `${env.node}.noise`);
  }
  const threshold = p.termination_threshold as number | undefined | null;
  const op = p.termination_comparison_op as string;
  return {
    type: decl.type,
    name: env.node,
    inputPorts,
    params: p,
    function: fn,
    integrator,
    noise,
    clip: clipOf(p, fnSpec),
    outputPorts: (shape) => createOutputPorts(spec.output_ports, shape, TRANSFER_STANDARD_PORTS, decl.defaultOutputPorts, env, env.path),
    resetWhen: p.reset_stateful_function_when,
    resetInput,
    executeUntilFinished: p.execute_until_finished as boolean,
    maxExecutions: p.max_executions_before_finished as number,
    isFinished:
      threshold === undefined || threshold === null
        ? undefined
        : (value, previous) => {
            let d = 0;
            for (let r = 0; r < value.length; r++) {
              const a = value[r]!;
              const b = previous[r]!;
              for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
            }
            return compare(op, d, threshold);
          },
    emitIsFinished:
      threshold === undefined || threshold === null
        ? undefined
        : (cg, value, previous) => {
            const ir = cg.ir;
            const d = ir.variable(ir.num(0), 'change');
            value.rows.forEach((row, r) => {
              ir.loop(row.len, (i) => {
                const diff = ir.fabs(ir.sub(ir.load(row.ptr, i), ir.load(previous.rows[r]!.ptr, i)));
                d.set(ir.max(d.get(), diff));
              }, 'change');
            });
            const t = ir.num(threshold);
            const x = d.get();
            switch (op) {
              case '<':
                return ir.lt(x, t);
              case '>=':
                return ir.ge(x, t);
              case '>':
                return ir.gt(x, t);
              case '==':
                return ir.eq(x, t);
              case '!=':
                return ir.ne(x, t);
              default:
                return ir.le(x, t);
            }
          },
    ...overrides,
  };
}

export function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    default:
      return a <= b;
  }
}

export const TransferMechanism: MechanismDeclaration = {
  type: 'TransferMechanism',
  help: 'Applies a transfer function to its input, optionally integrating the input over time, with noise and clipping.',
  params: TRANSFER_PARAMS,
  defaultFunction: 'Linear',
  defaultOutputPorts: ['RESULT'],
  standardOutputPorts: Object.keys(TRANSFER_STANDARD_PORTS),
  create(spec, env) {
    const p = resolveNodeParams(this, spec, env);
    return buildMechanism(transferParts(this, spec, env, p), env);
  },
};
