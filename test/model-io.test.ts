/**
 * Reading and writing model files: problems with the file itself are ModelErrors naming the file;
 * saving is atomic, round-trips every model, and never overwrites a newer format version.
 */
import { lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelError } from '../src-main/model/errors.js';
import { readModelFile } from '../src-main/model/load.js';
import { formatModelText, writeModelFile } from '../src-main/model/save.js';
import type { ModelFile } from '../shared/model/schema.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';

/** Lets a test make one fs operation of the save fail, as a full disk or a crash would. */
const failing = vi.hoisted(() => ({ rename: undefined as Error | undefined }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (failing.rename) throw failing.rename;
      return actual.rename(from, to);
    },
  };
});

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cogstudio-model-io-'));
  failing.rename = undefined;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function reference(file: string): ModelFile {
  return structuredClone(readReferenceJson<{ model: ModelFile }>(file).model);
}

async function readError(path: string): Promise<ModelError> {
  try {
    await readModelFile(path);
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error('the file was accepted');
}

/** Hand-written models exercising what the reference cases do not. */
const HAND_WRITTEN: Record<string, ModelFile> = {
  'unicode names, studio data and node order': {
    format: 'cogstudio-model',
    version: 1,
    name: 'Модель «Stroop» 🧠',
    seed: 42,
    nodes: {
      'Zeta input': { type: 'TransferMechanism', size: 2, studio: { x: 1.5, y: -3 } },
      'alpha-Ω': { type: 'ProcessingMechanism', input_ports: [{ name: 'in', size: 2 }], function: { type: 'Linear', slope: 0.5 } },
      M: { type: 'TransferMechanism', size: 2, function: { type: 'Logistic', gain: 1e-300, bias: -0 + 1.5e300 } },
    },
    projections: [
      { sender: 'Zeta input', receiver: 'alpha-Ω', receiver_port: 'in', matrix: 2 },
      { sender: 'alpha-Ω', receiver: 'M', matrix: 'IDENTITY_MATRIX', studio: { curve: [0, 0.1, 0.2] } },
    ],
    conditions: {
      M: {
        type: 'All',
        conditions: [
          { type: 'NWhen', condition: { type: 'Not', condition: { type: 'AtPass', n: 0 } }, n: 3 },
          { type: 'Any', conditions: [{ type: 'EveryNCalls', dependency: 'alpha-Ω', n: 1 }, { type: 'TimeTermination', t: 3 }] },
        ],
      },
    },
    termination: { trial: { type: 'AfterNCalls', dependency: 'M', n: 2, time_scale: 'TRIAL' }, run: { type: 'AfterNTrials', n: 3 } },
    run: { inputs: { 'Zeta input': [[0.1, 0.2], [[0.3, 0.4]]] }, num_trials: 3 },
    output_nodes: ['M'],
    studio: { notes: 'line one\nline two\t"quoted"', zoom: 0.75, open: [true, false, null] },
  },
  'control with an OptimizationControlMechanism': {
    format: 'cogstudio-model',
    version: 1,
    nodes: {
      A: { type: 'ProcessingMechanism', size: 1 },
      OBJ: { type: 'ObjectiveMechanism', input_ports: [{ name: 'A', weight: 1, exponent: 1 }] },
      OCM: {
        type: 'OptimizationControlMechanism',
        objective_mechanism: 'OBJ',
        state_features: [{ node: 'A', port: 'InputPort-0' }],
        function: { type: 'GridSearch', seed: 7 },
        control_signals: [{ name: 'slope', allocation_samples: [0.5, 1], intensity_cost_function: { type: 'Exponential' } }],
      },
    },
    projections: [
      { sender: 'A', receiver: 'OBJ', receiver_port: 'A' },
      { sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' },
    ],
    controller: 'OCM',
    controller_mode: 'BEFORE',
  },
  'an empty model': { format: 'cogstudio-model', version: 1, nodes: {} },
};

describe('round trip', () => {
  it.each(referenceCaseFiles())('writing %s and reading it back gives an equal model', async (file) => {
    const model = reference(file);
    const path = join(dir, 'model.cogmodel.json');
    await writeModelFile(path, model);
    const back = (await readModelFile(path)).model;
    expect(back).toEqual(model);
    expect(JSON.stringify(back)).toBe(JSON.stringify(model)); // key order too
  });

  it.each(Object.keys(HAND_WRITTEN))('writing a hand-written model (%s) and reading it back gives an equal model', async (name) => {
    const model = HAND_WRITTEN[name]!;
    const path = join(dir, 'hand.cogmodel.json');
    await writeModelFile(path, model);
    const back = (await readModelFile(path)).model;
    expect(back).toEqual(model);
    expect(JSON.stringify(back)).toBe(JSON.stringify(model));
  });

  it('the file is readable JSON: 2-space indent, keys in the order given, one final newline', async () => {
    const model = HAND_WRITTEN['unicode names, studio data and node order']!;
    const path = join(dir, 'm.cogmodel.json');
    await writeModelFile(path, model);
    const text = readFileSync(path, 'utf8');
    expect(text).toBe(formatModelText(model));
    expect(text).toBe(JSON.stringify(model, null, 2) + '\n');
    expect(text.indexOf('"Zeta input"')).toBeLessThan(text.indexOf('"alpha-Ω"'));
    expect(text.indexOf('"alpha-Ω": {')).toBeLessThan(text.indexOf('"M": {'));
    expect(text.split('\n')[1]).toBe('  "format": "cogstudio-model",');
  });

  it('saving the same model twice gives the same bytes', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    await writeModelFile(a, reference('c_stroop_botvinick.json'));
    await writeModelFile(b, reference('c_stroop_botvinick.json'));
    expect(readFileSync(a)).toEqual(readFileSync(b));
  });
});

describe('atomic save', () => {
  it('a failed write leaves the old file intact and no temporary file behind', async () => {
    const path = join(dir, 'model.cogmodel.json');
    await writeModelFile(path, reference('a_linear_chain.json'));
    const before = readFileSync(path);
    failing.rename = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    const err = await writeModelFile(path, reference('c_stroop_botvinick.json')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(path);
    expect(err!.message).toContain('the disk is full');
    expect(err!.cause).toBe(failing.rename);
    expect(readFileSync(path)).toEqual(before);
    expect(readdirSync(dir)).toEqual(['model.cogmodel.json']);
  });

  it('a path whose parent is a file fails with an error naming the path and the cause', async () => {
    const blocker = join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'model.cogmodel.json');
    await expect(writeModelFile(path, reference('a_linear_chain.json'))).rejects.toThrow(
      new RegExp(`could not save the model to ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a part of the path is a file`),
    );
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('a missing folder fails with an error naming the path', async () => {
    const path = join(dir, 'no', 'such', 'folder', 'm.json');
    await expect(writeModelFile(path, reference('a_linear_chain.json'))).rejects.toThrow(/the folder does not exist/);
  });

  it('saving onto a folder is refused', async () => {
    await expect(writeModelFile(dir, reference('a_linear_chain.json'))).rejects.toThrow(/it is a folder/);
  });

  it('a model holding NaN is refused before anything is written', async () => {
    const path = join(dir, 'model.cogmodel.json');
    const model = reference('a_linear_chain.json');
    (model.nodes.IN!.function as Record<string, unknown>).slope = NaN;
    await expect(writeModelFile(path, model)).rejects.toBeInstanceOf(ModelError);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('overwriting keeps the file mode', async () => {
    const path = join(dir, 'model.cogmodel.json');
    await writeModelFile(path, reference('a_linear_chain.json'));
    chmodSync(path, 0o640);
    await writeModelFile(path, reference('g_recurrent.json'));
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it('saving through a symbolic link replaces the file it points at, not the link', async () => {
    const real = join(dir, 'real.cogmodel.json');
    const link = join(dir, 'link.cogmodel.json');
    await writeModelFile(real, reference('a_linear_chain.json'));
    symlinkSync(real, link);
    await writeModelFile(link, reference('g_recurrent.json'));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect((await readModelFile(real)).model).toEqual(reference('g_recurrent.json'));
  });
});

describe('newer format versions', () => {
  it('a file of a newer format version is never overwritten', async () => {
    const path = join(dir, 'future.cogmodel.json');
    const future = JSON.stringify({ format: 'cogstudio-model', version: 2, nodes: {}, new_things: [1] }, null, 2);
    writeFileSync(path, future);
    await expect(writeModelFile(path, reference('a_linear_chain.json'))).rejects.toThrow(
      `refusing to overwrite ${path}: this file was written by a newer CogStudio (format version 2); this version reads version 1`,
    );
    expect(readFileSync(path, 'utf8')).toBe(future);
  });

  it('a newer file that is not plain JSON is recognised by its header and kept', async () => {
    const path = join(dir, 'future.cogmodel.json');
    const future = '{ "format": "cogstudio-model", "version": 3, // comments in a future syntax\n "nodes": {} }';
    writeFileSync(path, future);
    await expect(writeModelFile(path, reference('a_linear_chain.json'))).rejects.toThrow(/format version 3/);
    expect(readFileSync(path, 'utf8')).toBe(future);
  });

  it('a version-1 file, or a file that is not a model, is overwritten', async () => {
    const path = join(dir, 'm.json');
    await writeModelFile(path, reference('a_linear_chain.json'));
    await writeModelFile(path, reference('f_lca.json'));
    expect((await readModelFile(path)).model).toEqual(reference('f_lca.json'));
    writeFileSync(path, 'some notes');
    await writeModelFile(path, reference('f_lca.json'));
    expect((await readModelFile(path)).model).toEqual(reference('f_lca.json'));
  });

  it('reading a newer file gives the specific message', async () => {
    const path = join(dir, 'future.cogmodel.json');
    writeFileSync(path, JSON.stringify({ format: 'cogstudio-model', version: 5, nodes: {} }));
    const e = await readError(path);
    expect(e.issues).toEqual([expect.objectContaining({ path: 'version', message: expect.stringContaining('format version 5') })]);
  });
});

describe('reading files', () => {
  it('a missing file is a ModelError naming the file', async () => {
    const path = join(dir, 'nothing-here.cogmodel.json');
    const e = await readError(path);
    expect(e.file).toBe(path);
    expect(e.issues[0]!.message).toBe('there is no file at this path');
    expect(e.message).toContain(path);
  });

  it('a folder is refused', async () => {
    expect((await readError(dir)).issues[0]!.message).toBe('this is a folder, not a model file');
  });

  it('a file over 50 MB is refused without being read', async () => {
    const path = join(dir, 'huge.cogmodel.json');
    writeFileSync(path, '');
    truncateSync(path, 50 * 1024 * 1024 + 1);
    expect((await readError(path)).issues[0]!.message).toBe('the file is 50.0 MB; model files are limited to 50 MB');
  });

  it('a file that is not UTF-8 is refused, naming the line and column of the bad byte', async () => {
    const path = join(dir, 'latin1.cogmodel.json');
    const text = Buffer.from('{\n  "format": "cogstudio-model",\n  "name": "M\xfcller"\n}', 'latin1');
    writeFileSync(path, text);
    const i = (await readError(path)).issues[0]!;
    expect(i.message).toContain('byte 0xfc at line 3, column 13 is not valid UTF-8');
  });

  it('a JSON syntax error in a file names the file, line and column', async () => {
    const path = join(dir, 'broken.cogmodel.json');
    writeFileSync(path, '{\n  "format": "cogstudio-model"\n  "version": 1\n}');
    const e = await readError(path);
    expect(e.message).toContain(path);
    expect(e.issues[0]!.message).toContain('line 3, column 3');
  });
});
