/**
 * ObjectiveMechanism: combines the output ports it monitors (one input port each) with its
 * function, by default LinearCombination weighted and raised to powers given by the input ports.
 * Its port is OUTCOME.
 *
 * The reference files pair an input port's two numbers the other way round from their names:
 * PsyNeuLink applied a port's `exponent` as its weight and its `weight` as its exponent (as when
 * the tuple (port, exponent, weight) reaches PsyNeuLink, which reads (port, weight, exponent)).
 * i_ocm_gridsearch pins it: its rt port says exponent −1, weight 1, and PsyNeuLink's OBJ values
 * are −reward·P(upper)·RT (e.g. −12.2736 = −10·0.93640·1.31073), not reward·P(upper)/RT.
 */
import { ModelError, describeValue } from '../../model/errors.js';
import type { FunctionSpec } from '../types.js';
import { buildMechanism } from './mechanism-runtime.js';
import { TRANSFER_STANDARD_PORTS, createOutputPorts } from './output-ports.js';
import { inputPortsOf } from './ports.js';
import { EXECUTION_PARAMS, functionSpecOf, resolveNodeParams } from './TransferMechanism.js';
import type { MechanismDeclaration } from './types.js';

export const ObjectiveMechanism: MechanismDeclaration = {
  type: 'ObjectiveMechanism',
  help: 'Evaluates the output ports it monitors, e.g. to give a controller its objective.',
  params: EXECUTION_PARAMS,
  defaultFunction: 'LinearCombination',
  defaultOutputPorts: ['OUTCOME'],
  standardOutputPorts: ['OUTCOME', ...Object.keys(TRANSFER_STANDARD_PORTS)],
  create(spec, env) {
    const portSpecs = Array.isArray(spec.input_ports) ? (spec.input_ports as Record<string, unknown>[]) : [];
    const cleaned = portSpecs.map((p) => {
      const { weight: _w, exponent: _e, ...rest } = typeof p === 'object' && p !== null ? p : ({} as Record<string, unknown>);
      return rest;
    });
    const p = resolveNodeParams(this, spec, env);
    const inputPorts = inputPortsOf({ ...spec, input_ports: spec.input_ports === undefined ? undefined : cleaned }, env);
    const num = (v: unknown, key: string, i: number): number => {
      if (v === undefined || v === null) return 1;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new ModelError([{ path: `${env.path}.input_ports[${i}].${key}`, node: env.node, parameter: key, message: `the ${key} of an input port of ${env.node} must be a number`, expected: 'a finite number', found: describeValue(v) }]);
      }
      return v;
    };
    let fnSpec: FunctionSpec = functionSpecOf(spec, this, env);
    if (fnSpec.type === 'LinearCombination' && portSpecs.length) {
      const weights = portSpecs.map((q, i) => [num(q?.exponent, 'exponent', i)]);
      const exponents = portSpecs.map((q, i) => [num(q?.weight, 'weight', i)]);
      fnSpec = { ...fnSpec };
      if (fnSpec.weights === undefined && weights.some((w) => w[0] !== 1)) fnSpec.weights = weights;
      if (fnSpec.exponents === undefined && exponents.some((e) => e[0] !== 1)) fnSpec.exponents = exponents;
    }
    const fn = env.createFunction(fnSpec, inputPorts.map((x) => x.size), `${env.path}.function`);
    return buildMechanism(
      {
        type: this.type,
        name: env.node,
        inputPorts,
        params: p,
        function: fn,
        outputPorts: (shape) => createOutputPorts(spec.output_ports, shape, { ...TRANSFER_STANDARD_PORTS, OUTCOME: { row: 0 } }, this.defaultOutputPorts, env, env.path),
        executeUntilFinished: p.execute_until_finished as boolean,
        maxExecutions: p.max_executions_before_finished as number,
      },
      env,
    );
  },
};
