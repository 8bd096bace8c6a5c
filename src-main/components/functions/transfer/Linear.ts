/** Linear: `slope * x + intercept`, element by element. */
import type { FunctionDeclaration } from '../../types.js';
import { elementwiseInstance } from './elementwise.js';

export const Linear: FunctionDeclaration = {
  type: 'Linear',
  category: 'transfer',
  help: 'Scales and shifts each element: slope·x + intercept.',
  stochastic: false,
  params: [
    { name: 'slope', kind: 'numeric', default: 1.0, help: 'Multiplies each element.' },
    { name: 'intercept', kind: 'numeric', default: 0.0, help: 'Added after scaling.' },
  ],
  create(spec, shape, env) {
    return elementwiseInstance(this, spec, shape, env, (x, i, p) => p.slope![i]! * x + p.intercept![i]!, (ir, x, p) => ir.add(ir.mul(p.slope!, x), p.intercept!));
  },
};
