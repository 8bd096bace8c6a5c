/** The integrator functions, by name. */
import type { FunctionDeclaration } from '../../types.js';
import { AccumulatorIntegrator } from './AccumulatorIntegrator.js';
import { AdaptiveIntegrator } from './AdaptiveIntegrator.js';
import { DriftDiffusionIntegrator } from './DriftDiffusionIntegrator.js';
import { DualAdaptiveIntegrator } from './DualAdaptiveIntegrator.js';
import { FitzHughNagumoIntegrator } from './FitzHughNagumoIntegrator.js';
import { LeakyCompetingIntegrator } from './LeakyCompetingIntegrator.js';
import { OrnsteinUhlenbeckIntegrator } from './OrnsteinUhlenbeckIntegrator.js';
import { SimpleIntegrator } from './SimpleIntegrator.js';

export const INTEGRATOR_FUNCTIONS: Record<string, FunctionDeclaration> = {
  SimpleIntegrator,
  AdaptiveIntegrator,
  AccumulatorIntegrator,
  DriftDiffusionIntegrator,
  OrnsteinUhlenbeckIntegrator,
  LeakyCompetingIntegrator,
  FitzHughNagumoIntegrator,
  DualAdaptiveIntegrator,
};
