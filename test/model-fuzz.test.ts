/**
 * Property tests: random structural damage to every public reference model (deleted, replaced and
 * retyped keys, NaN/Infinity, absurd sizes, 10 000-deep arrays, 1 MB strings, unicode and control
 * characters in names, broken JSON text) never makes validation or parsing throw anything but a
 * ModelError, and whatever is accepted is a model the schema accepts and that survives a round trip.
 * fast-check prints the seed of a failing run; set FC_SEED to replay it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelError, type ModelIssue } from '../src-main/model/errors.js';
import { parseModelText, scanJson } from '../src-main/model/load.js';
import { validateStructure } from '../src-main/model/validate-structure.js';
import { ModelFileSchema } from '../shared/model/schema.js';
import { DEEP, isPlain, positions, renameReferences, retype, type Json, type Seg } from './json-mutations.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';

const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const MODELS = referenceCaseFiles().map((f) => readReferenceJson<{ model: Json }>(f).model);

const DEEP_TEXT = '['.repeat(10_000) + '0' + ']'.repeat(10_000);
const MEGABYTE_STRING = 'x'.repeat(1024 * 1024);

/** Names a hostile user or a broken tool might write. */
const nastyName = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', ' ', '__proto__', 'constructor', 'toString', '7', '0', 'a\u0000b', 'tab\there', '\ud800', 'N'.repeat(201), 'é'.repeat(200)),
);

const nastyNumber = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, -1, 1e9, 1e300, 2 ** 53, 2 ** 32, 0.5, Number.MIN_VALUE),
  fc.double(),
  fc.integer(),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: nastyNumber },
  { weight: 2, arbitrary: nastyName },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  {
    weight: 2,
    arbitrary: fc.anything({
      maxDepth: 3,
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, [], {}, [[]], [[1, 2], [3]], { type: 'Linear' }, { type: 'Nope' }) },
  { weight: 1, arbitrary: fc.constant(DEEP) },
  { weight: 1, arbitrary: fc.constant(MEGABYTE_STRING) },
);

/** One structural change, applied at a position chosen among the model's keys and items. */
type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'retype'; at: number }
  | { kind: 'insert'; at: number; key: string; value: unknown }
  | { kind: 'size'; at: number; value: unknown }
  | { kind: 'rename'; at: number; name: string; everywhere: boolean };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: nastyValue }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), key: nastyName, value: nastyValue }),
  fc.record({ kind: fc.constant('size' as const), at: fc.nat(), value: nastyNumber }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), name: nastyName, everywhere: fc.boolean() }),
);

function apply(model: Json, m: Mutation): void {
  const nodes = isPlain(model.nodes) ? model.nodes : {};
  const names = Object.keys(nodes);
  if (m.kind === 'size') {
    const node = nodes[names[m.at % names.length]!];
    if (isPlain(node)) node.size = m.value;
    return;
  }
  if (m.kind === 'rename') {
    if (!names.length) return;
    const old = names[m.at % names.length]!;
    const renamed: Json = {};
    for (const n of names) Object.defineProperty(renamed, n === old ? m.name : n, { value: nodes[n], enumerable: true, writable: true, configurable: true });
    model.nodes = renamed;
    if (m.everywhere) renameReferences(model, old, m.name, 0);
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
      set(m.value);
      break;
    case 'retype':
      set(retype(get()));
      break;
    case 'insert': {
      const target = get();
      if (Array.isArray(target)) target.push(m.value);
      else if (typeof target === 'object' && target !== null) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
      else set(m.value);
      break;
    }
  }
}

/** What every issue must look like: a path and a message, short enough to show. */
function checkIssues(issues: unknown): void {
  expect(Array.isArray(issues)).toBe(true);
  for (const i of issues as ModelIssue[]) {
    expect(typeof i.path).toBe('string');
    expect(typeof i.message).toBe('string');
    expect(i.message.length).toBeGreaterThan(0);
    expect(i.path.length + i.message.length).toBeLessThan(4000);
  }
}

/** Parses text: either a model the validator also accepts, or a ModelError with issues. */
function parseOrModelError(text: string): void {
  let model: unknown;
  try {
    model = parseModelText(text, 'fuzz.cogmodel.json').model;
  } catch (e) {
    if (!(e instanceof ModelError)) throw e;
    expect(e.issues.length).toBeGreaterThan(0);
    checkIssues(e.issues);
    return;
  }
  expect(validateStructure(model)).toEqual([]);
}

/** FC_RUNS_SCALE=10 runs ten times as many cases (for a longer hunt than the default ~10 s). */
const SCALE = Number(process.env.FC_RUNS_SCALE ?? 1);
const runs = (n: number) => ({ numRuns: Math.round(n * SCALE), seed: SEED, endOnFailure: true });

describe('model validation under random damage', () => {
  it('mutated reference models give issues, never exceptions; accepted ones pass the schema and round-trip', () => {
    fc.assert(
      fc.property(fc.nat(MODELS.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, mutations) => {
        const model = structuredClone(MODELS[which]!);
        for (const m of mutations) apply(model, m);
        const issues = validateStructure(model);
        checkIssues(issues);
        if (issues.length === 0) {
          expect(ModelFileSchema.safeParse(model).success).toBe(true);
          const text = JSON.stringify(model, null, 2);
          expect(JSON.stringify(parseModelText(text).model, null, 2)).toBe(text);
          return;
        }
        let text: string | undefined;
        try {
          text = JSON.stringify(model);
        } catch {
          text = undefined; // BigInt or a 10 000-deep array: not expressible as JSON text here
        }
        if (text !== undefined) parseOrModelError(text);
      }),
      runs(1500),
    );
  });

  it('damaged JSON text gives a ModelError, never another exception', () => {
    const textEdit = fc.oneof(
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.nat(20) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom(',', '}', ']', '"', '\\', '\\u12', ':', 'NaN', '1e', '-', '\u0000', '\ufeff', '<DEEP>')) }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('number' as const), at: fc.nat(), text: fc.constantFrom('<DEEP>', '1e999', '-0', '0.5', '1000000000', '<MEGABYTE>') }),
    );
    fc.assert(
      fc.property(fc.nat(MODELS.length - 1), fc.boolean(), fc.array(textEdit, { minLength: 1, maxLength: 3 }), (which, pretty, edits) => {
        let text = JSON.stringify(MODELS[which], null, pretty ? 2 : undefined);
        for (const edit of edits) {
          // Big texts are named in the counterexample, and expanded here.
          const e = 'text' in edit ? { ...edit, text: edit.text.replace('<DEEP>', DEEP_TEXT).replace('<MEGABYTE>', `"${MEGABYTE_STRING}"`) } : edit;
          const at = e.at % (text.length + 1);
          if (e.kind === 'cut') text = text.slice(0, at) + text.slice(at + e.length);
          else if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
          else if (e.kind === 'duplicate') {
            // Repeats one "key": value pair right after itself, inside the same object.
            const keys = [...text.matchAll(/"[A-Za-z_]+": ("[^"]*"|-?[0-9.]+)/g)];
            const hit = keys[e.at % Math.max(1, keys.length)];
            if (hit) text = text.slice(0, hit.index + hit[0].length) + ', ' + hit[0] + text.slice(hit.index + hit[0].length);
          } else {
            const numbers = [...text.matchAll(/-?\d+(\.\d+)?/g)];
            const hit = numbers[e.at % Math.max(1, numbers.length)];
            if (hit) text = text.slice(0, hit.index) + e.text + text.slice(hit.index + hit[0].length);
          }
        }
        parseOrModelError(text);
      }),
      runs(1000),
    );
  });

  it('the JSON scanner accepts exactly what JSON.parse accepts', () => {
    const damagedJson = fc
      .tuple(
        fc.json({ maxDepth: 4 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom('', ',', '}', ']', '{', '[', '"', '\\', ':', '-', '.', 'e', '0', '01', 'tru', '\u0001', ' ', '\\u00', '1E+', 'null')), { maxLength: 3 }),
      )
      .map(([text, edits]) => {
        for (const [at, cut, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i + cut);
        }
        return text;
      });
    fc.assert(
      fc.property(damagedJson, (text) => {
        let parsed = true;
        try {
          JSON.parse(text);
        } catch {
          parsed = false;
        }
        expect(scanJson(text).error === undefined).toBe(parsed);
      }),
      runs(2000),
    );
  });

  it('a duplicated key is always reported', () => {
    fc.assert(
      fc.property(fc.nat(MODELS.length - 1), fc.nat(), (which, at) => {
        const text = JSON.stringify(MODELS[which], null, 2);
        const keys = [...text.matchAll(/"[A-Za-z_]+": ("[^"]*"|-?[0-9.]+)/g)];
        const hit = keys[at % keys.length]!;
        const end = hit.index + hit[0].length;
        const damaged = text.slice(0, end) + ', ' + hit[0] + text.slice(end);
        expect(() => parseModelText(damaged)).toThrow(/appears twice in one object/);
      }),
      runs(200),
    );
  });

  it('objects from the studio that JSON cannot carry are reported, not thrown on', () => {
    const circular: Json = { ...structuredClone(MODELS[0]!) };
    (circular.studio as unknown) = { self: circular };
    const issues = validateStructure(circular);
    expect(issues.some((i) => i.message.includes('contains itself'))).toBe(true);
    const withFunction = { ...structuredClone(MODELS[0]!), studio: { f: () => 1, big: 10n, date: new Date(0), arr: new Float64Array(2) } };
    const messages = validateStructure(withFunction).map((i) => i.message).join('\n');
    expect(messages).toContain('a function');
    expect(messages).toContain('a bigint');
    expect(messages).toContain('a Date');
    expect(messages).toContain('a Float64Array');
  });
});
