/** The combination functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { LinearCombination } from './LinearCombination.js';
import { Reduce } from './Reduce.js';

export const COMBINATION_FUNCTIONS: Record<string, FunctionDeclaration> = { LinearCombination, Reduce };
