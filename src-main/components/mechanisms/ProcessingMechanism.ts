/** ProcessingMechanism: value = function(variable); its default port is OutputPort-0. */
import { buildMechanism } from './mechanism-runtime.js';
import { TRANSFER_STANDARD_PORTS } from './output-ports.js';
import { EXECUTION_PARAMS, resolveNodeParams, transferParts } from './TransferMechanism.js';
import type { MechanismDeclaration } from './types.js';

export const ProcessingMechanism: MechanismDeclaration = {
  type: 'ProcessingMechanism',
  help: 'Applies its function to its input; the simplest mechanism.',
  params: EXECUTION_PARAMS,
  defaultFunction: 'Linear',
  defaultOutputPorts: ['OutputPort-0'],
  standardOutputPorts: Object.keys(TRANSFER_STANDARD_PORTS),
  create(spec, env) {
    const p = resolveNodeParams(this, spec, env);
    return buildMechanism(transferParts(this, spec, env, { ...p, integrator_mode: false, noise: 0, clip: null }, { clip: null }), env);
  },
};
