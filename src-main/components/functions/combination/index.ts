/** The combination functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const COMBINATION_FUNCTIONS: Record<string, FunctionDeclaration> = {};
