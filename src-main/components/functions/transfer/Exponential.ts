/** Exponential: `scale * e^(rate * x + bias) + offset`, element by element. */
import type { FunctionDeclaration } from '../../types.js';
import { elementwiseInstance } from './elementwise.js';

export const Exponential: FunctionDeclaration = {
  type: 'Exponential',
  category: 'transfer',
  help: 'Exponential growth of each element: scale·e^(rate·x + bias) + offset.',
  stochastic: false,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Multiplies x inside the exponent.' },
    { name: 'bias', kind: 'numeric', default: 0.0, help: 'Added inside the exponent, after the rate.' },
    { name: 'scale', kind: 'numeric', default: 1.0, help: 'Multiplies the exponential.' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Added after scaling.' },
  ],
  create(spec, shape, env) {
    return elementwiseInstance(this, spec, shape, env, (x, i, p) =>
      p.scale![i]! * Math.exp(p.rate![i]! * x + p.bias![i]!) + p.offset![i]!,
      (ir, x, p) => ir.add(ir.mul(p.scale!, ir.exp(ir.add(ir.mul(p.rate!, x), p.bias!))), p.offset!),
    );
  },
};
