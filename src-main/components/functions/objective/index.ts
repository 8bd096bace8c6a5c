/** The objective functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const OBJECTIVE_FUNCTIONS: Record<string, FunctionDeclaration> = {};
