/**
 * Gaussian: `scale * e^(-(x - bias)^2 / (2 sd^2)) / sqrt(2π · sd) + offset`, element by element.
 * PsyNeuLink divides by sqrt(2π·sd), not by sqrt(2π)·sd as its docstring says.
 */
import type { FunctionDeclaration } from '../../types.js';
import { elementwiseInstance } from './elementwise.js';

export const Gaussian: FunctionDeclaration = {
  type: 'Gaussian',
  category: 'transfer',
  help: 'Bell curve of each element (not a random draw): scale·e^(−(x − bias)²/(2σ²))/√(2πσ) + offset.',
  stochastic: false,
  params: [
    { name: 'standard_deviation', kind: 'numeric', default: 1.0, help: 'Width σ of the bell curve.' },
    { name: 'bias', kind: 'numeric', default: 0.0, help: 'Centre of the bell curve (subtracted from x).' },
    { name: 'scale', kind: 'numeric', default: 1.0, help: 'Multiplies the curve.' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Added after scaling.' },
  ],
  create(spec, shape, env) {
    return elementwiseInstance(this, spec, shape, env, (x, i, p) => {
      const sd = p.standard_deviation![i]!;
      const d = x - p.bias![i]!;
      const g = Math.exp(-(d * d) / (2 * (sd * sd))) / Math.sqrt(2 * Math.PI * sd);
      return p.scale![i]! * g + p.offset![i]!;
    }, (ir, x, p) => {
      const sd = p.standard_deviation!;
      const d = ir.sub(x, p.bias!);
      const g = ir.div(ir.exp(ir.div(ir.neg(ir.mul(d, d)), ir.mul(ir.num(2), ir.mul(sd, sd)))), ir.sqrt(ir.mul(ir.num(2 * Math.PI), sd)));
      return ir.add(ir.mul(p.scale!, g), p.offset!);
    });
  },
};
