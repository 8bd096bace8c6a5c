/**
 * The C library's `log`, which numpy's legacy gaussian calls and which JIT-compiled code
 * resolves to as well. V8's Math.log differs from glibc's in the last bit for ~6% of inputs,
 * which would break bit-for-bit reproduction of numpy's draws. Where libm cannot be loaded
 * (not Linux), a correctly rounded logarithm stands in.
 */
import { createRequire } from 'node:module';
import { exactLog } from './exact-log.js';

type LogFn = (x: number) => number;

function loadLibmLog(): LogFn | null {
  if (process.platform !== 'linux') return null;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as typeof import('koffi');
    const lib = koffi.load('libm.so.6');
    return lib.func('double log(double)') as LogFn;
  } catch {
    return null;
  }
}

export const libmLog: LogFn = loadLibmLog() ?? exactLog;
