/** ReLU: `max(g, leak * g)` with `g = gain * (x - bias)`, element by element. */
import type { FunctionDeclaration } from '../../types.js';
import { elementwiseInstance } from './elementwise.js';

export const ReLU: FunctionDeclaration = {
  type: 'ReLU',
  category: 'transfer',
  help: 'Rectified linear unit: gain·(x − bias) when positive, leak times that otherwise.',
  stochastic: false,
  params: [
    { name: 'gain', kind: 'numeric', default: 1.0, help: 'Slope above the threshold.' },
    { name: 'bias', kind: 'numeric', default: 0.0, help: 'Threshold subtracted from x before the gain.' },
    { name: 'leak', kind: 'numeric', default: 0.0, help: 'Fraction of the slope kept below the threshold (0 = plain ReLU).' },
  ],
  create(spec, shape, env) {
    return elementwiseInstance(this, spec, shape, env, (x, i, p) => {
      const g = p.gain![i]! * (x - p.bias![i]!);
      const l = p.leak![i]! * g;
      // np.maximum propagates NaN
      return g !== g || l !== l ? NaN : g > l ? g : l;
    }, (ir, x, p) => {
      const g = ir.mul(p.gain!, ir.sub(x, p.bias!));
      const l = ir.mul(p.leak!, g);
      const unordered = ir.b.CreateOr(ir.ne(g, g), ir.ne(l, l));
      return ir.select(unordered, ir.num(NaN), ir.select(ir.gt(g, l), g, l));
    });
  },
};
