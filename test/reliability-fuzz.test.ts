/**
 * Reliability fuzz: random structural damage to every public reference model and every example,
 * pushed through the whole pipeline (read → validate → build → a short Interpreted run, and for
 * a few hundred still-valid models a compiled LLVMRun run), plus random and malformed engine
 * protocol messages given to Engine.handle in-process. The outcome is always a ModelError (or a
 * SchedulerLimitError / ModeUnavailableError, or for the engine a `protocol`/`model`/`mode`/
 * `limit` error event) or a valid run: never another exception type, a hang or a crash.
 *
 * The seed is printed; FC_SEED=<seed> replays a run, FC_RUNS_SCALE=<k> runs k times as many cases.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelError } from '../src-main/model/errors.js';
import { parseModelText } from '../src-main/model/load.js';
import { validateStructure } from '../src-main/model/validate-structure.js';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { ModeUnavailableError, runModel, type ExecutionMode, type RunOutput } from '../src-main/runtime/run-model.js';
import { SchedulerLimitError } from '../src-main/scheduler/scheduler.js';
import { Engine } from '../src-main/engine-process/engine.js';
import type { EngineEvent } from '../shared/protocol/engine.js';
import { DEEP, defineKey, isPlain, positions, renameReferences, retype, type Json, type Seg } from './json-mutations.js';
import { objectCacheOffForThisFile } from './object-cache-off.js';
import { REPO_ROOT, readReferenceJson, referenceCaseFiles } from './shared-files.js';

// Compiled runs here must not fill the user's object cache.
objectCacheOffForThisFile();

const SEED = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
const SCALE = Number(process.env['FC_RUNS_SCALE'] ?? 1);
console.log(`reliability-fuzz: seed ${SEED} (replay with FC_SEED=${SEED})`);
/** Every property gets its own seed derived from SEED, so each replays on its own. */
const runs = (n: number, k: number) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: (SEED + k * 7919) | 0, endOnFailure: true });
const counted: Record<string, number> = {};
function count(name: string): void {
  counted[name] = (counted[name] ?? 0) + 1;
}
afterAll(() => console.log(`reliability-fuzz: cases ${JSON.stringify(counted)} total ${Object.values(counted).reduce((a, b) => a + b, 0)} (seed ${SEED})`));

// ---------------------------------------------------------------------------------------------
// The corpus: every public reference model and every example.

const CORPUS: { label: string; model: Json }[] = [
  ...referenceCaseFiles().map((f) => ({ label: f, model: readReferenceJson<{ model: Json }>(f).model })),
  ...readdirSync(join(REPO_ROOT, 'examples'))
    .filter((f) => f.endsWith('.cogmodel.json'))
    .sort()
    .map((f) => ({ label: `examples/${f}`, model: parseModelText(readFileSync(join(REPO_ROOT, 'examples', f), 'utf8'), f).model as Json })),
];
/** Models LLVMRun compiles (the OCM models are interpreted only). */
const COMPILABLE = CORPUS.filter((c) => !JSON.stringify(c.model).includes('OptimizationControlMechanism'));

// ---------------------------------------------------------------------------------------------
// Hostile values

const bigString = (mb: number) => {
  const s = 'x'.repeat(mb * 1024 * 1024);
  return { s, show: `<${mb} MB string>` };
};
const MB1 = bigString(1);
const MB10 = bigString(10);

/** Names with quotes, `@`, `%`, backslashes, newlines, control characters, unicode and emoji. */
const HOSTILE_NAMES = [
  'a"b',
  "a'b",
  '@node',
  '%0',
  '%struct.x',
  '@llvm.trap',
  'line\nbreak',
  'tab\there',
  'nul\u0000x',
  'back\\slash',
  '"; ret void }',
  'déjà vu',
  'Ω≈ç√',
  '😀🧠',
  '\u202Eevil',
  '\ud800',
  'N'.repeat(200),
  'N'.repeat(201),
  '__proto__',
  'constructor',
  'toString',
  ' ',
  '',
  '7',
  '$(rm -rf /)',
  '<script>alert(1)</script>',
];
const hostileName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NAMES) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z"'@%\\ \n\u00e9\u{1F600}]{1,20}$/u) },
);
/** Names the validator accepts (no control characters, not a whole number, ≤ 200 characters). */
const validHostileName = fc
  .oneof(
    fc.constantFrom('a"b', "a'b", '@node', '%0', '%struct.x', '@llvm.trap', 'back\\slash', '"; ret void }', 'déjà vu', 'Ω≈ç√', '😀🧠', 'N'.repeat(200), 'constructor', 'toString', 'x y', '$(rm -rf /)'),
    fc.stringMatching(/^[A-Za-z"'@%\\ \u00e9\u{1F600}]{1,30}$/u),
  )
  .filter((s) => s.trim() !== '' && !/^(0|[1-9][0-9]*)$/.test(s));

const SIZES = [NaN, Infinity, -Infinity, 0, -0, -1, -3, 0.5, 1.5, 1e9, 1e300, 2 ** 31, 2 ** 32, 2 ** 53, 1_000_001, Number.MIN_VALUE, 100_000];
const nastyNumber = fc.oneof(fc.constantFrom(...SIZES), fc.double(), fc.integer());

interface Big {
  big: 'deep' | 'mb1' | 'mb10';
}
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: nastyNumber },
  { weight: 3, arbitrary: hostileName },
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2, withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, [], {}, [[]], { type: 'Linear' }, { type: 'Nope' }, { type: 'UserDefinedFunction', expression: 'constructor.constructor("x")()' }) },
  { weight: 1, arbitrary: fc.constantFrom<Big>({ big: 'deep' }, { big: 'mb1' }, { big: 'mb10' }) },
);
function expand(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && 'big' in v && Object.keys(v).length === 1) {
    const b = (v as Big).big;
    return b === 'deep' ? DEEP : b === 'mb1' ? MB1.s : b === 'mb10' ? MB10.s : v;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Structural mutations

type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'retype'; at: number }
  | { kind: 'insert'; at: number; key: string; value: unknown }
  | { kind: 'size'; at: number; value: number }
  | { kind: 'rename-node'; at: number; name: string; everywhere: boolean }
  | { kind: 'rename-port'; at: number; name: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: nastyValue }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), key: hostileName, value: nastyValue }),
  fc.record({ kind: fc.constant('size' as const), at: fc.nat(), value: nastyNumber }),
  fc.record({ kind: fc.constant('rename-node' as const), at: fc.nat(), name: hostileName, everywhere: fc.boolean() }),
  fc.record({ kind: fc.constant('rename-port' as const), at: fc.nat(), name: hostileName }),
);

/** Every named port (input or output) of every node, with the node's name. */
function ports(model: Json): { node: string; port: Json }[] {
  const out: { node: string; port: Json }[] = [];
  if (!isPlain(model.nodes)) return out;
  for (const [name, node] of Object.entries(model.nodes)) {
    if (!isPlain(node)) continue;
    for (const list of [node.input_ports, node.output_ports]) {
      if (Array.isArray(list)) for (const p of list) if (isPlain(p)) out.push({ node: name, port: p });
    }
  }
  return out;
}

function apply(model: Json, m: Mutation): void {
  const nodes = isPlain(model.nodes) ? model.nodes : {};
  const names = Object.keys(nodes);
  if (m.kind === 'size') {
    const node = nodes[names[m.at % Math.max(1, names.length)]!];
    if (isPlain(node)) {
      if (Array.isArray(node.input_ports) && node.input_ports.length && m.at % 2) {
        const p = node.input_ports[m.at % node.input_ports.length];
        if (isPlain(p)) p.size = m.value;
      } else node.size = m.value;
    }
    return;
  }
  if (m.kind === 'rename-node') {
    if (!names.length) return;
    const old = names[m.at % names.length]!;
    const renamed: Json = {};
    for (const n of names) defineKey(renamed, n === old ? m.name : n, nodes[n]);
    model.nodes = renamed;
    if (m.everywhere) renameReferences(model, old, m.name, 0);
    return;
  }
  if (m.kind === 'rename-port') {
    const all = ports(model);
    if (!all.length) return;
    const { port } = all[m.at % all.length]!;
    const old = port.name;
    port.name = m.name;
    // projections naming the port follow it
    if (typeof old === 'string' && Array.isArray(model.projections)) {
      for (const p of model.projections) {
        if (!isPlain(p)) continue;
        if (p.sender_port === old) p.sender_port = m.name;
        if (p.receiver_port === old) p.receiver_port = m.name;
      }
    }
    return;
  }
  const all = positions(model);
  if (!all.length) return;
  const { parent, key } = all[m.at % all.length]!;
  const get = () => (parent as Record<Seg, unknown>)[key];
  const set = (v: unknown) => ((parent as Record<Seg, unknown>)[key] = v);
  switch (m.kind) {
    case 'delete':
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete (parent as Json)[key as string];
      break;
    case 'replace':
      set(expand(m.value));
      break;
    case 'retype':
      set(retype(get()));
      break;
    case 'insert': {
      const target = get();
      if (Array.isArray(target)) target.push(expand(m.value));
      else if (isPlain(target)) defineKey(target, m.key, expand(m.value));
      else set(expand(m.value));
      break;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Outcomes

const EXPECTED_ERRORS = [ModelError, SchedulerLimitError, ModeUnavailableError] as const;
/** A case taking longer than this is a hang as far as this suite is concerned. */
const CASE_MS = 10_000;

/** Runs `f`; an expected error class is fine, anything else fails with a readable message. */
function expectOutcome<T>(what: string, f: () => T): T | undefined {
  const t0 = performance.now();
  try {
    return f();
  } catch (e) {
    if (EXPECTED_ERRORS.some((c) => e instanceof c)) {
      if (e instanceof ModelError) {
        expect(e.issues.length).toBeGreaterThan(0);
        for (const i of e.issues) {
          expect(typeof i.path).toBe('string');
          expect(i.message.length).toBeGreaterThan(0);
          expect(i.message.length + i.path.length).toBeLessThan(4000);
        }
      }
      return undefined;
    }
    const err = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e);
    throw new Error(`${what}: unexpected ${err.slice(0, 2000)}`);
  } finally {
    expect(performance.now() - t0).toBeLessThan(CASE_MS);
  }
}

const LIMITS = { maxPassesPerTrial: 5_000 };

function checkRun(out: RunOutput, trials: number): void {
  expect(out.trials).toBe(trials);
  expect(out.results.length).toBe(trials);
  for (const t of out.results) for (const row of t) for (const x of row) expect(typeof x).toBe('number');
}

/** validate → build → a short run: the pipeline a file goes through. */
function pipeline(model: unknown, trials: number, mode: ExecutionMode = 'Interpreted'): RunOutput | undefined {
  const issues = validateStructure(model);
  if (issues.length === 0) {
    expectOutcome('buildComposition', () => buildComposition(model as ModelLike));
  }
  return expectOutcome(`runModel ${mode}`, () => {
    const out = runModel({ model: model as ModelLike, mode, numTrials: trials, limits: LIMITS });
    checkRun(out, trials);
    return out;
  });
}

// ---------------------------------------------------------------------------------------------

describe('reliability fuzz: damaged models through the whole pipeline', () => {
  it('structural mutations of every reference model and example: ModelError or a valid run', () => {
    fc.assert(
      fc.property(fc.nat(CORPUS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 3 }), (which, mutations, trials) => {
        count('structural');
        const model = structuredClone(CORPUS[which]!.model);
        for (const m of mutations) apply(model, m);
        pipeline(model, trials);
      }),
      runs(5000, 1),
    );
  });

  it('hostile node and port names only (models stay mostly valid): ModelError or a valid run', () => {
    const renames = fc.array(
      fc.oneof(
        fc.record({ kind: fc.constant('rename-node' as const), at: fc.nat(), name: hostileName, everywhere: fc.constant(true) }),
        fc.record({ kind: fc.constant('rename-port' as const), at: fc.nat(), name: hostileName }),
      ),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(fc.nat(CORPUS.length - 1), renames, fc.integer({ min: 1, max: 3 }), (which, mutations, trials) => {
        count('names');
        const model = structuredClone(CORPUS[which]!.model);
        for (const m of mutations) apply(model, m);
        pipeline(model, trials);
      }),
      runs(1500, 2),
    );
  });

  it('damaged JSON text (duplicate keys, 1–10 MB strings, NaN, control characters): ModelError or a valid run', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat(20) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        text: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(',', '}', ']', '"', '\\', '\\u12', ':', 'NaN', 'Infinity', '-Infinity', '1e', '\u0000', '\ufeff', '\\n', '\\"', '@', '%')),
      }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('string' as const), at: fc.nat(), mb: fc.constantFrom(1, 10) }),
      fc.record({ kind: fc.constant('number' as const), at: fc.nat(), text: fc.constantFrom('1e999', '-1e999', '-0', '0.5', '1000000000', '-1', '0', 'NaN', '1e-400') }),
    );
    fc.assert(
      fc.property(fc.nat(CORPUS.length - 1), fc.boolean(), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, pretty, edits) => {
        count('text');
        let text = JSON.stringify(CORPUS[which]!.model, null, pretty ? 2 : undefined);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          if (e.kind === 'cut') text = text.slice(0, at) + text.slice(at + e.length);
          else if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
          else if (e.kind === 'duplicate') {
            const keys = [...text.matchAll(/"[A-Za-z_]+": ?("[^"]*"|-?[0-9.]+)/g)];
            const hit = keys[e.at % Math.max(1, keys.length)];
            if (hit) text = text.slice(0, hit.index + hit[0].length) + ', ' + hit[0] + text.slice(hit.index + hit[0].length);
          } else if (e.kind === 'string') {
            // a 1 or 10 MB string in place of one string value
            const strings = [...text.matchAll(/"[^"\\]*"(?!\s*:)/g)];
            const hit = strings[e.at % Math.max(1, strings.length)];
            if (hit) text = text.slice(0, hit.index) + `"${(e.mb === 1 ? MB1 : MB10).s}"` + text.slice(hit.index + hit[0].length);
          } else {
            const numbers = [...text.matchAll(/-?\d+(\.\d+)?/g)];
            const hit = numbers[e.at % Math.max(1, numbers.length)];
            if (hit) text = text.slice(0, hit.index) + e.text + text.slice(hit.index + hit[0].length);
          }
        }
        const model = expectOutcome('parseModelText', () => parseModelText(text, 'fuzz.cogmodel.json').model);
        if (model !== undefined) pipeline(model, 1 + (edits.length % 3));
      }),
      runs(1500, 3),
    );
  });

  it('a 10^9-unit layer is refused with a limit message before anything is allocated', () => {
    for (const { model } of CORPUS) {
      for (const where of ['size', 'port'] as const) {
        const m = structuredClone(model);
        const first = Object.values(m.nodes as Json)[0] as Json;
        if (where === 'size') {
          delete first.input_ports;
          first.size = 1e9;
        } else first.input_ports = [{ name: 'huge', size: 1e9 }];
        const before = process.memoryUsage().arrayBuffers;
        const t0 = performance.now();
        let error: unknown;
        try {
          runModel({ model: m as ModelLike, mode: 'Interpreted', numTrials: 1 });
        } catch (e) {
          error = e;
        }
        count('huge-layer');
        expect(error).toBeInstanceOf(ModelError);
        expect((error as ModelError).message).toMatch(/limit/);
        expect(performance.now() - t0).toBeLessThan(2000);
        // nothing near 8 GB (or even 80 MB) was allocated on the way
        expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(80 * 2 ** 20);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Compiled runs of mutated-but-valid models: nothing hostile reaches native code.

/** Mutations that keep most models valid: parameter values, sizes, names. */
const gentleMutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: fc.oneof(nastyNumber, fc.double({ min: -10, max: 10, noNaN: true })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('size' as const), at: fc.nat(), value: fc.constantFrom(1, 2, 3, 5, 0, -1, 1e9) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rename-node' as const), at: fc.nat(), name: validHostileName, everywhere: fc.constant(true) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rename-port' as const), at: fc.nat(), name: validHostileName }) },
);

/** Like `apply`, but a `replace` only hits numbers (so the model keeps its shape). */
function applyGentle(model: Json, m: Mutation): void {
  if (m.kind !== 'replace') return apply(model, m);
  const numeric = positions(model).filter(({ parent, key }) => typeof (parent as Record<Seg, unknown>)[key] === 'number');
  if (!numeric.length) return;
  const { parent, key } = numeric[m.at % numeric.length]!;
  (parent as Record<Seg, unknown>)[key] = m.value;
}

describe('reliability fuzz: compiled runs (LLVMRun, in this process)', () => {
  it('mutated-but-valid models compile and run, or are refused with a ModelError/ModeUnavailableError', () => {
    let compiledRuns = 0;
    fc.assert(
      fc.property(fc.nat(COMPILABLE.length - 1), fc.array(gentleMutation, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 }), (which, mutations, trials) => {
        count('compiled');
        const model = structuredClone(COMPILABLE[which]!.model);
        for (const m of mutations) applyGentle(model, m);
        const out = pipeline(model, trials, 'LLVMRun');
        if (out) {
          compiledRuns++;
          expect(out.executed_mode).toBe('LLVMRun');
        }
      }),
      runs(250, 4),
    );
    console.log(`reliability-fuzz: ${compiledRuns} mutated models ran compiled (LLVMRun)`);
    expect(compiledRuns).toBeGreaterThan(50 * Math.min(1, SCALE));
  });
});

// ---------------------------------------------------------------------------------------------
// Engine.handle with random and malformed protocol messages (in-process, no child).

const ALLOWED_KINDS = new Set(['protocol', 'model', 'mode', 'limit']);

const requestId = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', 'x'.repeat(201), '__proto__', 'a\nb'), fc.integer(), fc.constant(null));
const engineMessage: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 2, arbitrary: fc.anything({ maxDepth: 3, withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, undefined, 0, '', [], {}, 'run', { type: 'run' }, { type: 'nope' }, { type: 'debug-crash', id: 'c' }, { type: 'debug-hang', id: 'h' }, { type: '__proto__' }, DEEP) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        type: fc.constantFrom('run', 'validate', 'compile', 'cancel', 'reset-session', 'run', 'validate'),
        id: requestId,
        model: fc.oneof(
          { weight: 4, arbitrary: fc.tuple(fc.nat(CORPUS.length - 1), fc.array(mutation, { maxLength: 3 })).map(([w, ms]) => ({ which: w, ms })) },
          { weight: 1, arbitrary: nastyValue },
        ),
        mode: fc.oneof(fc.constantFrom('Interpreted', 'Interpreted', 'Auto', 'LLVMRun', 'nope', ''), nastyValue),
        numTrials: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, -1, 1.5, NaN, 1e12, '2')),
        inputs: nastyValue,
        session: fc.oneof(fc.string({ maxLength: 4 }), nastyValue),
        optLevel: fc.oneof(fc.constantFrom(0, 1, 2, 3), nastyValue),
        emitIR: fc.oneof(fc.boolean(), nastyValue),
        maxPassesPerTrial: fc.oneof(fc.constantFrom(1, 10, 1000), nastyValue),
        extra: nastyValue,
      },
      { requiredKeys: ['type'] },
    ),
  },
);

/** Turns a generated message into the one sent: a model spec becomes a (mutated) model. */
function materialise(msg: unknown): unknown {
  if (!isPlain(msg)) return expand(msg);
  const out: Json = {};
  for (const [k, v] of Object.entries(msg)) {
    if (k === 'model' && isPlain(v) && 'which' in v && 'ms' in v) {
      const model = structuredClone(CORPUS[v.which as number]!.model);
      for (const m of v.ms as Mutation[]) apply(model, m);
      // compiled modes cost ~50 ms each: keep them to the compilable models
      out[k] = model;
    } else defineKey(out, k, expand(v));
  }
  return out;
}

describe('reliability fuzz: Engine.handle with random and malformed messages', () => {
  it('never throws; every error event is protocol/model/mode/limit, and every request with an id ends', async () => {
    const engine = new Engine({ sliceMs: 5, flushMs: 5 });
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    await fc.assert(
      fc.asyncProperty(fc.array(engineMessage, { minLength: 1, maxLength: 3 }), async (messages) => {
        count('engine');
        events.length = 0;
        const sent = messages.map(materialise).map((m) =>
          // compiled modes are exercised above; here they would cost a compile per message
          isPlain(m) && (m.mode === 'LLVMRun' || m.mode === 'Auto') && m.type === 'run' ? { ...m, mode: 'Interpreted' } : m,
        );
        for (const m of sent) {
          try {
            engine.handle(m);
          } catch (e) {
            throw new Error(`Engine.handle threw on ${String(JSON.stringify(m))?.slice(0, 300)}: ${String(e)}`);
          }
        }
        await engine.idle();
        for (const e of events) {
          if (e.type === 'error' && !ALLOWED_KINDS.has(e.kind)) {
            throw new Error(`error event of kind ${e.kind}: ${e.message.slice(0, 1500)}`);
          }
        }
        // every accepted request ended with done or error
        for (const e of events) {
          if (e.type !== 'accepted') continue;
          expect(events.some((f) => (f.type === 'done' || f.type === 'error') && f.id === e.id)).toBe(true);
        }
        // a message the engine could not use at all still got an answer
        const answered = events.length > 0;
        const ignorable = sent.every((m) => isPlain(m) && (m.type === 'cancel' || (m.type === 'reset-session' && m.id === undefined)));
        if (!ignorable) expect(answered).toBe(true);
      }),
      { ...runs(2500, 5), interruptAfterTimeLimit: 60_000 },
    );
    await engine.shutdown();
  }, 120_000);

  it('malformed JSON text and oversized text give protocol errors', () => {
    const engine = new Engine();
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.json().map((j) => j.slice(0, -1)), fc.constantFrom('[', '{"type":', '\u0000', '{"type":"run","id":"x","model":')), (text) => {
        count('engine-text');
        events.length = 0;
        expect(() => engine.handleText(text)).not.toThrow();
        for (const e of events) if (e.type === 'error') expect(ALLOWED_KINDS.has(e.kind)).toBe(true);
      }),
      runs(500, 6),
    );
  });
});
