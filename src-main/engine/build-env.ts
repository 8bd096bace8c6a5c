/** The BuildEnv handed to components while a model is instantiated. */
import { createFunction } from '../components/functions/index.js';
import type { BuildEnv } from '../components/types.js';
import type { StateLayout } from './state.js';

export function makeBuildEnv(layout: StateLayout, path: string): BuildEnv {
  return {
    path,
    layout,
    createFunction: (spec, shape, p) => createFunction(spec, shape, makeBuildEnv(layout, p)),
  };
}
