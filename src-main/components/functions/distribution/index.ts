/** The distribution functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { DriftDiffusionAnalytical } from './DriftDiffusionAnalytical.js';
import { NormalDist } from './NormalDist.js';
import { UniformDist } from './UniformDist.js';

export const DISTRIBUTION_FUNCTIONS: Record<string, FunctionDeclaration> = { NormalDist, UniformDist, DriftDiffusionAnalytical };
