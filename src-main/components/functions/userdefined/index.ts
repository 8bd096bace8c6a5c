/** The userdefined functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { UserDefinedFunction } from './UserDefinedFunction.js';

export const USERDEFINED_FUNCTIONS: Record<string, FunctionDeclaration> = { UserDefinedFunction };
