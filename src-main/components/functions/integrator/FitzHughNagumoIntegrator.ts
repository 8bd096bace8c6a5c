/**
 * FitzHughNagumoIntegrator: one step (forward Euler or 4th-order Runge-Kutta) of the
 * FitzHugh-Nagumo excitable oscillator per call, element by element:
 *
 *   dv/dt = (a_v·v³ + (1 + threshold)·b_v·v² − threshold·c_v·v + d_v + e_v·w + f_v·variable) / time_constant_v
 *   dw/dt = (mode·a_w·v + b_w·w + c_w + (1 − mode)·uncorrelated_activity) / time_constant_w
 *
 * Returns three rows: v, w, and the time (t_0 + calls·time_step_size, one per element).
 *
 * As in PsyNeuLink, within one step the w term of dv/dt uses w at the start of the step and the
 * v term of dw/dt uses v at the start of the step; the Runge-Kutta stages only move v in dv/dt
 * and w in dw/dt.
 */
import type { V } from '../../../compiler/codegen/ir.js';
import type { FunctionDeclaration, ParamDecl, Value } from '../../types.js';
import {
  StateVar,
  elementCount,
  elementParams,
  emitElements,
  emitParams,
  emitResetSlots,
  resetViews,
  resolveIntegratorParams,
} from './common.js';

const coefficient = (name: string, def: number, help: string): ParamDecl => ({ name, kind: 'numeric', default: def, help });

export const FitzHughNagumoIntegrator: FunctionDeclaration = {
  type: 'FitzHughNagumoIntegrator',
  category: 'integrator',
  help: 'FitzHugh-Nagumo excitable oscillator (fast v, slow w) integrated one time step per call; returns [v, w, time].',
  stochastic: false,
  params: [
    coefficient('initial_v', 0.0, 'Value of v at the start, and after a reset.'),
    coefficient('initial_w', 0.0, 'Value of w at the start, and after a reset.'),
    coefficient('time_step_size', 0.05, 'Length of one integration step.'),
    coefficient('t_0', 0.0, 'Time at the start (the reported time counts from it).'),
    coefficient('a_v', -1 / 3, 'Coefficient of v³ in dv/dt.'),
    coefficient('b_v', 0.0, 'Coefficient of v² in dv/dt (times 1 + threshold).'),
    coefficient('c_v', 1.0, 'Coefficient of v in dv/dt (times −threshold).'),
    coefficient('d_v', 0.0, 'Constant term of dv/dt.'),
    coefficient('e_v', -1.0, 'Coefficient of w in dv/dt.'),
    coefficient('f_v', 1.0, 'Coefficient of the input (external stimulus) in dv/dt.'),
    coefficient('time_constant_v', 1.0, 'Divides dv/dt (larger = slower v).'),
    coefficient('a_w', 1.0, 'Coefficient of v in dw/dt (times mode).'),
    coefficient('b_w', -0.8, 'Coefficient of w in dw/dt.'),
    coefficient('c_w', 0.7, 'Constant term of dw/dt.'),
    coefficient('threshold', -1.0, 'Excitation threshold: scales the v² and v terms of dv/dt.'),
    coefficient('time_constant_w', 12.5, 'Divides dw/dt (larger = slower w).'),
    coefficient('mode', 1.0, 'Coupling: weight of v in dw/dt, with 1 − mode weighting uncorrelated_activity.'),
    coefficient('uncorrelated_activity', 0.0, 'Baseline term of dw/dt, weighted by 1 − mode.'),
    {
      name: 'integration_method',
      kind: 'enum',
      default: 'RK4',
      values: ['RK4', 'EULER'],
      help: 'Numerical method for one step: 4th-order Runge-Kutta or forward Euler.',
    },
  ],
  create(spec, shape, env) {
    const params = resolveIntegratorParams(this, spec, env);
    const p = elementParams(this, params, shape, env);
    const n = elementCount(shape);
    const rk4 = params.integration_method === 'RK4';
    const [dt, aV, bV, cV, dV, eV, fV, tauV, aW, bW, cW, thr, tauW, mode, ua] = [
      p.time_step_size!, p.a_v!, p.b_v!, p.c_v!, p.d_v!, p.e_v!, p.f_v!, p.time_constant_v!,
      p.a_w!, p.b_w!, p.c_w!, p.threshold!, p.time_constant_w!, p.mode!, p.uncorrelated_activity!,
    ];
    const previousV = new StateVar(env, 'previous_v', p.initial_v!);
    const previousW = new StateVar(env, 'previous_w', p.initial_w!);
    const previousTime = new StateVar(env, 'previous_time', p.t_0!);

    /** dv/dt at v for element k, with w held at its value at the start of the step. */
    const dvdt = (k: number, x: number, v: number, w0: number): number =>
      (aV[k]! * (v * v * v) + (1 + thr[k]!) * bV[k]! * (v * v) + -thr[k]! * cV[k]! * v + dV[k]! + eV[k]! * w0 + fV[k]! * x) /
      tauV[k]!;
    /** dw/dt at w for element k, with v held at its value at the start of the step. */
    const dwdt = (k: number, w: number, v0: number): number =>
      (mode[k]! * aW[k]! * v0 + bW[k]! * w + cW[k]! + (1 - mode[k]!) * ua[k]!) / tauW[k]!;

    return {
      type: this.type,
      outputShape: [n, n, n],
      params,
      bind(ctx) {
        const pv = previousV.view(ctx);
        const pw = previousW.view(ctx);
        const pt = previousTime.view(ctx);
        return {
          execute(variable: Value, out: Value) {
            const outV = out[0]!;
            const outW = out[1]!;
            const outT = out[2]!;
            let k = 0;
            for (let r = 0; r < variable.length; r++) {
              const xs = variable[r]!;
              for (let i = 0; i < xs.length; i++, k++) {
                const x = xs[i]!;
                const v0 = pv[k]!;
                const w0 = pw[k]!;
                const h = dt[k]!;
                let v: number;
                let w: number;
                if (rk4) {
                  const kv1 = dvdt(k, x, v0, w0);
                  const kw1 = dwdt(k, w0, v0);
                  const kv2 = dvdt(k, x, v0 + 0.5 * h * kv1, w0);
                  const kw2 = dwdt(k, w0 + 0.5 * h * kw1, v0);
                  const kv3 = dvdt(k, x, v0 + 0.5 * h * kv2, w0);
                  const kw3 = dwdt(k, w0 + 0.5 * h * kw2, v0);
                  const kv4 = dvdt(k, x, v0 + h * kv3, w0);
                  const kw4 = dwdt(k, w0 + h * kw3, v0);
                  v = v0 + (h / 6) * (kv1 + 2 * (kv2 + kv3) + kv4);
                  w = w0 + (h / 6) * (kw1 + 2 * (kw2 + kw3) + kw4);
                } else {
                  v = v0 + h * dvdt(k, x, v0, w0);
                  w = w0 + h * dwdt(k, w0, v0);
                }
                const t = pt[k]! + h;
                pv[k] = v;
                pw[k] = w;
                pt[k] = t;
                outV[k] = v;
                outW[k] = w;
                outT[k] = t;
              }
            }
          },
          reset() {
            resetViews([
              [pv, previousV],
              [pw, previousW],
              [pt, previousTime],
            ]);
          },
        };
      },
      emit(cg, variable, out) {
        const ir = cg.ir;
        const pv = cg.slot(previousV.slot);
        const pw = cg.slot(previousW.slot);
        const pt = cg.slot(previousTime.slot);
        const [outV, outW, outT] = [out.rows[0]!.ptr, out.rows[1]!.ptr, out.rows[2]!.ptr];
        const e = emitParams(ir, 'FitzHughNagumoIntegrator', { dt, aV, bV, cV, dV, eV, fV, tauV, aW, bW, cW, thr, tauW, mode, ua });
        const one = ir.num(1);
        const half = ir.num(0.5);
        /** The compiled twins of dvdt and dwdt above (same operation order). */
        const emitDvdt = (k: V, x: V, v: V, w0: V): V => {
          const t = e.thr(k);
          let s = ir.mul(e.aV(k), ir.mul(ir.mul(v, v), v));
          s = ir.add(s, ir.mul(ir.mul(ir.add(one, t), e.bV(k)), ir.mul(v, v)));
          s = ir.add(s, ir.mul(ir.mul(ir.neg(t), e.cV(k)), v));
          s = ir.add(s, e.dV(k));
          s = ir.add(s, ir.mul(e.eV(k), w0));
          s = ir.add(s, ir.mul(e.fV(k), x));
          return ir.div(s, e.tauV(k));
        };
        const emitDwdt = (k: V, w: V, v0: V): V => {
          const m = e.mode(k);
          let s = ir.mul(ir.mul(m, e.aW(k)), v0);
          s = ir.add(s, ir.mul(e.bW(k), w));
          s = ir.add(s, e.cW(k));
          s = ir.add(s, ir.mul(ir.sub(one, m), e.ua(k)));
          return ir.div(s, e.tauW(k));
        };
        emitElements(ir, variable.rows, (r, i, k) => {
          const x = ir.load(variable.rows[r]!.ptr, i);
          const v0 = ir.load(pv, k);
          const w0 = ir.load(pw, k);
          const h = e.dt(k);
          let v: V;
          let w: V;
          if (rk4) {
            const halfH = ir.mul(half, h);
            const kv1 = emitDvdt(k, x, v0, w0);
            const kw1 = emitDwdt(k, w0, v0);
            const kv2 = emitDvdt(k, x, ir.add(v0, ir.mul(halfH, kv1)), w0);
            const kw2 = emitDwdt(k, ir.add(w0, ir.mul(halfH, kw1)), v0);
            const kv3 = emitDvdt(k, x, ir.add(v0, ir.mul(halfH, kv2)), w0);
            const kw3 = emitDwdt(k, ir.add(w0, ir.mul(halfH, kw2)), v0);
            const kv4 = emitDvdt(k, x, ir.add(v0, ir.mul(h, kv3)), w0);
            const kw4 = emitDwdt(k, ir.add(w0, ir.mul(h, kw3)), v0);
            const sixth = ir.div(h, ir.num(6));
            const two = ir.num(2);
            v = ir.add(v0, ir.mul(sixth, ir.add(ir.add(kv1, ir.mul(two, ir.add(kv2, kv3))), kv4)));
            w = ir.add(w0, ir.mul(sixth, ir.add(ir.add(kw1, ir.mul(two, ir.add(kw2, kw3))), kw4)));
          } else {
            v = ir.add(v0, ir.mul(h, emitDvdt(k, x, v0, w0)));
            w = ir.add(w0, ir.mul(h, emitDwdt(k, w0, v0)));
          }
          const t = ir.add(ir.load(pt, k), h);
          ir.store(v, pv, k);
          ir.store(w, pw, k);
          ir.store(t, pt, k);
          ir.store(v, outV, k);
          ir.store(w, outW, k);
          ir.store(t, outT, k);
        });
      },
      emitReset(cg) {
        emitResetSlots(cg, [previousV, previousW, previousTime]);
      },
    };
  },
};
