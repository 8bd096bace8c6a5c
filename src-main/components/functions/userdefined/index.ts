/** The userdefined functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const USERDEFINED_FUNCTIONS: Record<string, FunctionDeclaration> = {};
