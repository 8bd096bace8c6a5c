/** The selection functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { OneHot } from './OneHot.js';

export const SELECTION_FUNCTIONS: Record<string, FunctionDeclaration> = { OneHot };
