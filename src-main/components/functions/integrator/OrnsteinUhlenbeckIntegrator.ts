/**
 * OrnsteinUhlenbeckIntegrator: one Euler step of an Ornstein-Uhlenbeck process per call,
 * `x ← x + (decay·x − rate·variable)·dt + √(dt·noise)·N(0,1) + offset`, `t ← t + dt`
 * (t starts at non_decision_time). Returns two rows: the positions, then the times.
 *
 * As in PsyNeuLink, noise sits inside the square root (it acts as a variance), and ONE normal draw
 * from the function's own stream is shared by all elements on each call (drawn also when noise is 0).
 */
import { ownRandomStream } from '../../params.js';
import type { MT19937 } from '../../../random/mt19937.js';
import type { FunctionDeclaration, Value } from '../../types.js';
import {
  SEED_PARAM,
  StateVar,
  checkRange,
  elementCount,
  elementParams,
  emitElements,
  emitParams,
  emitResetSlots,
  resetViews,
  resolveAlias,
  resolveIntegratorParams,
} from './common.js';

export const OrnsteinUhlenbeckIntegrator: FunctionDeclaration = {
  type: 'OrnsteinUhlenbeckIntegrator',
  category: 'integrator',
  help: 'Mean-reverting diffusion: x + (decay·x − rate·variable)·dt + √(dt·noise)·N(0,1) + offset; returns [position, time].',
  stochastic: true,
  params: [
    { name: 'rate', kind: 'numeric', default: 1.0, help: 'Multiplies the input (subtracted from the decay term).' },
    { name: 'decay', kind: 'numeric', default: 1.0, help: 'Multiplies the previous position in the drift term.' },
    { name: 'noise', kind: 'number', default: 0.0, help: 'Variance of the diffusion: one standard normal draw per call is scaled by √(time_step_size·noise).' },
    { name: 'offset', kind: 'numeric', default: 0.0, help: 'Constant added to the position on each step.' },
    { name: 'starting_value', kind: 'numeric', default: 0.0, help: 'Position the process starts from, and returns to on reset.' },
    { name: 'initializer', kind: 'numeric', default: undefined, help: 'Another name for starting_value.' },
    { name: 'non_decision_time', kind: 'numeric', default: 0.0, help: 'Time at which the process starts.', unit: 's' },
    { name: 'time_step_size', kind: 'numeric', default: 1.0, help: 'Length of one step.', unit: 's' },
    SEED_PARAM,
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const start = resolveAlias(this, spec, params, 'starting_value', 'initializer', shape, env);
    const p = elementParams(this, params, shape, env, ['starting_value', 'initializer']);
    const n = elementCount(shape);
    const rate = p.rate!;
    const decay = p.decay!;
    const offset = p.offset!;
    const dt = p.time_step_size!;
    const noiseValue = params.noise as number;
    // PsyNeuLink would produce NaN from √(dt·noise); say so instead.
    checkRange(this, 'noise', Float64Array.of(noiseValue), noiseValue, 0, Infinity, env);
    const noiseScale = dt.map((d) => Math.sqrt(d * noiseValue));
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
            const draw = rng.standardNormal();
            let k = 0;
            for (let r = 0; r < variable.length; r++) {
              const x = variable[r]!;
              for (let i = 0; i < x.length; i++, k++) {
                const pv = prev[k]!;
                const v = pv + (decay[k]! * pv - rate[k]! * x[i]!) * dt[k]! + noiseScale[k]! * draw + offset[k]!;
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
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const prev = cg.slot(previousValue.slot);
        const time = cg.slot(previousTime.slot);
        const position = out.rows[0]!.ptr;
        const times = out.rows[1]!.ptr;
        const e = emitParams(ir, 'OrnsteinUhlenbeckIntegrator', { rate, decay, offset, dt, noiseScale });
        const draw = cg.rng(stream).standardNormal();
        emitElements(ir, variable.rows, (r, i, k) => {
          const pv = ir.load(prev, k);
          const x = ir.load(variable.rows[r]!.ptr, i);
          const drift = ir.mul(ir.sub(ir.mul(e.decay(k), pv), ir.mul(e.rate(k), x)), e.dt(k));
          const v = ir.add(ir.add(ir.add(pv, drift), ir.mul(e.noiseScale(k), draw)), e.offset(k));
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
    };
  },
};
