/**
 * OneHot: keeps one element (or all tied ones) of the variable and zeroes the rest.
 *
 * Deterministic modes look at the whole variable: the extreme (max or min, optionally of absolute
 * values) is found over every element, and every element equal to it is kept (the ARG_ modes keep
 * only the first). The _VAL modes write the compared value (the absolute value in the _ABS_ modes),
 * the _INDICATOR modes write 1.
 *
 * PROB and PROB_INDICATOR take a 2-row variable [values, probabilities] and draw
 * u = random_sample(): the first element whose cumulative probability exceeds u is chosen, and so is
 * every element whose cumulative probability equals the chosen one (PsyNeuLink compares cumulative
 * sums, so zero-probability elements right after the chosen one are chosen too). All-zero
 * probabilities return the values unchanged without drawing.
 */
import { ModelError } from '../../../model/errors.js';
import type { CgValue, Codegen } from '../../../compiler/codegen/codegen.js';
import type { IR, V } from '../../../compiler/codegen/ir.js';
import type { MT19937 } from '../../../random/mt19937.js';
import { resolveParams, ownRandomStream } from '../../params.js';
import type { FunctionDeclaration, Shape, Value } from '../../types.js';

export const ONE_HOT_MODES = [
  'MAX_VAL',
  'MAX_ABS_VAL',
  'MAX_INDICATOR',
  'MAX_ABS_INDICATOR',
  'MIN_VAL',
  'MIN_ABS_VAL',
  'MIN_INDICATOR',
  'MIN_ABS_INDICATOR',
  'ARG_MAX',
  'ARG_MAX_ABS',
  'ARG_MAX_INDICATOR',
  'ARG_MAX_ABS_INDICATOR',
  'ARG_MIN',
  'ARG_MIN_ABS',
  'ARG_MIN_INDICATOR',
  'ARG_MIN_ABS_INDICATOR',
  'PROB',
  'PROB_INDICATOR',
] as const;
export type OneHotMode = (typeof ONE_HOT_MODES)[number];

/** How a deterministic mode selects. */
export interface ExtremeRule {
  max: boolean;
  abs: boolean;
  indicator: boolean;
  /** Keep only the first tied element. */
  first: boolean;
}

export function extremeRule(mode: Exclude<OneHotMode, 'PROB' | 'PROB_INDICATOR'>): ExtremeRule {
  return {
    max: mode.includes('MAX'),
    abs: mode.includes('ABS'),
    indicator: mode.endsWith('INDICATOR'),
    first: mode.startsWith('ARG_'),
  };
}

/**
 * Writes the deterministic selection of `rows` into `out` (same shape). The extreme is taken over
 * all rows together, as np.max/np.min of the whole array; a NaN anywhere selects nothing.
 */
export function selectExtreme(rows: Value, out: Value, rule: ExtremeRule): void {
  let extreme = rule.max ? -Infinity : Infinity;
  let sawNaN = false;
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) {
      const v = rule.abs ? Math.abs(row[i]!) : row[i]!;
      if (v !== v) sawNaN = true;
      else if (rule.max ? v > extreme : v < extreme) extreme = v;
    }
  }
  const write = rule.indicator ? 1 : extreme;
  let done = false;
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const o = out[r]!;
    for (let i = 0; i < row.length; i++) {
      const v = rule.abs ? Math.abs(row[i]!) : row[i]!;
      if (!sawNaN && !done && v === extreme) {
        o[i] = write;
        if (rule.first) done = true;
      } else {
        o[i] = 0;
      }
    }
  }
}

/** `v !== v` in generated code (an i1). */
function isNaN_(ir: IR, v: V): V {
  return ir.ne(v, v);
}

/** The compiled twin of `selectExtreme` (`rows` and `out` may be the same value). */
export function emitSelectExtreme(cg: Codegen, rows: CgValue, out: CgValue, rule: ExtremeRule): void {
  const ir = cg.ir;
  const b = ir.b;
  const read = (ptr: V, i: V) => (rule.abs ? ir.fabs(ir.load(ptr, i)) : ir.load(ptr, i));
  const extreme = ir.variable(ir.num(rule.max ? -Infinity : Infinity), 'extreme');
  const sawNaN = ir.intVariable(ir.int(0), 'sawnan');
  for (const row of rows.rows) {
    ir.loop(row.len, (i) => {
      const v = read(row.ptr, i);
      const e = extreme.get();
      sawNaN.set(b.CreateOr(sawNaN.get(), b.CreateZExt(isNaN_(ir, v), ir.i32)));
      extreme.set(ir.select(rule.max ? ir.gt(v, e) : ir.lt(v, e), v, e));
    }, 'extreme');
  }
  const ext = extreme.get();
  const write = rule.indicator ? ir.num(1) : ext;
  const noNaN = b.CreateICmpEQ(sawNaN.get(), ir.int(0));
  const done = ir.intVariable(ir.int(0), 'done');
  rows.rows.forEach((row, r) => {
    const o = out.rows[r]!.ptr;
    ir.loop(row.len, (i) => {
      const v = read(row.ptr, i);
      const d = done.get();
      const hit = b.CreateAnd(b.CreateAnd(noNaN, b.CreateICmpEQ(d, ir.int(0))), ir.eq(v, ext));
      ir.store(ir.select(hit, write, ir.num(0)), o, i);
      if (rule.first) done.set(b.CreateOr(d, b.CreateZExt(hit, ir.i32)));
    }, 'select');
  });
}

/**
 * The compiled twin of `selectProbabilistic` over rows of `n` doubles; `cum` is scratch of n
 * doubles. Draws one random_sample from `rng` exactly when the interpreter does.
 */
export function emitSelectProbabilistic(
  cg: Codegen,
  values: V,
  probs: V,
  n: number,
  rng: ReturnType<Codegen['rng']>,
  indicator: boolean,
  cum: V,
  out: V,
): void {
  if (n === 0) return;
  const ir = cg.ir;
  const b = ir.b;
  const any = ir.intVariable(ir.int(0), 'any');
  ir.loop(n, (i) => any.set(b.CreateOr(any.get(), b.CreateZExt(ir.ne(ir.load(probs, i), ir.num(0)), ir.i32))), 'any');
  ir.ifThen(
    b.CreateICmpEQ(any.get(), ir.int(0)),
    () => ir.loop(n, (i) => ir.store(ir.load(values, i), out, i), 'cp'),
    () => {
      const acc = ir.variable(ir.num(0), 'acc');
      ir.loop(n, (i) => {
        acc.set(ir.add(acc.get(), ir.load(probs, i)));
        ir.store(acc.get(), cum, i);
      }, 'cum');
      const u = rng.randomSample();
      const chosen = ir.variable(ir.num(NaN), 'chosen');
      const found = ir.intVariable(ir.int(0), 'found');
      ir.loop(n, (i) => {
        const c = ir.load(cum, i);
        const take = b.CreateAnd(b.CreateICmpEQ(found.get(), ir.int(0)), ir.gt(c, u));
        chosen.set(ir.select(take, c, chosen.get()));
        found.set(b.CreateOr(found.get(), b.CreateZExt(take, ir.i32)));
      }, 'draw');
      const ch = chosen.get();
      const final = ir.select(isNaN_(ir, ch), ir.load(cum, n - 1), ch);
      ir.loop(n, (i) => {
        const hit = ir.select(ir.eq(ir.load(cum, i), final), ir.num(1), ir.num(0));
        ir.store(ir.mul(indicator ? ir.num(1) : ir.load(values, i), hit), out, i);
      }, 'hit');
    },
  );
}

/**
 * The probabilistic choice of OneHot PROB/PROB_INDICATOR: writes into `out` the value (or 1) of the
 * chosen element(s) of `values` and 0 elsewhere. `cum` is scratch of at least values.length.
 */
export function selectProbabilistic(
  values: Float64Array,
  probs: Float64Array,
  rng: MT19937,
  indicator: boolean,
  cum: Float64Array,
  out: Float64Array,
): void {
  const n = values.length;
  let any = false;
  for (let i = 0; i < n; i++) if (probs[i] !== 0) any = true;
  if (!any) {
    out.set(values);
    return;
  }
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += probs[i]!;
    cum[i] = acc;
  }
  const u = rng.randomSample();
  let chosen = NaN;
  for (let i = 0; i < n; i++) {
    if (cum[i]! > u) {
      chosen = cum[i]!;
      break;
    }
  }
  // Rounding can leave the total just below u; PsyNeuLink then fails, we take the last step.
  if (chosen !== chosen) chosen = cum[n - 1]!;
  for (let i = 0; i < n; i++) {
    const hit = cum[i] === chosen ? 1 : 0;
    out[i] = (indicator ? 1 : values[i]!) * hit;
  }
}

function isProb(mode: OneHotMode): mode is 'PROB' | 'PROB_INDICATOR' {
  return mode === 'PROB' || mode === 'PROB_INDICATOR';
}

export const OneHot: FunctionDeclaration = {
  type: 'OneHot',
  category: 'selection',
  help: 'Keeps the largest (or smallest, or a randomly drawn) element and sets all others to 0.',
  stochastic: true,
  params: [
    {
      name: 'mode',
      kind: 'enum',
      default: 'MAX_VAL',
      values: ONE_HOT_MODES,
      help: 'Which element survives and what is written there: its value (_VAL) or 1 (_INDICATOR); PROB modes draw one at random using the second row as probabilities.',
    },
    { name: 'seed', kind: 'integer', default: undefined, help: 'Seed of the random stream used by the PROB modes.' },
  ],
  create(spec, shape, env) {
    const params = resolveParams(this.type, this.params, spec, env.path);
    const mode = params.mode as OneHotMode;
    const slot = ownRandomStream(env, params.seed);
    if (isProb(mode)) {
      if (shape.length !== 2 || shape[0] !== shape[1]) {
        throw new ModelError([
          {
            path: `${env.path}.mode`,
            parameter: 'mode',
            message: `OneHot in ${mode} mode needs a variable of two equal-length rows: [values, probabilities]`,
            expected: 'a variable shaped [n, n]',
            found: `a variable shaped [${shape.join(', ')}]`,
          },
        ]);
      }
      const indicator = mode === 'PROB_INDICATOR';
      const n = shape[0]!;
      return {
        type: this.type,
        outputShape: [n],
        params,
        bind(ctx) {
          const rng = ctx.rng(slot);
          const cum = new Float64Array(n);
          return {
            rng,
            execute(variable: Value, out: Value) {
              selectProbabilistic(variable[0]!, variable[1]!, rng, indicator, cum, out[0]!);
            },
          };
        },
        emit(cg, variable, out) {
          const cum = cg.scratch([n], 'OneHot.cum').rows[0]!.ptr;
          emitSelectProbabilistic(cg, variable.rows[0]!.ptr, variable.rows[1]!.ptr, n, cg.rng(slot), indicator, cum, out.rows[0]!.ptr);
        },
      };
    }
    const rule = extremeRule(mode);
    const outputShape: Shape = [...shape];
    return {
      type: this.type,
      outputShape,
      params,
      bind(ctx) {
        const rng = ctx.rng(slot);
        return {
          rng,
          execute(variable: Value, out: Value) {
            selectExtreme(variable, out, rule);
          },
        };
      },
      emit(cg, variable, out) {
        emitSelectExtreme(cg, variable, out, rule);
      },
    };
  },
};
