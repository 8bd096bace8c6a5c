/** The transfer functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { Linear } from './Linear.js';
import { Logistic } from './Logistic.js';

export const TRANSFER_FUNCTIONS: Record<string, FunctionDeclaration> = { Linear, Logistic };
