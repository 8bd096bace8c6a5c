/** Every Function type of model-format version 1, by name. Adding a function = one file + one line here. */
import { ModelError, describeValue } from '../../model/errors.js';
import type { BuildEnv, FunctionDeclaration, FunctionInstance, FunctionSpec, Shape } from '../types.js';
import { Linear } from './transfer/Linear.js';
import { Logistic } from './transfer/Logistic.js';

export const FUNCTIONS: Readonly<Record<string, FunctionDeclaration>> = Object.freeze({
  Linear,
  Logistic,
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
