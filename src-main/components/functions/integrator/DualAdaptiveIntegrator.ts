/**
 * DualAdaptiveIntegrator (Aston-Jones & Cohen 2005): a short-term and a long-term average of the
 * input, each passed through a logistic, combined by `operation`, plus offset.
 *
 * PsyNeuLink 0.15 calls its moving-average helper with the rate and the previous average swapped,
 * so each average is updated as `avg ← (1 − avg)·term_rate + avg·variable`; we reproduce that.
 * The logistics are `1 / (1 + exp(−gain·avg + bias))` and the combinations
 * product (1 − s)·l, sum (1 − s) + l, s-l (1 − s) − l, l-s l − (1 − s).
 * `rate` and `initializer` are accepted (PsyNeuLink has them) but take no part in the result.
 */
import type { V } from '../../../compiler/codegen/ir.js';
import { paramError } from '../../params.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import {
  INITIALIZER_PARAM,
  StateVar,
  checkRange,
  elementParams,
  emitElements,
  emitParams,
  emitResetSlots,
  resetViews,
  resolveIntegratorParams,
} from './common.js';

const OPERATIONS = ['product', 'sum', 's-l', 'l-s'] as const;

export const DualAdaptiveIntegrator: FunctionDeclaration = {
  type: 'DualAdaptiveIntegrator',
  category: 'integrator',
  help: 'Combines logistics of a short-term and a long-term moving average of the input (utility over two time scales).',
  stochastic: false,
  params: [
    { name: 'rate', kind: 'numeric', default: 0.5, help: 'Accepted for compatibility (between 0 and 1); does not change the result.' },
    { ...INITIALIZER_PARAM, help: 'Accepted for compatibility; the averages start from initial_short_term_avg and initial_long_term_avg.' },
    { name: 'initial_short_term_avg', kind: 'numeric', default: 0.0, help: 'Short-term average at the start, and after a reset.' },
    { name: 'initial_long_term_avg', kind: 'numeric', default: 0.0, help: 'Long-term average at the start, and after a reset.' },
    { name: 'short_term_gain', kind: 'numeric', default: 1.0, help: 'Gain of the logistic applied to the short-term average.' },
    { name: 'long_term_gain', kind: 'numeric', default: 1.0, help: 'Gain of the logistic applied to the long-term average.' },
    { name: 'short_term_bias', kind: 'numeric', default: 0.0, help: 'Bias of the logistic applied to the short-term average.' },
    { name: 'long_term_bias', kind: 'numeric', default: 0.0, help: 'Bias of the logistic applied to the long-term average.' },
    { name: 'short_term_rate', kind: 'numeric', default: 0.9, help: 'Update rate of the short-term average.' },
    { name: 'long_term_rate', kind: 'numeric', default: 0.1, help: 'Update rate of the long-term average.' },
    {
      name: 'operation',
      kind: 'enum',
      default: 'product',
      values: OPERATIONS,
      help: 'How the two logistics s (short) and l (long) combine: (1−s)·l, (1−s)+l, (1−s)−l or l−(1−s).',
    },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Constant added to the combined value.' },
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const p = elementParams(this, params, shape, env);
    checkRange(this, 'rate', p.rate!, params.rate, 0, 1, env);
    const op = OPERATIONS.indexOf(params.operation as (typeof OPERATIONS)[number]);
    if (op < 0) throw paramError(`${env.path}.operation`, `unknown operation ${String(params.operation)}`);
    const [sGain, lGain, sBias, lBias, sRate, lRate, offset] = [
      p.short_term_gain!, p.long_term_gain!, p.short_term_bias!, p.long_term_bias!,
      p.short_term_rate!, p.long_term_rate!, p.offset!,
    ];
    const shortAvg = new StateVar(env, 'previous_short_term_avg', p.initial_short_term_avg!);
    const longAvg = new StateVar(env, 'previous_long_term_avg', p.initial_long_term_avg!);
    return {
      type: this.type,
      outputShape: [...shape],
      params,
      bind(ctx) {
        const ps = shortAvg.view(ctx);
        const pl = longAvg.view(ctx);
        return {
          execute(variable: Value, out: Value) {
            let k = 0;
            for (let r = 0; r < variable.length; r++) {
              const xs = variable[r]!;
              const o = out[r]!;
              for (let i = 0; i < xs.length; i++, k++) {
                const x = xs[i]!;
                const s0 = ps[k]!;
                const l0 = pl[k]!;
                const s = (1 - s0) * sRate[k]! + s0 * x;
                const l = (1 - l0) * lRate[k]! + l0 * x;
                ps[k] = s;
                pl[k] = l;
                const sLog = 1 / (1 + Math.exp(-(sGain[k]! * s) + sBias[k]!));
                const lLog = 1 / (1 + Math.exp(-(lGain[k]! * l) + lBias[k]!));
                let v: number;
                switch (op) {
                  case 0:
                    v = (1 - sLog) * lLog;
                    break;
                  case 1:
                    v = 1 - sLog + lLog;
                    break;
                  case 2:
                    v = 1 - sLog - lLog;
                    break;
                  default:
                    v = lLog - (1 - sLog);
                }
                o[i] = v + offset[k]!;
              }
            }
          },
          reset() {
            resetViews([
              [ps, shortAvg],
              [pl, longAvg],
            ]);
          },
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const ps = cg.slot(shortAvg.slot);
        const pl = cg.slot(longAvg.slot);
        const e = emitParams(ir, 'DualAdaptiveIntegrator', { sGain, lGain, sBias, lBias, sRate, lRate, offset });
        const one = ir.num(1);
        const logistic = (gain: V, avg: V, bias: V): V => ir.div(one, ir.add(one, ir.exp(ir.add(ir.neg(ir.mul(gain, avg)), bias))));
        emitElements(ir, variable.rows, (r, i, k) => {
          const x = ir.load(variable.rows[r]!.ptr, i);
          const s0 = ir.load(ps, k);
          const l0 = ir.load(pl, k);
          const s = ir.add(ir.mul(ir.sub(one, s0), e.sRate(k)), ir.mul(s0, x));
          const l = ir.add(ir.mul(ir.sub(one, l0), e.lRate(k)), ir.mul(l0, x));
          ir.store(s, ps, k);
          ir.store(l, pl, k);
          const sLog = logistic(e.sGain(k), s, e.sBias(k));
          const lLog = logistic(e.lGain(k), l, e.lBias(k));
          let v: V;
          switch (op) {
            case 0:
              v = ir.mul(ir.sub(one, sLog), lLog);
              break;
            case 1:
              v = ir.add(ir.sub(one, sLog), lLog);
              break;
            case 2:
              v = ir.sub(ir.sub(one, sLog), lLog);
              break;
            default:
              v = ir.sub(lLog, ir.sub(one, sLog));
          }
          ir.store(ir.add(v, e.offset(k)), out.rows[r]!.ptr, i);
        });
      },
      emitReset(cg) {
        emitResetSlots(cg, [shortAvg, longAvg]);
      },
    };
  },
};
