/** The objective functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { Distance } from './Distance.js';
import { Energy, Entropy, Stability } from './Stability.js';

export const OBJECTIVE_FUNCTIONS: Record<string, FunctionDeclaration> = { Stability, Energy, Entropy, Distance };
