/** Every Function type of model-format version 1, by name. Adding a function = one file + one line here. */
import { ModelError, describeValue } from '../../model/errors.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, Shape } from '../types.js';
import { COMBINATION_FUNCTIONS } from './combination/index.js';
import { DISTRIBUTION_FUNCTIONS } from './distribution/index.js';
import { INTEGRATOR_FUNCTIONS } from './integrator/index.js';
import { OBJECTIVE_FUNCTIONS } from './objective/index.js';
import { OPTIMIZATION_FUNCTIONS } from './optimization/index.js';
import { SELECTION_FUNCTIONS } from './selection/index.js';
import { TRANSFER_FUNCTIONS } from './transfer/index.js';
import { USERDEFINED_FUNCTIONS } from './userdefined/index.js';

export const FUNCTIONS: Readonly<Record<string, FunctionDeclaration>> = Object.freeze({
  ...TRANSFER_FUNCTIONS,
  ...COMBINATION_FUNCTIONS,
  ...DISTRIBUTION_FUNCTIONS,
  ...INTEGRATOR_FUNCTIONS,
  ...OBJECTIVE_FUNCTIONS,
  ...OPTIMIZATION_FUNCTIONS,
  ...SELECTION_FUNCTIONS,
  ...USERDEFINED_FUNCTIONS,
});

export function functionDeclaration(type: string): FunctionDeclaration | undefined {
  return Object.prototype.hasOwnProperty.call(FUNCTIONS, type) ? FUNCTIONS[type] : undefined;
}

/** Instantiates `spec` for a variable of `shape`; an unknown type is an error, never an identity. */
export function createFunction(spec: FunctionSpec, shape: Shape, env: BuildEnv): FunctionInstance {
  const decl = functionDeclaration(spec.type);
  if (!decl) {
    throw new ModelError([
      {
        path: `${env.path}.type`,
        message: `unknown function type ${describeValue(spec.type)}`,
        expected: `one of ${Object.keys(FUNCTIONS).join(', ')}`,
        found: describeValue(spec.type),
      },
    ]);
  }
  return decl.create(spec, shape, env);
}
