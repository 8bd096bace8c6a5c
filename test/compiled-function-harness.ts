/** The standalone compiled-function entry point, as the tests use it. */
export { compileFunction, type CompiledFunction } from '../src-main/compiler/components.js';
