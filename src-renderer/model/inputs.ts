/**
 * Run inputs as a table: one row per trial, one column per input element (the elements of all
 * of a node's input ports side by side). Converts between the file's form (a flat array per
 * trial, or one array per port) and rows, checks shapes against the node, and reads CSV.
 */
import { inputPortNames, isObject, type NodeSpec } from './document.js';

export interface InputLayout {
  /** The node's input ports and their sizes. */
  ports: { name: string; size: number }[];
  /** Elements per trial (all ports). */
  width: number;
}

/** The input ports of a node and their sizes (size 1 where the file does not say). */
export function inputLayout(spec: NodeSpec): InputLayout {
  const names = inputPortNames(spec);
  const declared = Array.isArray(spec.input_ports) ? spec.input_ports : [];
  const ports = names.map((name, i) => {
    const s = isObject(declared[i]) ? declared[i].size : undefined;
    return { name, size: typeof s === 'number' && s >= 1 ? s : names.length === 1 && typeof spec.size === 'number' && spec.size >= 1 ? spec.size : 1 };
  });
  return { ports, width: ports.reduce((a, p) => a + p.size, 0) };
}

/** Column headings: `x0`, `x1` … for one port; `PORT[0]` … for several. */
export function columnNames(layout: InputLayout): string[] {
  if (layout.ports.length === 1) return Array.from({ length: layout.width }, (_, i) => `x${i}`);
  return layout.ports.flatMap((p) => Array.from({ length: p.size }, (_, i) => `${p.name}[${i}]`));
}

/** The file's trial inputs as rows of values (a trial given per port is flattened). */
export function inputRows(inputs: unknown): unknown[][] {
  if (!Array.isArray(inputs)) return [];
  return inputs.map((trial) => (Array.isArray(trial) ? (trial.some(Array.isArray) ? trial.flatMap((p) => (Array.isArray(p) ? p : [p])) : [...trial]) : [trial]));
}

/** Rows back in the file's form: flat for a node with one input port, else one array per port. */
export function rowsToInputs(rows: readonly (readonly number[])[], layout: InputLayout): number[][] | number[][][] {
  if (layout.ports.length === 1) return rows.map((r) => [...r]);
  return rows.map((r) => {
    let at = 0;
    return layout.ports.map((p) => r.slice(at, (at += p.size)));
  });
}

/** What is wrong with a node's trial inputs for its shape (one message per bad trial). */
export function inputShapeProblems(node: string, inputs: unknown, layout: InputLayout): string[] {
  if (inputs === undefined) return [];
  if (!Array.isArray(inputs)) return [`the inputs of ${node} must be a list with one entry per trial`];
  const out: string[] = [];
  inputs.forEach((trial, t) => {
    const row = inputRows([trial])[0]!;
    const bad = row.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
    if (bad >= 0) out.push(`trial ${t + 1}, ${columnNames(layout)[bad] ?? `element ${bad}`}: ${JSON.stringify(row[bad]) ?? 'nothing'} is not a number`);
    else if (row.length !== layout.width) out.push(`trial ${t + 1} has ${row.length} value(s), but ${node} takes ${layout.width} (its input size)`);
  });
  return out;
}

/** A cell's text as a number (null when it is not one). */
export function parseCell(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

/** Splits CSV text into rows of cells: comma, semicolon or tab separated; blank lines skipped. */
export function splitCsv(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s*[,;\t]\s*|\s+/).map((c) => c.trim().replace(/^"(.*)"$/, '$1')));
}

export type CsvResult = { rows: number[][]; skippedHeader: boolean } | { errors: string[] };

/**
 * Reads CSV text as trial rows of `width` numbers each. A first line of names only is taken as a
 * header and skipped. Errors name the line and column, and the expected count.
 */
export function parseCsvRows(text: string, width: number, node: string): CsvResult {
  const lines = splitCsv(text);
  if (lines.length === 0) return { errors: ['the CSV text is empty'] };
  const skippedHeader = lines[0]!.every((c) => parseCell(c) === null) && lines.length > 1;
  const body = skippedHeader ? lines.slice(1) : lines;
  const first = skippedHeader ? 2 : 1;
  const errors: string[] = [];
  const rows = body.map((cells, i) => {
    const line = first + i;
    if (cells.length !== width) errors.push(`line ${line} has ${cells.length} value(s), but ${node} takes ${width} per trial (its input size)`);
    return cells.map((c, j) => {
      const n = parseCell(c);
      if (n === null && cells.length === width) errors.push(`line ${line}, column ${j + 1}: ${JSON.stringify(c)} is not a number`);
      return n ?? 0;
    });
  });
  return errors.length ? { errors: errors.slice(0, 5).concat(errors.length > 5 ? [`… and ${errors.length - 5} more`] : []) } : { rows, skippedHeader };
}

/** Rows as CSV text (for copying a table out, or to edit it as text). */
export function rowsToCsv(rows: readonly (readonly unknown[])[]): string {
  return rows.map((r) => r.map((v) => String(v)).join(', ')).join('\n');
}

/**
 * Pastes a block of numbers into a table at (row, col), adding trial rows as needed (new rows
 * are zeros elsewhere). A block wider than the table from `col` is an error.
 */
export function pasteBlock(rows: readonly (readonly number[])[], at: { row: number; col: number }, block: readonly (readonly number[])[], width: number): number[][] | { error: string } {
  const widest = Math.max(0, ...block.map((r) => r.length));
  if (at.col + widest > width) return { error: `the pasted block is ${widest} column(s) wide, but from column ${at.col + 1} there ${width - at.col === 1 ? 'is 1 column' : `are ${width - at.col} columns`}` };
  const out = rows.map((r) => [...r]);
  block.forEach((r, i) => {
    const t = at.row + i;
    while (out.length <= t) out.push(new Array<number>(width).fill(0));
    r.forEach((v, j) => (out[t]![at.col + j] = v));
  });
  return out;
}
