/**
 * Logistic: `scale / (1 + exp(-gain * (x + bias - x_0) + offset))` — PsyNeuLink puts the offset
 * inside the exponent.
 */
import type { FunctionDeclaration } from '../../types.js';
import { elementwiseInstance } from './elementwise.js';

export const Logistic: FunctionDeclaration = {
  type: 'Logistic',
  category: 'transfer',
  help: 'Sigmoid squashing of each element: scale / (1 + exp(-gain·(x + bias − x_0) + offset)).',
  stochastic: false,
  params: [
    { name: 'gain', kind: 'numeric', default: 1.0, help: 'Steepness of the sigmoid.' },
    { name: 'x_0', kind: 'numeric', default: 0.0, help: 'Horizontal position of the midpoint (subtracted from x).' },
    { name: 'bias', kind: 'numeric', default: 0.0, help: 'Added to x before the midpoint shift.' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Added inside the exponent (shifts the curve sideways, scaled by gain).' },
    { name: 'scale', kind: 'numeric', default: 1.0, help: 'Height of the upper asymptote.' },
  ],
  create(spec, shape, env) {
    return elementwiseInstance(this, spec, shape, env, (x, i, p) =>
      p.scale![i]! / (1 + Math.exp(-p.gain![i]! * (x + p.bias![i]! - p.x_0![i]!) + p.offset![i]!)),
      (ir, x, p) => ir.div(p.scale!, ir.add(ir.num(1), ir.exp(ir.add(ir.mul(ir.neg(p.gain!), ir.sub(ir.add(x, p.bias!), p.x_0!)), p.offset!)))),
    );
  },
};
