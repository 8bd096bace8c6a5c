/**
 * DriftDiffusionIntegrator: one step of a drift-diffusion process per call,
 * `x ← clip(x + rate·variable·dt + noise·√dt·N(0,1) + offset, −threshold, threshold)`,
 * `t ← t + dt` (t starts at non_decision_time). Returns two rows: the positions, then the times
 * (one time per element).
 *
 * The normal draws come from the function's own stream, one per element in element order, on
 * every call (also when noise is 0). `noise` scales the draw; it cannot be a distribution.
 */
import { ownRandomStream } from '../../params.js';
import type { MT19937 } from '../../../random/mt19937.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import {
  SEED_PARAM,
  StateVar,
  elementCount,
  elementParams,
  emitElements,
  emitJsMax,
  emitJsMin,
  emitParams,
  emitResetSlots,
  resetViews,
  resolveAlias,
  resolveIntegratorParams,
} from './common.js';

export const DriftDiffusionIntegrator: FunctionDeclaration = {
  type: 'DriftDiffusionIntegrator',
  category: 'integrator',
  help: 'Accumulates noisy evidence to a bound: x + rate·variable·dt + noise·√dt·N(0,1) + offset, clipped to ±threshold; returns [position, time].',
  stochastic: true,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Multiplies the input (the attentional part of the drift rate).' },
    { name: 'noise', kind: 'numeric', default: 0.0, help: 'Standard deviation of the diffusion: scales a standard normal draw (times √time_step_size).' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Constant added to the position on each step, before clipping.' },
    { name: 'starting_value', kind: 'numeric', default: 0.0, help: 'Position the process starts from, and returns to on reset.' },
    { name: 'initializer', kind: 'numeric', default: undefined, help: 'Another name for starting_value.' },
    { name: 'non_decision_time', kind: 'numeric', default: 0.0, help: 'Time at which the process starts (added to the reported time).', unit: 's' },
    { name: 'threshold', kind: 'numeric', default: 100.0, help: 'The bounds ±threshold: the position is clipped to them and the process is finished on reaching one.' },
    { name: 'time_step_size', kind: 'numeric', default: 1.0, help: 'Length of one step: scales the drift by dt and the noise by √dt.', unit: 's' },
    SEED_PARAM,
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const start = resolveAlias(this, spec, params, 'starting_value', 'initializer', shape, env);
    const p = elementParams(this, params, shape, env, ['starting_value', 'initializer']);
    const n = elementCount(shape);
    const rate = p.rate!;
    const noise = p.noise!;
    const offset = p.offset!;
    const threshold = p.threshold!;
    const dt = p.time_step_size!;
    const sqrtDt = dt.map(Math.sqrt);
    const previousValue = new StateVar(env, 'previous_value', start);
    const previousTime = new StateVar(env, 'previous_time', p.non_decision_time!);
    const stream = ownRandomStream(env, spec.seed);
    return {
      type: this.type,
      outputShape: [n, n],
      params,
      bind(ctx) {
        const prev = previousValue.view(ctx);
        const time = previousTime.view(ctx);
        const rng: MT19937 = ctx.rng(stream);
        return {
          rng,
          execute(variable: Value, out: Value) {
            const position = out[0]!;
            const times = out[1]!;
            let k = 0;
            for (let r = 0; r < variable.length; r++) {
              const x = variable[r]!;
              for (let i = 0; i < x.length; i++, k++) {
                const draw = rng.standardNormal();
                const moved = prev[k]! + rate[k]! * x[i]! * dt[k]! + noise[k]! * sqrtDt[k]! * draw + offset[k]!;
                const t = threshold[k]!;
                const v = Math.min(Math.max(moved, -t), t);
                prev[k] = v;
                position[k] = v;
                const now = time[k]! + dt[k]!;
                time[k] = now;
                times[k] = now;
              }
            }
          },
          reset() {
            resetViews([
              [prev, previousValue],
              [time, previousTime],
            ]);
          },
          isFinished() {
            return n > 0 && Math.abs(prev[0]!) >= threshold[0]!;
          },
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const prev = cg.slot(previousValue.slot);
        const time = cg.slot(previousTime.slot);
        const position = out.rows[0]!.ptr;
        const times = out.rows[1]!.ptr;
        const rng = cg.rng(stream);
        const e = emitParams(ir, 'DriftDiffusionIntegrator', { rate, noise, offset, threshold, dt, sqrtDt });
        emitElements(ir, variable.rows, (r, i, k) => {
          const draw = rng.standardNormal();
          const drift = ir.mul(ir.mul(e.rate(k), ir.load(variable.rows[r]!.ptr, i)), e.dt(k));
          const diffusion = ir.mul(ir.mul(e.noise(k), e.sqrtDt(k)), draw);
          const moved = ir.add(ir.add(ir.add(ir.load(prev, k), drift), diffusion), e.offset(k));
          const t = e.threshold(k);
          const v = emitJsMin(ir, emitJsMax(ir, moved, ir.neg(t)), t);
          ir.store(v, prev, k);
          ir.store(v, position, k);
          const now = ir.add(ir.load(time, k), e.dt(k));
          ir.store(now, time, k);
          ir.store(now, times, k);
        });
      },
      emitReset(cg) {
        emitResetSlots(cg, [previousValue, previousTime]);
      },
      emitIsFinished(cg) {
        const ir = cg.ir;
        if (n === 0) return ir.bool(false);
        return ir.ge(ir.fabs(ir.load(cg.slot(previousValue.slot), 0)), ir.num(threshold[0]!));
      },
    };
  },
};
