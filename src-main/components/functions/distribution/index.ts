/** The distribution functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const DISTRIBUTION_FUNCTIONS: Record<string, FunctionDeclaration> = {};
