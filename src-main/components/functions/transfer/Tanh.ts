/**
 * Tanh: `scale * (1 - e^z) / (1 + e^z)` with `z = -2 (gain (x + bias - x_0) + offset)`, i.e.
 * scale · tanh(gain·(x + bias − x_0) + offset). Written with exp as PsyNeuLink does (same rounding);
 * where e^z overflows PsyNeuLink yields NaN, we return the limit −scale.
 */
import type { FunctionDeclaration } from '../../types.js';
import { elementwiseInstance } from './elementwise.js';

export const Tanh: FunctionDeclaration = {
  type: 'Tanh',
  category: 'transfer',
  help: 'Hyperbolic tangent of each element: scale·tanh(gain·(x + bias − x_0) + offset).',
  stochastic: false,
  params: [
    { name: 'gain', kind: 'numeric', default: 1.0, help: 'Steepness: multiplies the shifted input.' },
    { name: 'x_0', kind: 'numeric', default: 0.0, help: 'Subtracted from x before the gain (moves the centre right).' },
    { name: 'bias', kind: 'numeric', default: 0.0, help: 'Added to x before the gain (moves the centre left).' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Added after the gain, inside the tanh.' },
    { name: 'scale', kind: 'numeric', default: 1.0, help: 'Multiplies the result (height of the asymptotes).' },
  ],
  create(spec, shape, env) {
    return elementwiseInstance(this, spec, shape, env, (x, i, p) => {
      const e = Math.exp(-2 * (p.gain![i]! * (x + p.bias![i]! - p.x_0![i]!) + p.offset![i]!));
      if (e === Infinity) return -p.scale![i]!;
      return (p.scale![i]! * (1 - e)) / (1 + e);
    }, (ir, x, p) => {
      const e = ir.exp(ir.mul(ir.num(-2), ir.add(ir.mul(p.gain!, ir.sub(ir.add(x, p.bias!), p.x_0!)), p.offset!)));
      const v = ir.div(ir.mul(p.scale!, ir.sub(ir.num(1), e)), ir.add(ir.num(1), e));
      return ir.select(ir.eq(e, ir.num(Infinity)), ir.neg(p.scale!), v);
    });
  },
};
