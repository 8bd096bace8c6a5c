/** The selection functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const SELECTION_FUNCTIONS: Record<string, FunctionDeclaration> = {};
