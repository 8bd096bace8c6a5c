/**
 * The expression language of UserDefinedFunction: a subset of Python expressions over numpy
 * arrays (model-format.md, "UserDefinedFunction").
 *
 * The text is tokenized, parsed by recursive descent with Python's precedence, and compiled once
 * into a flat list of array operations with fixed shapes and preallocated buffers; evaluation only
 * runs those operations. Nothing is ever handed to a host evaluator: a name resolves only through
 * the Maps of the variable, the declared parameters and FUNCTIONS, so `constructor`, `__proto__`
 * or `process` are unknown names like any other.
 *
 * Shapes never depend on the data (indices are constants and `x if c else y` chooses per element),
 * so every shape error is found at compile time and evaluation cannot fail.
 */

/** Longest expression accepted (characters). */
export const MAX_EXPRESSION_LENGTH = 10_000;
/** Deepest nesting of brackets, unary operators, `**` and `if`/`else` accepted by the parser. */
export const MAX_NESTING = 200;
/** Deepest expression tree accepted (a chain `1 + 1 + ...` is as deep as it is long). */
export const MAX_TREE_DEPTH = 1_000;
/** Most elements of any array the expression builds or is given. */
export const MAX_ELEMENTS = 1_000_000;

/** An n-d array of doubles in row-major order; shape [] is a scalar. */
export interface NdArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** A 2-D value as mechanisms hold it: one row per input port (rows may differ in length). */
export type Rows = Float64Array[];

/** The functions an expression may call, by name. */
export const FUNCTION_NAMES = [
  'exp',
  'log',
  'sqrt',
  'abs',
  'tanh',
  'sin',
  'cos',
  'min',
  'max',
  'sum',
  'len',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

const ELEMENTWISE: ReadonlyMap<string, (x: number) => number> = new Map<string, (x: number) => number>([
  ['exp', Math.exp],
  ['log', Math.log],
  ['sqrt', Math.sqrt],
  ['abs', Math.abs],
  ['tanh', Math.tanh],
  ['sin', Math.sin],
  ['cos', Math.cos],
]);
const FUNCTIONS: ReadonlySet<string> = new Set<string>(FUNCTION_NAMES);

/** Words of the language; they cannot name a parameter. */
export const KEYWORDS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'if', 'else']);

/** A problem in the expression, located by column (1-based) when it has a place. */
export class ExpressionError extends Error {
  constructor(
    /** What is wrong, without the location. */
    readonly problem: string,
    /** 1-based column in the expression, when the problem has a place. */
    readonly column: number | undefined,
    /** The expression around the column with a caret line under it. */
    readonly excerpt: string | undefined,
    readonly expected?: string,
    readonly found?: string,
  ) {
    super(
      (column !== undefined ? `${problem} at column ${column}` : problem) + (excerpt !== undefined ? `\n${excerpt}` : ''),
    );
    this.name = 'ExpressionError';
  }
}

const EXCERPT_WIDTH = 72;

/** The source around `index` on one line (non-printable and non-ASCII characters shown as `?`) and a caret under it. */
export function caretExcerpt(src: string, index: number): string {
  let start = Math.max(0, index - Math.floor(EXCERPT_WIDTH / 2));
  const end = Math.min(src.length, start + EXCERPT_WIDTH);
  start = Math.max(0, Math.min(start, end - EXCERPT_WIDTH));
  let text = '';
  for (let i = start; i < end; i++) {
    const c = src.charCodeAt(i);
    text += c === 9 || c === 10 || c === 13 ? ' ' : c >= 32 && c < 127 ? src[i] : '?';
  }
  const pre = start > 0 ? '...' : '';
  const post = end < src.length ? '...' : '';
  return `    ${pre}${text}${post}\n    ${' '.repeat(pre.length + index - start)}^`;
}

/** Describes one character for an error message, escaped (`"é" (U+00E9)`). */
function describeChar(src: string, index: number): string {
  const cp = src.codePointAt(index)!;
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  if (cp >= 33 && cp < 127) return `"${String.fromCodePoint(cp)}"`;
  if (cp === 10) return 'a line break';
  if (cp === 32) return 'a space';
  return `the character ${hex}`;
}

// ---------------------------------------------------------------------------------------------
// Tokens

type TokenKind = 'number' | 'name' | 'op' | 'end';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** Index in the source (0-based code units). */
  readonly pos: number;
  readonly value: number;
}

const TWO_CHAR_OPS: ReadonlySet<string> = new Set(['**', '<=', '>=', '==', '!=']);
const ONE_CHAR_OPS: ReadonlySet<string> = new Set(['+', '-', '*', '/', '(', ')', '[', ']', ',', '<', '>']);
const NUMBER_RE = /(?:(?:\d(?:_?\d)*)?\.\d(?:_?\d)*|\d(?:_?\d)*\.?)(?:[eE][+-]?\d(?:_?\d)*)?/y;
const NAME_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isNameChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || isDigit(c);
}

function describeToken(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'the end of the expression';
    case 'number':
      return `the number ${t.text}`;
    case 'name':
      return KEYWORDS.has(t.text) ? `the keyword "${t.text}"` : `the name "${t.text}"`;
    case 'op':
      return `"${t.text}"`;
  }
}

function tokenize(src: string): Token[] {
  const fail = (i: number, problem: string, expected: string | undefined, found: string): never => {
    throw new ExpressionError(problem, i + 1, caretExcerpt(src, i), expected, found);
  };
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  while (i < src.length) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 12) {
      i++;
      continue;
    }
    if (c === 10 || c === 13) {
      // As in Python, a line break is whitespace only inside brackets.
      if (depth > 0) {
        i++;
        continue;
      }
      fail(i, 'line break outside brackets', 'the expression to continue on the same line (or wrap it in parentheses)', 'a line break');
    }
    if (isDigit(c) || (c === 46 && isDigit(src.charCodeAt(i + 1)))) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(src)!;
      const text = m[0];
      const next = src.charCodeAt(i + text.length);
      if (isNameChar(next) || next === 46) {
        fail(i + text.length, 'invalid number', 'a digit, an operator or the end of the number', describeChar(src, i + text.length));
      }
      if (/^0+[0-9_]*[1-9]/.test(text) && !/[.eE]/.test(text)) {
        fail(i, 'a whole number cannot start with 0 (as in Python)', `${text.replace(/^[0_]+/, '')}`, text);
      }
      tokens.push({ kind: 'number', text, pos: i, value: Number(text.replace(/_/g, '')) });
      i += text.length;
      continue;
    }
    if (isNameChar(c)) {
      NAME_RE.lastIndex = i;
      const text = NAME_RE.exec(src)![0];
      tokens.push({ kind: 'name', text, pos: i, value: 0 });
      i += text.length;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ kind: 'op', text: two, pos: i, value: 0 });
      i += 2;
      continue;
    }
    const one = src[i]!;
    if (ONE_CHAR_OPS.has(one)) {
      if (one === '(' || one === '[') depth++;
      else if ((one === ')' || one === ']') && depth > 0) depth--;
      tokens.push({ kind: 'op', text: one, pos: i, value: 0 });
      i++;
      continue;
    }
    switch (one) {
      case '=':
        fail(i, 'assignment is not part of the expression language', '"==" to compare', '"="');
        break;
      case '!':
        fail(i, 'unexpected "!"', '"!=" (use "not" for negation)', '"!"');
        break;
      case '.':
        fail(i, 'attribute access (a.b) is not part of the expression language', 'an operator or the end of the expression', '"."');
        break;
      case '"':
      case "'":
        fail(i, 'strings are not part of the expression language', 'numbers, names and operators', describeChar(src, i));
        break;
      case ':':
        fail(i, '":" is not part of the expression language (no slices, lambdas or dictionaries)', 'an operator, a bracket or an integer constant index', '":"');
        break;
      case '%':
      case '@':
      case '&':
      case '|':
      case '^':
      case '~':
        fail(i, `the operator "${one}" is not part of the expression language`, 'one of + - * / ** < <= > >= == != and or not', `"${one}"`);
        break;
      default:
        fail(i, 'unexpected character', 'a number, a name, an operator or a bracket', describeChar(src, i));
    }
  }
  tokens.push({ kind: 'end', text: '', pos: src.length, value: 0 });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Syntax tree

export type BinaryOp = '+' | '-' | '*' | '/' | '**';
export type CompareOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** A node of the parsed expression; `pos` is the 0-based index of its operator or first token. */
export type ExprNode =
  | { readonly k: 'number'; readonly pos: number; readonly value: number }
  | { readonly k: 'variable'; readonly pos: number }
  | { readonly k: 'param'; readonly pos: number; readonly name: string }
  | { readonly k: 'unary'; readonly pos: number; readonly op: '-' | '+' | 'not'; readonly arg: ExprNode }
  | { readonly k: 'binary'; readonly pos: number; readonly op: BinaryOp; readonly left: ExprNode; readonly right: ExprNode }
  | {
      readonly k: 'compare';
      readonly pos: number;
      readonly ops: readonly CompareOp[];
      readonly opPos: readonly number[];
      readonly args: readonly ExprNode[];
    }
  | { readonly k: 'logic'; readonly pos: number; readonly op: 'and' | 'or'; readonly args: readonly ExprNode[] }
  | { readonly k: 'if'; readonly pos: number; readonly then: ExprNode; readonly test: ExprNode; readonly else: ExprNode }
  | { readonly k: 'call'; readonly pos: number; readonly fn: FunctionName; readonly args: readonly ExprNode[] }
  | { readonly k: 'list'; readonly pos: number; readonly items: readonly ExprNode[] }
  | { readonly k: 'index'; readonly pos: number; readonly target: ExprNode; readonly indices: readonly number[] };

const COMPARE_OPS: ReadonlySet<string> = new Set(['<', '<=', '>', '>=', '==', '!=']);

/** Names an expression may use besides the functions. */
export interface NameScope {
  /** The declared parameters (besides `variable`). */
  readonly params: ReadonlyMap<string, unknown>;
}

function knownNamesText(scope: NameScope): string {
  const names = ['variable', ...scope.params.keys()].map((n) => `"${n}"`);
  return `${names.join(', ')} or a function (${FUNCTION_NAMES.join(', ')})`;
}

/** Parses `src` into a syntax tree; throws ExpressionError on a syntax error or an unknown name. */
export function parseExpression(src: string, scope: NameScope): ExprNode {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `the expression is too long (${src.length} characters; the limit is ${MAX_EXPRESSION_LENGTH})`,
      undefined,
      undefined,
      `at most ${MAX_EXPRESSION_LENGTH} characters`,
      `${src.length} characters`,
    );
  }
  return new Parser(src, tokenize(src), scope).parseAll();
}

class Parser {
  private i = 0;
  private nesting = 0;

  constructor(
    private readonly src: string,
    private readonly tokens: Token[],
    private readonly scope: NameScope,
  ) {}

  parseAll(): ExprNode {
    if (this.peek().kind === 'end') this.fail(this.peek(), 'the expression is empty', 'an expression');
    const node = this.expression();
    const t = this.peek();
    if (t.kind !== 'end') this.fail(t, 'syntax error', 'an operator or the end of the expression');
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.text === text;
  }
  private isKeyword(text: string): boolean {
    const t = this.peek();
    return t.kind === 'name' && t.text === text;
  }
  private expect(text: string, what: string): Token {
    const t = this.peek();
    if (t.kind === 'op' && t.text === text) return this.next();
    return this.fail(t, 'syntax error', what);
  }

  private fail(t: Token, problem: string, expected: string, found: string = describeToken(t)): never {
    throw new ExpressionError(problem, t.pos + 1, caretExcerpt(this.src, t.pos), expected, found);
  }

  /** Guards every re-entrant rule, so deep nesting is a message, not a stack overflow. */
  private enter(): void {
    if (++this.nesting > MAX_NESTING) {
      const t = this.peek();
      throw new ExpressionError(
        `the expression is nested too deeply (more than ${MAX_NESTING} levels)`,
        t.pos + 1,
        caretExcerpt(this.src, t.pos),
        `at most ${MAX_NESTING} levels of brackets and operators`,
        'more',
      );
    }
  }
  private leave(): void {
    this.nesting--;
  }

  // expression := or_test ['if' or_test 'else' expression]
  private expression(): ExprNode {
    this.enter();
    const then = this.orTest();
    let node = then;
    if (this.isKeyword('if')) {
      const pos = this.next().pos;
      const test = this.orTest();
      if (!this.isKeyword('else')) this.fail(this.peek(), 'syntax error', '"else" (a conditional is written "x if condition else y")');
      this.next();
      node = { k: 'if', pos, then, test, else: this.expression() };
    }
    this.leave();
    return node;
  }

  private orTest(): ExprNode {
    return this.logic('or', () => this.andTest());
  }
  private andTest(): ExprNode {
    return this.logic('and', () => this.notTest());
  }
  private logic(op: 'and' | 'or', operand: () => ExprNode): ExprNode {
    const first = operand();
    if (!this.isKeyword(op)) return first;
    const pos = this.peek().pos;
    const args = [first];
    while (this.isKeyword(op)) {
      this.next();
      args.push(operand());
    }
    return { k: 'logic', pos, op, args };
  }

  // not_test := 'not' not_test | comparison
  private notTest(): ExprNode {
    if (!this.isKeyword('not')) return this.comparison();
    const pos = this.next().pos;
    this.enter();
    const arg = this.notTest();
    this.leave();
    return { k: 'unary', pos, op: 'not', arg };
  }

  // comparison := a_expr (comp_op a_expr)*   (chained as in Python: a < b < c is a < b and b < c)
  private comparison(): ExprNode {
    const first = this.sum();
    const t = this.peek();
    if (!(t.kind === 'op' && COMPARE_OPS.has(t.text))) return first;
    const args = [first];
    const ops: CompareOp[] = [];
    const opPos: number[] = [];
    for (let u = this.peek(); u.kind === 'op' && COMPARE_OPS.has(u.text); u = this.peek()) {
      this.next();
      ops.push(u.text as CompareOp);
      opPos.push(u.pos);
      args.push(this.sum());
    }
    return { k: 'compare', pos: t.pos, ops, opPos, args };
  }

  // a_expr := m_expr (('+' | '-') m_expr)*
  private sum(): ExprNode {
    let left = this.product();
    while (this.isOp('+') || this.isOp('-')) {
      const t = this.next();
      left = { k: 'binary', pos: t.pos, op: t.text as BinaryOp, left, right: this.product() };
    }
    return left;
  }

  // m_expr := u_expr (('*' | '/') u_expr)*
  private product(): ExprNode {
    let left = this.unary();
    for (;;) {
      if (this.isOp('*') || this.isOp('/')) {
        const t = this.next();
        left = { k: 'binary', pos: t.pos, op: t.text as BinaryOp, left, right: this.unary() };
      } else {
        return left;
      }
    }
  }

  // u_expr := ('-' | '+') u_expr | power      (so -2 ** 2 is -(2 ** 2), as in Python)
  private unary(): ExprNode {
    if (this.isOp('-') || this.isOp('+')) {
      const t = this.next();
      this.enter();
      const arg = this.unary();
      this.leave();
      return { k: 'unary', pos: t.pos, op: t.text as '-' | '+', arg };
    }
    return this.power();
  }

  // power := primary ['**' u_expr]      (right-associative: 2 ** 3 ** 2 is 2 ** 9)
  private power(): ExprNode {
    const base = this.primary();
    if (!this.isOp('**')) return base;
    const t = this.next();
    this.enter();
    const exponent = this.unary();
    this.leave();
    return { k: 'binary', pos: t.pos, op: '**', left: base, right: exponent };
  }

  // primary := atom ('[' index (',' index)* ']')*
  private primary(): ExprNode {
    let node = this.atom();
    while (this.isOp('[')) {
      const pos = this.next().pos;
      const indices: number[] = [this.integerIndex()];
      while (this.isOp(',')) {
        this.next();
        indices.push(this.integerIndex());
      }
      this.expect(']', '"]" to close the index');
      node = { k: 'index', pos, target: node, indices };
    }
    if (this.isOp('(')) this.fail(this.peek(), 'only a function name can be called', 'an operator or the end of the expression');
    return node;
  }

  private integerIndex(): number {
    let sign = 1;
    const start = this.peek();
    while (this.isOp('-') || this.isOp('+')) {
      if (this.next().text === '-') sign = -sign;
    }
    const t = this.peek();
    if (t.kind !== 'number' || !/^[0-9_]+$/.test(t.text)) {
      this.fail(t.kind === 'number' ? t : start, 'an index must be an integer constant', 'an integer constant index like 0 or -1');
    }
    this.next();
    if (!Number.isSafeInteger(t.value)) this.fail(t, 'index too large', 'an index within the array', t.text);
    return sign * t.value;
  }

  private atom(): ExprNode {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { k: 'number', pos: t.pos, value: t.value };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.next();
      const inner = this.expression();
      this.expect(')', '")" to close the "(" at column ' + (t.pos + 1));
      return inner;
    }
    if (t.kind === 'op' && t.text === '[') {
      this.next();
      this.enter();
      const items: ExprNode[] = [];
      while (!this.isOp(']')) {
        items.push(this.expression());
        if (this.isOp(',')) this.next();
        else if (!this.isOp(']')) this.fail(this.peek(), 'syntax error', '"," or "]" in the list opened at column ' + (t.pos + 1));
      }
      this.next();
      this.leave();
      return { k: 'list', pos: t.pos, items };
    }
    if (t.kind === 'name' && !KEYWORDS.has(t.text)) return this.name(t);
    return this.fail(t, 'syntax error', 'a number, a name, "(" or "["');
  }

  private name(t: Token): ExprNode {
    this.next();
    const callee = this.isOp('(');
    if (FUNCTIONS.has(t.text)) {
      if (!callee) this.fail(this.peek(), `"${t.text}" is a function`, `"(" to call it, like ${t.text}(x)`);
      this.next();
      this.enter();
      const args: ExprNode[] = [];
      while (!this.isOp(')')) {
        args.push(this.expression());
        if (this.isOp(',')) this.next();
        else if (!this.isOp(')')) this.fail(this.peek(), 'syntax error', `"," or ")" in the call of ${t.text}`);
      }
      this.next();
      this.leave();
      return { k: 'call', pos: t.pos, fn: t.text as FunctionName, args };
    }
    let node: ExprNode;
    if (t.text === 'variable') node = { k: 'variable', pos: t.pos };
    else if (this.scope.params.has(t.text)) node = { k: 'param', pos: t.pos, name: t.text };
    else {
      throw new ExpressionError(
        `unknown name "${t.text}"`,
        t.pos + 1,
        caretExcerpt(this.src, t.pos),
        knownNamesText(this.scope),
        `"${t.text}"`,
      );
    }
    if (callee) this.fail(this.peek(), `"${t.text}" is not a function`, `an operator after "${t.text}"`);
    return node;
  }
}

// ---------------------------------------------------------------------------------------------
// Compilation to array operations

/** An array slot of the compiled program: its shape is fixed and its buffer is reused. */
export interface ArrayVal {
  readonly kind: 'array';
  readonly shape: readonly number[];
  readonly buf: Float64Array;
  /** Does not depend on `variable` (computed once, at compile time). */
  readonly constant: boolean;
}

/** Rows of different lengths (a variable whose input ports differ in size, or a list of such rows). */
export interface RaggedVal {
  readonly kind: 'ragged';
  readonly rows: readonly ArrayVal[];
  readonly constant: boolean;
}

export type Val = ArrayVal | RaggedVal;

/** An array read by a program operation: its (numpy) shape and its values (a view of a slot). */
export interface ArrayRef {
  readonly shape: readonly number[];
  readonly buf: Float64Array;
}

/** Element-wise functions of one argument. */
export type MapOp = '-' | 'not' | 'exp' | 'log' | 'sqrt' | 'abs' | 'tanh' | 'sin' | 'cos';
/** Element-wise functions of two (broadcast) arguments. */
export type ZipOp = BinaryOp | CompareOp | 'and' | 'or' | 'min' | 'max';

/**
 * One run-time operation of the program, as data (what code generation walks). Every `out` is
 * a view of a slot only run-time operations write; every other slot read is a constant.
 */
export type ProgramOp =
  /** out[i] = variable row `row`[i] */
  | { readonly k: 'input'; readonly row: number; readonly out: Float64Array }
  /** out[i] = fn(a[i]) */
  | { readonly k: 'map'; readonly fn: MapOp; readonly a: Float64Array; readonly out: Float64Array }
  /** out[i] = fn(a[..], b[..]), a and b broadcast to `shape` */
  | { readonly k: 'zip'; readonly fn: ZipOp; readonly a: ArrayRef; readonly b: ArrayRef; readonly shape: readonly number[]; readonly out: Float64Array }
  /** out[i] = c[..] !== 0 ? x[..] : y[..], broadcast to `shape` */
  | { readonly k: 'select'; readonly x: ArrayRef; readonly c: ArrayRef; readonly y: ArrayRef; readonly shape: readonly number[]; readonly out: Float64Array }
  /** out[0] = numpy's pairwise sum of a (0 when a is empty) */
  | { readonly k: 'sum'; readonly a: Float64Array; readonly out: Float64Array }
  /** out[0] = min/max of a's elements, left to right (NaN wins) */
  | { readonly k: 'extreme'; readonly fn: 'min' | 'max'; readonly a: Float64Array; readonly out: Float64Array }
  /** out[i] = a[i] (a list item into its place) */
  | { readonly k: 'copy'; readonly a: Float64Array; readonly out: Float64Array };

/** The compiled program as data: its run-time operations in evaluation order and the value they compute. */
export interface ExpressionProgram {
  readonly layout: VariableLayout;
  readonly ops: readonly ProgramOp[];
  readonly result: Val;
}

/** How `variable` looks to the expression. */
export interface VariableLayout {
  /** The variable's row lengths (one row per input port). */
  readonly rows: readonly number[];
  /**
   * 2: `variable` is 2-D (a mechanism's variable; `variable[0]` is the first row);
   * 1: `variable` is the single row itself (a function on its own with a 1-D variable).
   */
  readonly rank: 1 | 2;
}

export interface CompiledExpression {
  /** The syntax tree the program was compiled from. */
  readonly tree: ExprNode;
  /** Shape of the expression's value: numpy's shape, or the row lengths of a ragged value. */
  readonly resultShape: readonly number[];
  /** True when the value is a list of rows of different lengths. */
  readonly ragged: boolean;
  /** Row lengths of the value as a function value: a scalar is [1], a 1-D array one row. */
  readonly outputShape: number[];
  /** Number of operations run per evaluation (constant parts are computed once, at compile time). */
  readonly operationCount: number;
  /** Evaluates on `variable` (shaped as the layout) and writes the value into `out` (shaped outputShape). */
  evaluate(variable: Rows, out: Rows): void;
  /** The run-time operations as data (for the compiled twin of `evaluate`). */
  readonly program: ExpressionProgram;
}

export function formatShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Python's float `**` on numpy values (C pow: 1 ** nan and (-1) ** inf are 1). */
function pyPow(a: number, b: number): number {
  if (a === 1 || b === 0) return 1;
  if (a === -1 && (b === Infinity || b === -Infinity)) return 1;
  return a ** b;
}

const BINARY: Readonly<Record<BinaryOp | CompareOp, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '**': pyPow,
  '<': (a, b) => (a < b ? 1 : 0),
  '<=': (a, b) => (a <= b ? 1 : 0),
  '>': (a, b) => (a > b ? 1 : 0),
  '>=': (a, b) => (a >= b ? 1 : 0),
  '==': (a, b) => (a === b ? 1 : 0),
  '!=': (a, b) => (a !== b ? 1 : 0),
};
// Python's `a and b` is b if a is true else a; NaN is true (it is not 0).
const AND = (a: number, b: number): number => (a !== 0 ? b : a);
const OR = (a: number, b: number): number => (a !== 0 ? a : b);
const MIN = (a: number, b: number): number => (a < b || Number.isNaN(a) ? a : Number.isNaN(b) ? b : b < a ? b : a);
const MAX = (a: number, b: number): number => (a > b || Number.isNaN(a) ? a : Number.isNaN(b) ? b : b > a ? b : a);
const ZIP: Readonly<Record<ZipOp, (a: number, b: number) => number>> = { ...BINARY, and: AND, or: OR, min: MIN, max: MAX };

/** numpy's pairwise summation (the order np.sum adds in, for matching its rounding). */
function pairwiseSum(a: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let s = -0;
    for (let i = start; i < start + n; i++) s += a[i]!;
    return s;
  }
  if (n <= 128) {
    const r = [a[start]!, a[start + 1]!, a[start + 2]!, a[start + 3]!, a[start + 4]!, a[start + 5]!, a[start + 6]!, a[start + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    }
    let s = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) s += a[start + i]!;
    return s;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** numpy's broadcast of several shapes, or null when they do not broadcast. */
function broadcast(shapes: readonly (readonly number[])[]): number[] | null {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: number[] = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let k = 0; k < s.length; k++) {
      const o = rank - s.length + k;
      const d = s[k]!;
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else return null;
    }
  }
  return out;
}

/** For each flat index of `to`, the flat index of `from` broadcast to it; null when the shapes are equal. */
export function broadcastMap(from: readonly number[], to: readonly number[]): Int32Array | null {
  if (sameShape(from, to)) return null;
  const n = sizeOf(to);
  const map = new Int32Array(n);
  if (sizeOf(from) === 1) return map;
  const rank = to.length;
  const strides = new Array<number>(rank).fill(0);
  let stride = 1;
  for (let k = from.length - 1; k >= 0; k--) {
    const o = rank - from.length + k;
    strides[o] = from[k] === 1 ? 0 : stride;
    stride *= from[k]!;
  }
  const idx = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < n; i++) {
    map[i] = offset;
    for (let k = rank - 1; k >= 0; k--) {
      idx[k]!++;
      offset += strides[k]!;
      if (idx[k]! < to[k]!) break;
      offset -= strides[k]! * idx[k]!;
      idx[k] = 0;
    }
  }
  return map;
}

type Layout = 'same' | 'scalar-left' | 'scalar-right';

/** Loops with the arithmetic written out (no call per element) for the common layouts. */
function arithmeticLoop(op: string, layout: Layout, A: Float64Array, B: Float64Array, O: Float64Array): (() => void) | null {
  const n = O.length;
  switch (`${op} ${layout}`) {
    case '+ same':
      return () => { for (let i = 0; i < n; i++) O[i] = A[i]! + B[i]!; };
    case '+ scalar-left':
      return () => { const x = A[0]!; for (let i = 0; i < n; i++) O[i] = x + B[i]!; };
    case '+ scalar-right':
      return () => { const y = B[0]!; for (let i = 0; i < n; i++) O[i] = A[i]! + y; };
    case '- same':
      return () => { for (let i = 0; i < n; i++) O[i] = A[i]! - B[i]!; };
    case '- scalar-left':
      return () => { const x = A[0]!; for (let i = 0; i < n; i++) O[i] = x - B[i]!; };
    case '- scalar-right':
      return () => { const y = B[0]!; for (let i = 0; i < n; i++) O[i] = A[i]! - y; };
    case '* same':
      return () => { for (let i = 0; i < n; i++) O[i] = A[i]! * B[i]!; };
    case '* scalar-left':
      return () => { const x = A[0]!; for (let i = 0; i < n; i++) O[i] = x * B[i]!; };
    case '* scalar-right':
      return () => { const y = B[0]!; for (let i = 0; i < n; i++) O[i] = A[i]! * y; };
    case '/ same':
      return () => { for (let i = 0; i < n; i++) O[i] = A[i]! / B[i]!; };
    case '/ scalar-left':
      return () => { const x = A[0]!; for (let i = 0; i < n; i++) O[i] = x / B[i]!; };
    case '/ scalar-right':
      return () => { const y = B[0]!; for (let i = 0; i < n; i++) O[i] = A[i]! / y; };
    default:
      return null;
  }
}

/**
 * The operation computing out[i] = f(a[..], b[..]), broadcasting a and b to `shape`; `op` names
 * f when it is + - * / (for the written-out loops).
 */
function binaryLoop(
  f: (a: number, b: number) => number,
  op: string,
  a: ArrayVal,
  b: ArrayVal,
  shape: readonly number[],
  out: Float64Array,
): () => void {
  const A = a.buf;
  const B = b.buf;
  const n = out.length;
  const ma = broadcastMap(a.shape, shape);
  const mb = broadcastMap(b.shape, shape);
  const layout: Layout | null =
    !ma && !mb ? 'same' : A.length === 1 && !mb ? 'scalar-left' : !ma && B.length === 1 ? 'scalar-right' : null;
  if (layout) {
    const fast = arithmeticLoop(op, layout, A, B, out);
    if (fast) return fast;
  }
  switch (layout) {
    case 'same':
      return () => {
        for (let i = 0; i < n; i++) out[i] = f(A[i]!, B[i]!);
      };
    case 'scalar-left':
      return () => {
        const x = A[0]!;
        for (let i = 0; i < n; i++) out[i] = f(x, B[i]!);
      };
    case 'scalar-right':
      return () => {
        const y = B[0]!;
        for (let i = 0; i < n; i++) out[i] = f(A[i]!, y);
      };
    default:
      return () => {
        for (let i = 0; i < n; i++) out[i] = f(A[ma ? ma[i]! : i]!, B[mb ? mb[i]! : i]!);
      };
  }
}

class Compiler {
  private readonly ops: (() => void)[] = [];
  /** The run-time operations as data, one per entry of `ops` (plus list items copied into a run-time list). */
  private readonly prog: ProgramOp[] = [];
  private variableVal: Val | undefined;
  /** The rows being evaluated (set by `evaluate`, read by the variable's copy operations). */
  input: Rows = [];

  constructor(
    private readonly src: string,
    private readonly params: ReadonlyMap<string, NdArray>,
    private readonly layout: VariableLayout,
  ) {}

  get operations(): readonly (() => void)[] {
    return this.ops;
  }

  get program(): readonly ProgramOp[] {
    return this.prog;
  }

  /** Describes an operation of the compiled program that `evaluate` need not run (see list()). */
  private record(desc: ProgramOp): void {
    this.prog.push(desc);
  }

  fail(pos: number, problem: string, expected?: string, found?: string): never {
    throw new ExpressionError(problem, pos + 1, caretExcerpt(this.src, pos), expected, found);
  }

  /** A new array slot of `shape`, checked against MAX_ELEMENTS. */
  alloc(shape: readonly number[], pos: number, constant: boolean): ArrayVal {
    const n = sizeOf(shape);
    if (n > MAX_ELEMENTS) {
      this.fail(pos, `this makes an array of ${n} elements, shape ${formatShape(shape)}`, `at most ${MAX_ELEMENTS} elements`, `${n}`);
    }
    return { kind: 'array', shape: [...shape], buf: new Float64Array(n), constant };
  }

  /**
   * Runs `op` now if its inputs are constant (constant folding), else adds it to the program,
   * with `desc` describing it.
   */
  emit(op: () => void, constant: boolean, desc: ProgramOp): void {
    if (constant) op();
    else {
      this.ops.push(op);
      this.prog.push(desc);
    }
  }

  compile(node: ExprNode, depth: number): Val {
    if (depth > MAX_TREE_DEPTH) {
      this.fail(node.pos, `the expression is too deep (more than ${MAX_TREE_DEPTH} operations inside one another)`, 'a shallower expression', 'more');
    }
    const d = depth + 1;
    switch (node.k) {
      case 'number': {
        const v = this.alloc([], node.pos, true);
        v.buf[0] = node.value;
        return v;
      }
      case 'variable':
        return this.variable();
      case 'param': {
        const p = this.params.get(node.name)!;
        return { kind: 'array', shape: [...p.shape], buf: Float64Array.from(p.data), constant: true };
      }
      case 'unary': {
        const arg = this.array(this.compile(node.arg, d), node.pos, `"${node.op}"`);
        if (node.op === '+') return arg;
        const out = this.alloc(arg.shape, node.pos, arg.constant);
        const A = arg.buf;
        const O = out.buf;
        const n = O.length;
        if (node.op === '-') {
          this.emit(() => {
            for (let i = 0; i < n; i++) O[i] = -A[i]!;
          }, arg.constant, { k: 'map', fn: '-', a: A, out: O });
        } else {
          this.emit(() => {
            for (let i = 0; i < n; i++) O[i] = A[i] === 0 ? 1 : 0;
          }, arg.constant, { k: 'map', fn: 'not', a: A, out: O });
        }
        return out;
      }
      case 'binary': {
        const what = `"${node.op}"`;
        const a = this.array(this.compile(node.left, d), node.pos, what);
        const b = this.array(this.compile(node.right, d), node.pos, what);
        return this.elementwise2(node.op, a, b, node.pos, what);
      }
      case 'compare': {
        const args = node.args.map((n) => this.array(this.compile(n, d), node.pos, 'a comparison'));
        let result = this.elementwise2(node.ops[0]!, args[0]!, args[1]!, node.opPos[0]!, `"${node.ops[0]}"`);
        for (let k = 1; k < node.ops.length; k++) {
          const pos = node.opPos[k]!;
          const next = this.elementwise2(node.ops[k]!, args[k]!, args[k + 1]!, pos, `"${node.ops[k]}"`);
          result = this.elementwise2('and', result, next, pos, 'a chained comparison');
        }
        return result;
      }
      case 'logic': {
        const what = `"${node.op}"`;
        const f = node.op;
        let result = this.array(this.compile(node.args[0]!, d), node.pos, what);
        for (let k = 1; k < node.args.length; k++) {
          result = this.elementwise2(f, result, this.array(this.compile(node.args[k]!, d), node.pos, what), node.pos, what);
        }
        return result;
      }
      case 'if':
        return this.conditional(node, d);
      case 'call':
        return this.call(node, d);
      case 'list':
        return this.list(node, d);
      case 'index':
        return this.index(node, d);
    }
  }

  /** `variable` as the layout says, copied in from the input rows by the program's first operations. */
  private variable(): Val {
    if (this.variableVal) return this.variableVal;
    const rows = this.layout.rows;
    const copyRow = (slot: ArrayVal, r: number, offset: number): void => {
      const n = rows[r]!;
      const O = slot.buf;
      this.ops.push(() => {
        const x = this.input[r]!;
        for (let i = 0; i < n; i++) O[offset + i] = x[i]!;
      });
      this.prog.push({ k: 'input', row: r, out: O.subarray(offset, offset + n) });
    };
    if (this.layout.rank === 1) {
      const v = this.alloc([rows[0] ?? 0], 0, false);
      copyRow(v, 0, 0);
      this.variableVal = v;
    } else if (rows.every((n) => n === rows[0])) {
      const width = rows[0] ?? 0;
      const v = this.alloc([rows.length, width], 0, false);
      rows.forEach((_, r) => copyRow(v, r, r * width));
      this.variableVal = v;
    } else {
      const rowVals = rows.map((n, r) => {
        const v = this.alloc([n], 0, false);
        copyRow(v, r, 0);
        return v;
      });
      this.variableVal = { kind: 'ragged', rows: rowVals, constant: false };
    }
    return this.variableVal;
  }

  /** `v` as an array; rows of different lengths can only be indexed or measured with len(). */
  private array(v: Val, pos: number, what: string): ArrayVal {
    if (v.kind === 'array') return v;
    const lengths = v.rows.map((r) => r.shape[0]).join(', ');
    return this.fail(
      pos,
      `${what} cannot work on rows of different lengths (${lengths})`,
      'an array: index one row first, like variable[0]',
      `rows of lengths ${lengths}`,
    );
  }

  private elementwise2(op: ZipOp, a: ArrayVal, b: ArrayVal, pos: number, what: string): ArrayVal {
    const shape = broadcast([a.shape, b.shape]);
    if (!shape) {
      this.fail(
        pos,
        `the operands of ${what} have shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}, which do not broadcast`,
        'shapes that numpy broadcasts (equal, or 1, in each dimension from the right)',
        `${formatShape(a.shape)} and ${formatShape(b.shape)}`,
      );
    }
    const constant = a.constant && b.constant;
    const out = this.alloc(shape, pos, constant);
    this.emit(binaryLoop(ZIP[op], op, a, b, shape, out.buf), constant, { k: 'zip', fn: op, a, b, shape, out: out.buf });
    return out;
  }

  private conditional(node: Extract<ExprNode, { k: 'if' }>, d: number): ArrayVal {
    const what = '"if"/"else"';
    const x = this.array(this.compile(node.then, d), node.pos, what);
    const c = this.array(this.compile(node.test, d), node.pos, what);
    const y = this.array(this.compile(node.else, d), node.pos, what);
    const shape = broadcast([x.shape, c.shape, y.shape]);
    if (!shape) {
      this.fail(
        node.pos,
        `the value if true ${formatShape(x.shape)}, the condition ${formatShape(c.shape)} and the value if false ${formatShape(y.shape)} do not broadcast`,
        'shapes that numpy broadcasts',
        `${formatShape(x.shape)}, ${formatShape(c.shape)} and ${formatShape(y.shape)}`,
      );
    }
    const constant = x.constant && c.constant && y.constant;
    const out = this.alloc(shape, node.pos, constant);
    const [X, C, Y, O] = [x.buf, c.buf, y.buf, out.buf];
    const [mx, mc, my] = [broadcastMap(x.shape, shape), broadcastMap(c.shape, shape), broadcastMap(y.shape, shape)];
    const n = O.length;
    this.emit(() => {
      for (let i = 0; i < n; i++) {
        O[i] = C[mc ? mc[i]! : i] !== 0 ? X[mx ? mx[i]! : i]! : Y[my ? my[i]! : i]!;
      }
    }, constant, { k: 'select', x, c, y, shape, out: O });
    return out;
  }

  private call(node: Extract<ExprNode, { k: 'call' }>, d: number): Val {
    const fn = node.fn;
    const args = node.args.map((a) => this.compile(a, d));
    const arity = (want: string): never =>
      this.fail(node.pos, `${fn}() takes ${want}`, want, `${args.length} argument${args.length === 1 ? '' : 's'}`);
    if (fn === 'len') {
      if (args.length !== 1) arity('1 argument');
      const v = args[0]!;
      const n = v.kind === 'ragged' ? v.rows.length : v.shape[0];
      if (n === undefined) this.fail(node.pos, 'len() of a number', 'an array', 'a number (shape ())');
      const out = this.alloc([], node.pos, true);
      out.buf[0] = n;
      return out;
    }
    const elementwise = ELEMENTWISE.get(fn);
    if (elementwise) {
      if (args.length !== 1) arity('1 argument');
      const a = this.array(args[0]!, node.pos, `${fn}()`);
      const out = this.alloc(a.shape, node.pos, a.constant);
      const [A, O, n] = [a.buf, out.buf, out.buf.length];
      this.emit(() => {
        for (let i = 0; i < n; i++) O[i] = elementwise(A[i]!);
      }, a.constant, { k: 'map', fn: fn as MapOp, a: A, out: O });
      return out;
    }
    // min, max, sum
    const reduce = fn as 'min' | 'max' | 'sum';
    if (args.length === 0) arity('at least 1 argument');
    const arrays = args.map((a) => this.array(a, node.pos, `${fn}()`));
    if (arrays.length > 1) {
      const f: ZipOp = reduce === 'sum' ? '+' : reduce;
      let result = arrays[0]!;
      for (let k = 1; k < arrays.length; k++) result = this.elementwise2(f, result, arrays[k]!, node.pos, `${fn}()`);
      return result;
    }
    const a = arrays[0]!;
    const n = a.buf.length;
    if (n === 0 && fn !== 'sum') this.fail(node.pos, `${fn}() of an empty array`, 'at least one element', 'an empty array');
    const out = this.alloc([], node.pos, a.constant);
    const [A, O] = [a.buf, out.buf];
    if (fn === 'sum') {
      this.emit(() => {
        O[0] = n === 0 ? 0 : pairwiseSum(A, 0, n);
      }, a.constant, { k: 'sum', a: A, out: O });
    } else {
      const f = fn === 'min' ? MIN : MAX;
      this.emit(() => {
        let m = A[0]!;
        for (let i = 1; i < n; i++) m = f(m, A[i]!);
        O[0] = m;
      }, a.constant, { k: 'extreme', fn: reduce === 'min' ? 'min' : 'max', a: A, out: O });
    }
    return out;
  }

  private list(node: Extract<ExprNode, { k: 'list' }>, d: number): Val {
    const items = node.items.map((n) => this.array(this.compile(n, d), n.pos, 'a list item'));
    const constant = items.every((v) => v.constant);
    const first = items[0];
    if (!first) return this.alloc([0], node.pos, true);
    if (!items.every((v) => sameShape(v.shape, first.shape))) {
      if (items.every((v) => v.shape.length === 1)) return { kind: 'ragged', rows: items, constant };
      const k = items.findIndex((v) => !sameShape(v.shape, first.shape));
      this.fail(
        node.items[k]!.pos,
        `the items of a list must have the same shape: item 1 has shape ${formatShape(first.shape)}, item ${k + 1} has shape ${formatShape(items[k]!.shape)}`,
        `shape ${formatShape(first.shape)}`,
        formatShape(items[k]!.shape),
      );
    }
    const out = this.alloc([items.length, ...first.shape], node.pos, constant);
    const width = first.buf.length;
    items.forEach((item, k) => {
      const [A, O, offset] = [item.buf, out.buf, k * width];
      const desc: ProgramOp = { k: 'copy', a: A, out: O.subarray(offset, offset + width) };
      this.emit(() => {
        for (let i = 0; i < width; i++) O[offset + i] = A[i]!;
      }, item.constant, desc);
      // a constant item of a run-time list is copied into its place once, now; the compiled
      // program has its own slots, so it copies it too
      if (item.constant && !constant) this.record(desc);
    });
    return out;
  }

  /** Indexing with integer constants is a view of the target's buffer: no operation at run time. */
  private index(node: Extract<ExprNode, { k: 'index' }>, d: number): Val {
    let target = this.compile(node.target, d);
    let indices = node.indices;
    if (target.kind === 'ragged') {
      const r = this.normalizeIndex(indices[0]!, target.rows.length, node.pos, 0, [target.rows.length]);
      target = target.rows[r]!;
      indices = indices.slice(1);
    }
    if (indices.length > target.shape.length) {
      this.fail(
        node.pos,
        `too many indices: ${node.indices.length} for a value of shape ${formatShape(target.shape)}`,
        `at most ${target.shape.length} ${target.shape.length === 1 ? 'index' : 'indices'}`,
        `${node.indices.length}`,
      );
    }
    let offset = 0;
    let stride = target.buf.length;
    indices.forEach((ix, k) => {
      const dim = target.shape[k]!;
      const i = this.normalizeIndex(ix, dim, node.pos, k, target.shape);
      stride = dim === 0 ? 0 : stride / dim;
      offset += i * stride;
    });
    const shape = target.shape.slice(indices.length);
    return { kind: 'array', shape, buf: target.buf.subarray(offset, offset + sizeOf(shape)), constant: target.constant };
  }

  private normalizeIndex(ix: number, dim: number, pos: number, axis: number, shape: readonly number[]): number {
    const i = ix < 0 ? ix + dim : ix;
    if (i < 0 || i >= dim) {
      this.fail(
        pos,
        `index ${ix} is out of range for axis ${axis} of a value of shape ${formatShape(shape)}`,
        dim === 0 ? 'no index (the axis is empty)' : `an index from ${-dim} to ${dim - 1}`,
        `${ix}`,
      );
    }
    return i;
  }
}

/**
 * Parses and compiles `src` for a variable laid out as `layout`, with parameters `params`.
 * Throws ExpressionError for syntax errors, unknown names, shape errors and exceeded limits.
 */
export function compileExpression(
  src: string,
  params: ReadonlyMap<string, NdArray>,
  layout: VariableLayout,
): CompiledExpression {
  const tree = parseExpression(src, { params });
  const compiler = new Compiler(src, params, layout);
  const result = compiler.compile(tree, 0);
  const ops = compiler.operations;

  let outputShape: number[];
  let resultShape: readonly number[];
  let write: (out: Rows) => void;
  if (result.kind === 'ragged') {
    resultShape = result.rows.map((r) => r.shape[0]!);
    outputShape = [...resultShape];
    write = (out) => result.rows.forEach((r, k) => out[k]!.set(r.buf));
  } else {
    const shape = result.shape;
    resultShape = shape;
    if (shape.length > 2) {
      compiler.fail(
        0,
        `the expression's value has ${shape.length} dimensions (shape ${formatShape(shape)}); a function's value has at most 2`,
        'a number, a 1-D array or a 2-D array',
        formatShape(shape),
      );
    }
    if (result.buf.length === 0) {
      compiler.fail(0, `the expression's value is empty (shape ${formatShape(shape)})`, 'at least one element', formatShape(shape));
    }
    const buf = result.buf;
    if (shape.length < 2) {
      outputShape = [buf.length];
      write = (out) => out[0]!.set(buf);
    } else {
      const [rows, width] = [shape[0]!, shape[1]!];
      outputShape = new Array<number>(rows).fill(width);
      write = (out) => {
        for (let r = 0; r < rows; r++) out[r]!.set(buf.subarray(r * width, (r + 1) * width));
      };
    }
  }
  return {
    tree,
    resultShape,
    ragged: result.kind === 'ragged',
    outputShape,
    operationCount: ops.length,
    program: { layout, ops: compiler.program, result },
    evaluate(variable: Rows, out: Rows): void {
      compiler.input = variable;
      for (let k = 0; k < ops.length; k++) ops[k]!();
      compiler.input = [];
      write(out);
    },
  };
}
