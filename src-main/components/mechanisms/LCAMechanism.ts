/**
 * LCAMechanism (leaky competing accumulator): a recurrent layer whose input is integrated by a
 * LeakyCompetingIntegrator (rate = leak, time_step_size, noise scaled by √dt) before its
 * function; the recurrent matrix has self_excitation on the diagonal and −competition off it.
 * With a `threshold`, execute_until_finished repeats until the criterion is met.
 */
import type { FunctionSpec, ParamDecl } from '../types.js';
import { buildMechanism } from './mechanism-runtime.js';
import { TRANSFER_STANDARD_PORTS } from './output-ports.js';
import { inputPortsOf } from './ports.js';
import { recurrentMatrix } from './RecurrentTransferMechanism.js';
import { TRANSFER_PARAMS, resolveNodeParams, transferParts } from './TransferMechanism.js';
import type { MechanismDeclaration } from './types.js';

const LCA_PARAMS: ParamDecl[] = [
  ...TRANSFER_PARAMS.filter((p) => !['integrator_mode', 'integration_rate', 'termination_threshold'].includes(p.name)),
  { name: 'integrator_mode', kind: 'boolean', default: true, help: 'Always on for an LCA: the input is integrated by the leaky competing integrator.' },
  { name: 'leak', kind: 'numeric', default: 0.5, help: 'Decay of each unit’s activity toward zero.' },
  { name: 'competition', kind: 'numeric', default: 1.0, help: 'Mutual inhibition between units (the off-diagonal weight is −competition).' },
  { name: 'self_excitation', kind: 'numeric', default: 0.0, help: 'Each unit’s excitation of itself (the diagonal weight).' },
  { name: 'hetero', kind: 'numeric', default: undefined, help: 'Off-diagonal weight; overrides −competition when given.' },
  { name: 'time_step_size', kind: 'number', default: 0.1, help: 'Integration time step (dt).', unit: 's' },
  { name: 'threshold', kind: 'number', default: undefined, help: 'Activity level at which the accumulation is finished.' },
  { name: 'threshold_criterion', kind: 'enum', default: 'VALUE', values: ['VALUE', 'MAX_VS_NEXT', 'MAX_VS_AVG', 'CONVERGENCE'], help: 'What is compared with the threshold: any unit’s value, the gap between the top two units, the top unit vs the mean, or the change between steps.' },
  { name: 'integration_rate', kind: 'numeric', default: 0.5, help: 'Not used by an LCA (its integrator is the leaky competing integrator).' },
];

export const LCAMechanism: MechanismDeclaration = {
  type: 'LCAMechanism',
  help: 'Leaky competing accumulator: units that integrate their input, leak, excite themselves and inhibit each other.',
  params: LCA_PARAMS,
  defaultFunction: 'Logistic',
  defaultOutputPorts: ['RESULT'],
  standardOutputPorts: Object.keys(TRANSFER_STANDARD_PORTS),
  create(spec, env) {
    const p = resolveNodeParams(this, spec, env);
    const n = inputPortsOf(spec, env)[0]!.size;
    const competition = p.competition as number;
    const matrix = recurrentMatrix({ auto: p.self_excitation, hetero: p.hetero ?? (typeof competition === 'number' ? -competition : competition) }, n, env);
    const integrator: FunctionSpec = {
      type: 'LeakyCompetingIntegrator',
      rate: p.leak,
      time_step_size: p.time_step_size,
    };
    const parts = transferParts(this, spec, env, { ...p, integrator_mode: true, integrator_function: integrator, integration_rate: undefined } as Record<string, unknown>);
    const threshold = p.threshold as number | undefined;
    const criterion = p.threshold_criterion as string;
    return buildMechanism(
      {
        ...parts,
        recurrentMatrix: matrix,
        isFinished:
          threshold === undefined || threshold === null
            ? undefined
            : (value, previous) => {
                const v = value[0]!;
                const sorted = Array.from(v).sort((a, b) => b - a);
                switch (criterion) {
                  case 'MAX_VS_NEXT':
                    return sorted[0]! - (sorted[1] ?? 0) >= threshold;
                  case 'MAX_VS_AVG':
                    return sorted[0]! - v.reduce((a, b) => a + b, 0) / v.length >= threshold;
                  case 'CONVERGENCE': {
                    let d = 0;
                    for (let i = 0; i < v.length; i++) d = Math.max(d, Math.abs(v[i]! - previous[0]![i]!));
                    return d <= threshold;
                  }
                  default:
                    return sorted[0]! >= threshold;
                }
              },
        emitIsFinished:
          threshold === undefined || threshold === null || (criterion !== 'VALUE' && criterion !== 'CONVERGENCE')
            ? undefined
            : (cg, value, previous) => {
                const ir = cg.ir;
                const row = value.rows[0]!;
                if (criterion === 'VALUE') {
                  const m = ir.variable(ir.num(-Infinity), 'max');
                  ir.loop(row.len, (i) => m.set(ir.max(m.get(), ir.load(row.ptr, i))), 'max');
                  return ir.ge(m.get(), ir.num(threshold));
                }
                const d = ir.variable(ir.num(0), 'change');
                ir.loop(row.len, (i) => d.set(ir.max(d.get(), ir.fabs(ir.sub(ir.load(row.ptr, i), ir.load(previous.rows[0]!.ptr, i))))), 'change');
                return ir.le(d.get(), ir.num(threshold));
              },
      },
      env,
    );
  },
};
