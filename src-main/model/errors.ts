/**
 * Errors are values with a location and a remedy, written for the modeller.
 * A ModelError carries every issue found, not only the first.
 */

export interface ModelIssue {
  /** JSON path in the model file, e.g. `nodes.HIDDEN.function.gain`. */
  path: string;
  /** What is wrong, in the modeller's words (node and parameter named). */
  message: string;
  /** What was expected, e.g. "a number". */
  expected?: string;
  /** What was found, rendered short. */
  found?: string;
  /** The node the issue is about, when there is one. */
  node?: string;
  /** The parameter the issue is about, when there is one. */
  parameter?: string;
}

export class ModelError extends Error {
  constructor(
    readonly issues: ModelIssue[],
    readonly file?: string,
  ) {
    super(formatIssues(issues, file));
    this.name = 'ModelError';
  }
}

/** Renders a value short enough for an error message (hostile strings are escaped and cut). */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (Array.isArray(v)) return v.length > 6 ? `an array of ${v.length} items` : cut(safeJson(v));
  if (typeof v === 'object') return cut(safeJson(v));
  return typeof v;
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}

function cut(s: string): string {
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
}

/** Makes a JSON path from segments: `nodes`, `A`, `function` → `nodes.A.function`; indices in brackets. */
export function jsonPath(...segments: (string | number)[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

export function formatIssues(issues: ModelIssue[], file?: string): string {
  const where = file ? `${file}: ` : '';
  const head =
    issues.length === 1 ? `${where}1 problem in the model` : `${where}${issues.length} problems in the model`;
  const lines = issues.map((i) => {
    let line = `  at ${i.path || '(top level)'}: ${i.message}`;
    if (i.expected !== undefined || i.found !== undefined) {
      const parts: string[] = [];
      if (i.expected !== undefined) parts.push(`expected ${i.expected}`);
      if (i.found !== undefined) parts.push(`found ${i.found}`);
      line += ` (${parts.join(', ')})`;
    }
    return line;
  });
  return [head, ...lines].join('\n');
}

/** Collects issues; `throwIfAny` turns them into one ModelError. */
export class IssueList {
  readonly issues: ModelIssue[] = [];
  add(issue: ModelIssue): void {
    this.issues.push(issue);
  }
  get size(): number {
    return this.issues.length;
  }
  throwIfAny(file?: string): void {
    if (this.issues.length) throw new ModelError(this.issues, file);
  }
}
