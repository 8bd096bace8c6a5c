/** The optimization functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const OPTIMIZATION_FUNCTIONS: Record<string, FunctionDeclaration> = {};
