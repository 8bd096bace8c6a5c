/**
 * Reading a model file: the file itself (exists, is a file, size, UTF-8), its JSON text (syntax
 * errors with line and column, duplicate keys, which JSON.parse would silently drop), then the
 * model's structure. Every problem found is reported in one ModelError.
 */
import { readFile, stat } from 'node:fs/promises';
import { MAX_MODEL_FILE_BYTES, MAX_NESTING_DEPTH, type ModelFile } from '../../shared/model/schema.js';
import { ModelError, describeValue, type ModelIssue } from './errors.js';
import { pathText, validateStructure } from './validate-structure.js';

export interface LoadedModel {
  model: ModelFile;
}

/** Duplicate keys reported before the rest are summarised. */
const MAX_DUPLICATE_REPORTS = 50;

/** Reads and validates a model file; throws a ModelError naming the file and every problem. */
export async function readModelFile(path: string): Promise<LoadedModel> {
  const fail = (message: string, extra: Partial<ModelIssue> = {}): never => {
    throw new ModelError([{ path: '', message, ...extra }], path);
  };
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    return fail(fileProblem(e));
  }
  if (info.isDirectory()) fail('this is a folder, not a model file', { expected: 'a .cogmodel.json file' });
  if (!info.isFile()) fail('this is not a regular file', { expected: 'a .cogmodel.json file' });
  if (info.size > MAX_MODEL_FILE_BYTES) fail(tooLarge(info.size), { expected: `at most ${megabytes(MAX_MODEL_FILE_BYTES)}` });
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    return fail(fileProblem(e));
  }
  if (bytes.length > MAX_MODEL_FILE_BYTES) fail(tooLarge(bytes.length), { expected: `at most ${megabytes(MAX_MODEL_FILE_BYTES)}` });
  return parseModelText(decodeUtf8(bytes, path), path);
}

/** Parses and validates the text of a model file; `fileLabel` names it in errors. */
export function parseModelText(text: string, fileLabel?: string): LoadedModel {
  if (text.length > MAX_MODEL_FILE_BYTES) {
    throw new ModelError([{ path: '', message: tooLarge(text.length), expected: `at most ${megabytes(MAX_MODEL_FILE_BYTES)}` }], fileLabel);
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const scan = scanJson(body);
  if (scan.error) throw new ModelError([scan.error], fileLabel);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    // The scanner follows JSON's grammar; this is a safety net should they ever disagree.
    throw new ModelError([{ path: '', message: `JSON syntax error: ${e instanceof Error ? e.message : String(e)}` }], fileLabel);
  }
  const issues = [...scan.duplicates, ...validateStructure(json)];
  if (issues.length) throw new ModelError(issues, fileLabel);
  return { model: json as ModelFile };
}

function fileProblem(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'there is no file at this path';
  if (code === 'ENOTDIR') return 'a part of this path is a file, not a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'the file cannot be read (permission denied)';
  if (code === 'EISDIR') return 'this is a folder, not a model file';
  return `the file cannot be read: ${e instanceof Error ? e.message : String(e)}`;
}

function megabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB`;
}

function tooLarge(bytes: number): string {
  return `the file is ${megabytes(bytes)}; model files are limited to ${megabytes(MAX_MODEL_FILE_BYTES)}`;
}

// ---------------------------------------------------------------------------------------------
// UTF-8

function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < at; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const column = new TextDecoder('utf-8').decode(bytes.subarray(lineStart, at)).length + 1;
    const byte = bytes[at]!.toString(16).padStart(2, '0');
    throw new ModelError(
      [
        {
          path: '',
          message: `the file is not UTF-8 text: byte 0x${byte} at line ${line}, column ${column} is not valid UTF-8; save the file as UTF-8`,
          expected: 'UTF-8 text',
          found: `byte 0x${byte}`,
        },
      ],
      file,
    );
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    for (let k = 1; k <= need; k++) {
      const x = b[i + k];
      if (x === undefined) return i;
      if (k === 1 ? x < lo || x > hi : x < 0x80 || x > 0xbf) return k === 1 ? i : i + k;
    }
    i += need + 1;
  }
  return b.length;
}

// ---------------------------------------------------------------------------------------------
// JSON scanner: checks the grammar (positions for errors) and finds duplicate keys, iteratively.

export interface JsonScan {
  /** The first syntax error, as an issue whose message names line and column. */
  error?: ModelIssue;
  /** One issue per key that appears twice in one object. */
  duplicates: ModelIssue[];
}

interface Frame {
  object: boolean;
  /** Keys seen so far (objects): key → offset of its first occurrence. */
  keys: Map<string, number> | null;
  key: string;
  index: number;
}

const enum State {
  Value,
  ValueOrEnd,
  AfterValue,
  KeyOrEnd,
  Key,
  Colon,
}

class JsonSyntaxError {
  constructor(
    readonly offset: number,
    readonly message: string,
    readonly expected: string,
  ) {}
}

/** Scans JSON text without recursion: syntax (as JSON.parse accepts it), nesting depth, duplicate keys. */
export function scanJson(text: string): JsonScan {
  const lines = new LineIndex(text);
  const stack: Frame[] = [];
  const duplicates: ModelIssue[] = [];
  let dupCount = 0;
  const n = text.length;
  let i = 0;
  let state = State.Value;
  /** Offset of the comma just read, while the next token is awaited (for "trailing comma"). */
  let comma = -1;
  const segs = (): (string | number)[] => stack.map((f) => (f.object ? f.key : f.index));

  try {
    if (skipWs(text, 0) >= n) throw new JsonSyntaxError(0, 'the file is empty', 'a JSON object');
    for (;;) {
      i = skipWs(text, i);
      if (i >= n) {
        if (stack.length === 0 && state === State.AfterValue) break;
        const open = stack[stack.length - 1];
        throw new JsonSyntaxError(n, open ? `the file ends inside an ${open.object ? 'object' : 'array'} that is not closed` : 'the file ends where a value should be', open ? (open.object ? '"}"' : '"]"') : 'a value');
      }
      const c = text.charCodeAt(i);
      if (comma >= 0 && (c === 0x5d || c === 0x7d)) {
        throw new JsonSyntaxError(comma, `a comma before "${c === 0x5d ? ']' : '}'}" (JSON allows no trailing comma)`, 'another value, or no comma');
      }
      if (state !== State.AfterValue) comma = -1;
      // Just after "[" or "{", the container may close at once.
      if ((state === State.ValueOrEnd && c === 0x5d) || (state === State.KeyOrEnd && c === 0x7d)) {
        stack.pop();
        i++;
        state = State.AfterValue;
        continue;
      }
      switch (state) {
        case State.ValueOrEnd:
        case State.Value:
          if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
            if (stack.length >= MAX_NESTING_DEPTH) {
              throw new JsonSyntaxError(i, `the model is nested more than ${MAX_NESTING_DEPTH} levels deep`, `at most ${MAX_NESTING_DEPTH} levels of arrays and objects`);
            }
            const object = c === 0x7b;
            stack.push({ object, keys: object ? new Map() : null, key: '', index: 0 });
            i++;
            state = object ? State.KeyOrEnd : State.ValueOrEnd;
          } else if (c === 0x22 /* " */) {
            i = scanString(text, i);
            state = State.AfterValue;
          } else if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
            i = scanNumber(text, i);
            state = State.AfterValue;
          } else if (text.startsWith('true', i)) {
            i += 4;
            state = State.AfterValue;
          } else if (text.startsWith('false', i)) {
            i += 5;
            state = State.AfterValue;
          } else if (text.startsWith('null', i)) {
            i += 4;
            state = State.AfterValue;
          } else {
            throw new JsonSyntaxError(i, `expected a value, found ${describeChar(text, i)}`, 'a value (object, array, string, number, true, false or null)');
          }
          break;
        case State.AfterValue: {
          const top = stack[stack.length - 1];
          if (!top) throw new JsonSyntaxError(i, `unexpected ${describeChar(text, i)} after the end of the JSON value`, 'the end of the file');
          if (c === 0x2c /* , */) {
            comma = i;
            i++;
            if (top.object) state = State.Key;
            else {
              top.index++;
              state = State.Value;
            }
          } else if (c === (top.object ? 0x7d : 0x5d)) {
            stack.pop();
            i++;
          } else {
            const close = top.object ? '}' : ']';
            throw new JsonSyntaxError(i, `expected "," or "${close}" after a value in an ${top.object ? 'object' : 'array'}, found ${describeChar(text, i)}`, `"," or "${close}"`);
          }
          break;
        }
        case State.KeyOrEnd:
        case State.Key: {
          if (c !== 0x22) throw new JsonSyntaxError(i, `expected a key in double quotes, found ${describeChar(text, i)}`, 'a key in double quotes');
          const end = scanString(text, i);
          const raw = text.slice(i + 1, end - 1);
          const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end)) as string) : raw;
          const top = stack[stack.length - 1]!;
          top.key = key;
          const first = top.keys!.get(key);
          if (first === undefined) top.keys!.set(key, i);
          else if (++dupCount <= MAX_DUPLICATE_REPORTS) {
            duplicates.push({
              path: pathText(segs()),
              message: `the key ${describeValue(key)} appears twice in one object (line ${lines.line(first)} and line ${lines.line(i)}); JSON would keep only the last one`,
              expected: 'each key once per object',
              found: `a second ${describeValue(key)}`,
            });
          }
          i = end;
          state = State.Colon;
          break;
        }
        case State.Colon:
          if (c !== 0x3a /* : */) throw new JsonSyntaxError(i, `expected ":" after a key, found ${describeChar(text, i)}`, '":"');
          i++;
          state = State.Value;
          break;
      }
    }
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const { line, column } = lines.position(e.offset);
    return {
      error: {
        path: pathText(segs().slice(0, -1)), // the innermost open object or array
        message: e.offset === 0 && e.message === 'the file is empty' ? e.message : `JSON syntax error at line ${line}, column ${column}: ${e.message}`,
        expected: e.expected,
      },
      duplicates,
    };
  }
  if (dupCount > MAX_DUPLICATE_REPORTS) {
    duplicates.push({ path: '', message: `… and ${dupCount - MAX_DUPLICATE_REPORTS} more duplicate keys` });
  }
  return { duplicates };
}

function skipWs(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else return i;
  }
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Plain string characters (no quote, backslash or control character), skipped in one step. */
// eslint-disable-next-line no-control-regex
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;

/** Returns the offset just after the closing quote of the string starting at `start`. */
function scanString(text: string, start: number): number {
  const n = text.length;
  let j = start + 1;
  while (j < n) {
    PLAIN_CHARS.lastIndex = j;
    PLAIN_CHARS.test(text);
    j = PLAIN_CHARS.lastIndex;
    if (j >= n) break;
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c === 0x5c /* \ */) {
      const e = text.charCodeAt(j + 1);
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) j += 2;
      else if (e === 0x75 /* u */) {
        for (let k = 2; k < 6; k++) {
          if (!isHex(text.charCodeAt(j + k))) throw new JsonSyntaxError(j, 'a \\u escape needs four hex digits', 'e.g. \\u00e9');
        }
        j += 6;
      } else throw new JsonSyntaxError(j, `invalid escape ${describeChar(text, j + 1)} in a string`, 'one of \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX');
      continue;
    }
    if (c < 0x20) {
      throw new JsonSyntaxError(j, `a string contains a raw control character (U+${c.toString(16).padStart(4, '0').toUpperCase()}); write it as an escape such as \\n`, 'an escaped control character');
    }
    j++;
  }
  throw new JsonSyntaxError(start, 'a string is not closed', 'a closing double quote');
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function scanNumber(text: string, start: number): number {
  NUMBER.lastIndex = start;
  if (NUMBER.test(text)) {
    const end = NUMBER.lastIndex;
    const next = text.charCodeAt(end);
    // A well-formed number is not followed by more number characters (`01`, `1.`, `1e`).
    if (!(next >= 0x30 && next <= 0x39) && next !== 0x2e && next !== 0x65 && next !== 0x45) return end;
  }
  let j = start;
  const digit = (k: number) => {
    const c = text.charCodeAt(k);
    return c >= 0x30 && c <= 0x39;
  };
  const bad = (k: number) => new JsonSyntaxError(k, `invalid number ${describeValue(text.slice(start, Math.min(k + 1, start + 40)))}`, 'a number such as 0, -1.5 or 2e-3');
  if (text.charCodeAt(j) === 0x2d) j++;
  if (text.charCodeAt(j) === 0x30) {
    j++;
    if (digit(j)) throw bad(j);
  } else if (digit(j)) {
    while (digit(j)) j++;
  } else throw bad(j);
  if (text.charCodeAt(j) === 0x2e /* . */) {
    j++;
    if (!digit(j)) throw bad(j);
    while (digit(j)) j++;
  }
  const e = text.charCodeAt(j);
  if (e === 0x65 || e === 0x45) {
    j++;
    const s = text.charCodeAt(j);
    if (s === 0x2b || s === 0x2d) j++;
    if (!digit(j)) throw bad(j);
    while (digit(j)) j++;
  }
  return j;
}

function describeChar(text: string, i: number): string {
  if (i >= text.length) return 'the end of the file';
  const c = text.codePointAt(i)!;
  if (c < 0x20 || c === 0x7f) return `the control character U+${c.toString(16).padStart(4, '0').toUpperCase()}`;
  if (c === 0x22) return 'a double quote';
  return JSON.stringify(String.fromCodePoint(c));
}

/** Line and column (1-based) of offsets, from an index of line starts built on first use. */
class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}

  private build(): number[] {
    const starts = [0];
    for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
    return starts;
  }

  position(offset: number): { line: number; column: number } {
    const starts = (this.starts ??= this.build());
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  line(offset: number): number {
    return this.position(offset).line;
  }
}
