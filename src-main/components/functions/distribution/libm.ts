/**
 * The C library's tanh, sinh, exp, log and pow for interpreted code whose results must be
 * reproduced bit for bit by its compiled twin (which calls these same functions). V8's Math.*
 * differ from glibc in the last bit for a few percent of inputs, which ill-conditioned formulas
 * (DriftDiffusionAnalytical's conditional RT moments subtract nearly equal terms) amplify far
 * beyond rounding. Where libm cannot be loaded (not Linux), Math.* stand in.
 */
import { createRequire } from 'node:module';

type Unary = (x: number) => number;

export interface Libm {
  readonly tanh: Unary;
  readonly sinh: Unary;
  readonly exp: Unary;
  readonly log: Unary;
  readonly pow: (x: number, y: number) => number;
  /** Whether these are the C library's functions (false: Math.* stand in). */
  readonly native: boolean;
}

function load(): Libm {
  const fallback: Libm = { tanh: Math.tanh, sinh: Math.sinh, exp: Math.exp, log: Math.log, pow: Math.pow, native: false };
  if (process.platform !== 'linux') return fallback;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as typeof import('koffi');
    const lib = koffi.load('libm.so.6');
    return {
      tanh: lib.func('double tanh(double)') as Unary,
      sinh: lib.func('double sinh(double)') as Unary,
      exp: lib.func('double exp(double)') as Unary,
      log: lib.func('double log(double)') as Unary,
      pow: lib.func('double pow(double, double)') as (x: number, y: number) => number,
      native: true,
    };
  } catch {
    return fallback;
  }
}

export const libm: Libm = load();
