/** The optimization functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { GridSearch } from './GridSearch.js';

export const OPTIMIZATION_FUNCTIONS: Record<string, FunctionDeclaration> = { GridSearch };
