/** The code generator hands modules to the JIT as bitcode (+ function attributes), not as IR text. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateModule } from '../src-main/compiler/codegen/composition.js';
import { JitError, compileIR, compileIRAsync, optimizeIR, type IRBitcode } from '../src-main/compiler/jit/index.js';
import { buildComposition } from '../src-main/engine/composition.js';
import { REPO_ROOT } from './shared-files.js';

const stroop = () =>
  generateModule(buildComposition(JSON.parse(readFileSync(join(REPO_ROOT, 'bench/models/stroop.cogmodel.json'), 'utf8')) as Parameters<typeof buildComposition>[0]), {
    withScheduler: true,
  }).ir;

/** Optimised IR without attribute-group numbering (the two paths number the groups differently). */
const normalise = (ir: string) =>
  ir
    .split('\n')
    .filter((l) => !/^attributes #\d+ =/.test(l) && !l.startsWith('; ModuleID') && !l.startsWith('source_filename'))
    .map((l) => l.replace(/ #\d+/g, ''))
    .join('\n');

describe('bitcode hand-over', () => {
  it('is bitcode, with the attributes the text path writes into the IR', () => {
    const input = stroop().handOver();
    expect(typeof input).not.toBe('string');
    const { bitcode, attributes } = input as IRBitcode;
    expect(bitcode.subarray(0, 4).toString('latin1')).toBe('BC\xc0\xde');
    expect(attributes).toContainEqual(['reset.3.TASK_LAYER', 'noinline']);
    expect(attributes).toContainEqual(['node.6.RESPONSE', 'alwaysinline']);
  });

  it('optimises to the same code as the printed text, attributes applied (resets stay out of line, node functions are inlined)', () => {
    const ir = stroop();
    const fromBitcode = optimizeIR(ir.handOver(), { optLevel: 2 }).ir;
    const fromText = optimizeIR(ir.print(), { optLevel: 2 }).ir;
    expect(normalise(fromBitcode)).toBe(normalise(fromText));
    expect(fromBitcode).toMatch(/^define internal fastcc void @reset\.3\.TASK_LAYER\(/m);
    expect(fromBitcode).not.toMatch(/^define .*@node\./m);
    expect(fromBitcode).not.toMatch(/^define .*@gather\./m);
  });

  it('runs the same machine code from bitcode synchronously and on the background path', async () => {
    const input = stroop().handOver();
    const sync = compileIR(input, { optLevel: 2, objectCache: 'off' });
    const background = await compileIRAsync(input, { optLevel: 2, objectCache: 'off' });
    try {
      expect(background.entryPoints).toEqual(sync.entryPoints);
      expect(sync.irBytes).toBe((input as IRBitcode).bitcode.length);
    } finally {
      sync.dispose();
      background.dispose();
    }
  });

  it('refuses bitcode LLVM cannot read, and an attribute for a function the module lacks, naming the module', async () => {
    const garbage: IRBitcode = { bitcode: Buffer.from('BC\xc0\xde not really bitcode', 'latin1') };
    let e: unknown = null;
    try {
      compileIR(garbage, { name: 'broken.bc', objectCache: 'off' });
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(JitError);
    expect((e as JitError).stage).toBe('parse');
    expect((e as Error).message).toContain('broken.bc');
    await expect(compileIRAsync(garbage, { name: 'broken.bc', objectCache: 'off' })).rejects.toThrow(/broken\.bc: the bitcode could not be read/);

    const good = stroop().handOver() as IRBitcode;
    const wrong: IRBitcode = { bitcode: good.bitcode, attributes: [['no.such.fn', 'noinline']] };
    expect(() => compileIR(wrong, { name: 'stroop.bc', objectCache: 'off' })).toThrow(/stroop\.bc: cannot mark @no\.such\.fn noinline: no such function/);
  });
});
