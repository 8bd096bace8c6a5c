/**
 * RecurrentTransferMechanism: a TransferMechanism whose first output port projects back to its
 * first input port through `matrix` (or one built from `auto` on the diagonal and `hetero`
 * off it). The recurrent input is summed with the external input and, in the first execution,
 * carries the mechanism's default value.
 */
import { ModelError, describeValue } from '../../model/errors.js';
import { isMatrix } from '../params.js';
import { checkMatrixSize } from '../../engine/composition.js';
import type { ParamDecl } from '../types.js';
import { buildMechanism } from './mechanism-runtime.js';
import { TRANSFER_STANDARD_PORTS } from './output-ports.js';
import { inputPortsOf } from './ports.js';
import { TRANSFER_PARAMS, resolveNodeParams, transferParts } from './TransferMechanism.js';
import type { MechanismDeclaration, MechanismEnv } from './types.js';

export const RECURRENT_PARAMS: ParamDecl[] = [
  { name: 'matrix', kind: 'matrix', default: 'HOLLOW_MATRIX', values: ['HOLLOW_MATRIX', 'IDENTITY_MATRIX', 'FULL_CONNECTIVITY_MATRIX'], help: 'Weights of the recurrent projection from the output back to the input.' },
  { name: 'auto', kind: 'numeric', default: undefined, help: 'Self-connection weight (diagonal of the recurrent matrix).' },
  { name: 'hetero', kind: 'numeric', default: undefined, help: 'Weight of connections between different units (off-diagonal).' },
];

/** The recurrent matrix of a layer of `n` units from matrix / auto / hetero. */
export function recurrentMatrix(p: Record<string, unknown>, n: number, env: MechanismEnv): Float64Array[] {
  checkMatrixSize(n, n, `${env.path}.matrix`, env.node);
  const auto = p.auto as number | number[] | undefined;
  const hetero = p.hetero as number | number[][] | undefined;
  const at = (v: unknown, i: number, j: number, dflt: number): number => {
    if (v === undefined || v === null) return dflt;
    if (typeof v === 'number') return v;
    if (Array.isArray(v) && typeof v[0] === 'number') return (v as number[])[i] ?? dflt;
    if (isMatrix(v)) return v[i]?.[j] ?? dflt;
    return dflt;
  };
  const m = p.matrix;
  const base = (i: number, j: number): number => {
    if (typeof m === 'number') return i === j ? m : 0;
    if (m === 'IDENTITY_MATRIX') return i === j ? 1 : 0;
    if (m === 'FULL_CONNECTIVITY_MATRIX') return 1;
    if (isMatrix(m)) return m[i]![j]!;
    return i === j ? 0 : 1; // HOLLOW_MATRIX
  };
  if (isMatrix(m) && (m.length !== n || m[0]!.length !== n)) {
    throw new ModelError([{ path: `${env.path}.matrix`, node: env.node, parameter: 'matrix', message: `the recurrent matrix of ${env.node} must be ${n}×${n}`, expected: `shape [${n} × ${n}]`, found: describeValue(m) }]);
  }
  return Array.from({ length: n }, (_, i) => {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      row[j] = i === j ? at(auto, i, j, base(i, j)) : at(hetero, i, j, base(i, j));
    }
    return row;
  });
}

export const RecurrentTransferMechanism: MechanismDeclaration = {
  type: 'RecurrentTransferMechanism',
  help: 'A TransferMechanism with a recurrent projection from its output back to its input (e.g. mutual inhibition within a layer).',
  params: [...TRANSFER_PARAMS, ...RECURRENT_PARAMS],
  defaultFunction: 'Linear',
  defaultOutputPorts: ['RESULT'],
  standardOutputPorts: Object.keys(TRANSFER_STANDARD_PORTS),
  create(spec, env) {
    const p = resolveNodeParams(this, spec, env);
    const n = inputPortsOf(spec, env)[0]!.size;
    return buildMechanism(transferParts(this, spec, env, p, { recurrentMatrix: recurrentMatrix(p, n, env) }), env);
  },
};
