/** Test files whose compiles must all be real (and must not fill the user's object cache). */
import { afterAll, beforeAll } from 'vitest';

/** Sets COGSTUDIO_OBJECT_CACHE=off for the file's tests and puts the previous value back after them. */
export function objectCacheOffForThisFile(): void {
  let saved: string | undefined;
  beforeAll(() => {
    saved = process.env['COGSTUDIO_OBJECT_CACHE'];
    process.env['COGSTUDIO_OBJECT_CACHE'] = 'off';
  });
  afterAll(() => {
    if (saved === undefined) delete process.env['COGSTUDIO_OBJECT_CACHE'];
    else process.env['COGSTUDIO_OBJECT_CACHE'] = saved;
  });
}
