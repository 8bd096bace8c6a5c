/** The transfer functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { Exponential } from './Exponential.js';
import { Gaussian } from './Gaussian.js';
import { Linear } from './Linear.js';
import { LinearMatrix } from './LinearMatrix.js';
import { Logistic } from './Logistic.js';
import { ReLU } from './ReLU.js';
import { SoftMax } from './SoftMax.js';
import { Tanh } from './Tanh.js';

export const TRANSFER_FUNCTIONS: Record<string, FunctionDeclaration> = {
  Linear,
  Logistic,
  Exponential,
  Tanh,
  ReLU,
  Gaussian,
  SoftMax,
  LinearMatrix,
};
