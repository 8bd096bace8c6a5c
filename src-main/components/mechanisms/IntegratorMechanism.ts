/** IntegratorMechanism: value = its (integrator) function of the input; default AdaptiveIntegrator(rate 0.5). */
import { buildMechanism } from './mechanism-runtime.js';
import { TRANSFER_STANDARD_PORTS, createOutputPorts } from './output-ports.js';
import { inputPortsOf } from './ports.js';
import { EXECUTION_PARAMS, functionSpecOf, resolveNodeParams } from './TransferMechanism.js';
import type { MechanismDeclaration } from './types.js';

export const IntegratorMechanism: MechanismDeclaration = {
  type: 'IntegratorMechanism',
  help: 'Integrates its input over executions with its function (an integrator, by default AdaptiveIntegrator).',
  params: EXECUTION_PARAMS,
  defaultFunction: 'AdaptiveIntegrator',
  defaultOutputPorts: ['OutputPort-0'],
  standardOutputPorts: Object.keys(TRANSFER_STANDARD_PORTS),
  create(spec, env) {
    const p = resolveNodeParams(this, spec, env);
    const inputPorts = inputPortsOf(spec, env);
    const fnSpec = functionSpecOf(spec, this, env);
    const fn = env.createFunction(fnSpec.type === 'AdaptiveIntegrator' && fnSpec.rate === undefined ? { ...fnSpec, rate: 0.5 } : fnSpec, inputPorts.map((x) => x.size), `${env.path}.function`);
    return buildMechanism(
      {
        type: this.type,
        name: env.node,
        inputPorts,
        params: p,
        function: fn,
        outputPorts: (shape) => createOutputPorts(spec.output_ports, shape, TRANSFER_STANDARD_PORTS, this.defaultOutputPorts, env, env.path),
        resetWhen: p.reset_stateful_function_when,
        executeUntilFinished: p.execute_until_finished as boolean,
        maxExecutions: p.max_executions_before_finished as number,
        isFinished: fn.type === 'DriftDiffusionIntegrator' ? (_v, _p, f) => f.isFinished?.() ?? true : undefined,
        emitIsFinished: fn.type === 'DriftDiffusionIntegrator' && fn.emitIsFinished ? (cg) => fn.emitIsFinished!(cg) : undefined,
      },
      env,
    );
  },
};
