/** The integrator functions, by name. */
import type { FunctionDeclaration } from '../../types.js';

export const INTEGRATOR_FUNCTIONS: Record<string, FunctionDeclaration> = {};
