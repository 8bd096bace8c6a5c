/**
 * Matrix specifications as PsyNeuLink accepts them (its `get_matrix`): an explicit 2-D array, a
 * number k (k × identity), or a keyword. Rows index the sender (input) elements and columns the
 * receiver (output) elements: receiver = sender (row vector) × matrix.
 */
import { describeValue } from '../model/errors.js';
import { paramError } from './params.js';

/** Keywords a `matrix` parameter accepts (PsyNeuLink's spelling). */
export const MATRIX_KEYWORDS = [
  'IDENTITY_MATRIX',
  'FULL_CONNECTIVITY_MATRIX',
  'HOLLOW_MATRIX',
  'INVERSE_HOLLOW_MATRIX',
  'AUTO_ASSIGN_MATRIX',
  'RANDOM_CONNECTIVITY_MATRIX',
] as const;

export type MatrixKeyword = (typeof MATRIX_KEYWORDS)[number];

function filled(rows: number, cols: number, off: number, diag: number): Float64Array[] {
  const m: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = new Float64Array(cols).fill(off);
    if (r < cols) row[r] = diag;
    m.push(row);
  }
  return m;
}

function shapeText(rows: number, cols: number): string {
  return `[${rows} × ${cols}]`;
}

/** Shape of a nested array as text, e.g. "[2 × 3]" or "a ragged array", for error messages. */
function foundShape(v: unknown[]): string {
  if (v.every((r) => typeof r === 'number')) return `a flat array of ${v.length} numbers`;
  if (!v.every((r) => Array.isArray(r))) return 'an array mixing numbers and arrays';
  const widths = new Set((v as unknown[][]).map((r) => r.length));
  if (widths.size !== 1) return `a ragged array of ${v.length} rows (lengths ${[...widths].join(', ')})`;
  return `a ${shapeText(v.length, (v[0] as unknown[]).length)} matrix`;
}

/**
 * Resolves `spec` to a `rows × cols` matrix (one Float64Array per row). Throws a ModelError at
 * `path` naming the expected and found shape when the specification does not fit.
 */
export function resolveMatrix(spec: unknown, rows: number, cols: number, path: string): Float64Array[] {
  const want = `a ${shapeText(rows, cols)} matrix`;
  const square = (keyword: string): void => {
    if (rows !== cols) {
      throw paramError(path, `${keyword} needs a square matrix, but the sender has ${rows} and the receiver ${cols} elements`, {
        expected: want,
        found: describeValue(spec),
      });
    }
  };

  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) {
      throw paramError(path, 'the matrix must be a finite number, a 2-D array or a keyword', { expected: want, found: describeValue(spec) });
    }
    // A scalar multiplies the variable elementwise in PsyNeuLink (np.dot with a 0-d array): k × identity.
    if (rows !== cols) {
      throw paramError(path, `a number as matrix means ${spec} × identity, which needs a square matrix, but the shape is ${shapeText(rows, cols)}`, {
        expected: want,
        found: describeValue(spec),
      });
    }
    return filled(rows, cols, 0, spec);
  }

  if (typeof spec === 'string') {
    switch (spec) {
      case 'IDENTITY_MATRIX':
        square(spec);
        return filled(rows, cols, 0, 1);
      case 'HOLLOW_MATRIX':
        square(spec);
        return filled(rows, cols, 1, 0);
      case 'INVERSE_HOLLOW_MATRIX':
        square(spec);
        return filled(rows, cols, -1, 0);
      case 'FULL_CONNECTIVITY_MATRIX':
        return filled(rows, cols, 1, 1);
      case 'AUTO_ASSIGN_MATRIX':
        return rows === cols ? filled(rows, cols, 0, 1) : filled(rows, cols, 1, 1);
      case 'RANDOM_CONNECTIVITY_MATRIX':
        throw paramError(
          path,
          'RANDOM_CONNECTIVITY_MATRIX is not supported: PsyNeuLink draws it from the global numpy generator, so no run could be reproduced; write the matrix out',
          { expected: `${want}, a number, or one of ${MATRIX_KEYWORDS.filter((k) => k !== 'RANDOM_CONNECTIVITY_MATRIX').join(', ')}`, found: describeValue(spec) },
        );
      default:
        throw paramError(path, `unknown matrix keyword ${describeValue(spec)}`, {
          expected: `${want}, a number, or one of ${MATRIX_KEYWORDS.join(', ')}`,
          found: describeValue(spec),
        });
    }
  }

  if (Array.isArray(spec)) {
    const ok =
      spec.length > 0 &&
      spec.every((r) => Array.isArray(r) && r.length === (spec[0] as unknown[]).length && r.every((x) => typeof x === 'number' && Number.isFinite(x)));
    if (!ok) {
      throw paramError(path, 'the matrix must be an array of equal-length rows of finite numbers', {
        expected: want,
        found: spec.length === 0 ? 'an empty array' : foundShape(spec),
      });
    }
    const m = spec as number[][];
    if (m.length !== rows || m[0]!.length !== cols) {
      throw paramError(path, `the matrix has the wrong shape: expected ${shapeText(rows, cols)} (sender elements × receiver elements), found ${shapeText(m.length, m[0]!.length)}`, {
        expected: want,
        found: `a ${shapeText(m.length, m[0]!.length)} matrix`,
      });
    }
    return m.map((r) => Float64Array.from(r));
  }

  throw paramError(path, 'the matrix must be a 2-D array of numbers, a number, or a keyword', {
    expected: `${want}, a number, or one of ${MATRIX_KEYWORDS.join(', ')}`,
    found: describeValue(spec),
  });
}
