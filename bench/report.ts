/** Turns the measurements into the printed tables, the scaling exponents, the targets and the JSON report. */
import { TRIALS_ALL_MODES_UP_TO } from './generate.js';
import { MODES, fmt, loglogSlope, table, type Mode } from './lib.js';
import type { ModelReport, ScalingPoint, ScalingReport, TrialsReport } from './measure.js';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  llvm: string;
  cc: string;
}

export interface Exponent {
  family: string;
  quantity: string;
  exponent: number;
  range: string;
}

export interface Target {
  target: string;
  holds: boolean | null;
  detail: string;
}

export interface Report {
  machine: Machine;
  /** 1-minute load averages when the run started and ended (other work on the machine). */
  load: { start: number; end: number };
  settings: { quick: boolean; reps: number; target_ms: number; compile_reps: number };
  models: ModelReport[];
  scaling: { nodes?: ScalingReport; width?: ScalingReport; trials?: TrialsReport };
  /** The control benchmarks' own JSON (bench/ocm.ts rows of evaluations/s; bench/sweep.ts rows of points/s). */
  control: { ocm?: unknown; sweep?: unknown };
  /** Measurements not taken because they ran past their time limit (slowness is not a failure). */
  timeouts: string[];
  failures: string[];
}

const ms = (x: number | null | undefined) => fmt(x, 3);

function tps(m: ModelReport, mode: Mode): number | null {
  return m.modes[mode]?.trials_per_s ?? null;
}

function cTps(m: ModelReport): number | null {
  return m.c.status === 'ok' ? m.c.trials_per_s! : null;
}

/** How many times longer LLVMRun takes than the C baseline (≤ 1: as fast as C or faster). */
export function ratioVsC(m: ModelReport): number | null {
  const c = cTps(m);
  const run = tps(m, 'LLVMRun');
  return c === null || run === null ? null : c / run;
}

export function speedup(m: ModelReport): number | null {
  const run = tps(m, 'LLVMRun');
  const interp = tps(m, 'Interpreted');
  return run === null || interp === null ? null : run / interp;
}

const times = (x: number | null) => (x === null ? '—' : `${fmt(x)}×`);

function cCell(m: ModelReport): string {
  if (m.c.status === 'ok') return fmt(m.c.trials_per_s!);
  if (m.c.status === 'C mismatch') return 'C mismatch';
  if (m.c.status === 'error') return 'C error';
  return '—';
}

function agreeCell(m: ModelReport): string {
  if (m.skipped) return 'not run';
  const worst = Math.max(...Object.values(m.agreement).map((c) => c.maxRel));
  return m.disagreements.length ? 'DISAGREE' : worst === 0 ? 'exact' : `≤${worst.toExponential(0)}`;
}

export function modelTable(models: readonly ModelReport[]): string {
  const rows = [
    ['model', 'trials', 'Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun', 'C', 'Run/Interp', 'C/Run', 'compile ms', 'first result ms', 'O2 ready ms', 'peak RSS MB', 'modes agree'],
    ...models.map((m) => [
      m.name,
      fmt(m.modes.LLVMRun?.trials ?? m.modes.Interpreted?.trials),
      ...MODES.map((mode) => (m.modes[mode] ? fmt(m.modes[mode].trials_per_s) : 'skipped')),
      cCell(m),
      times(speedup(m)),
      times(ratioVsC(m)),
      ms(m.compile?.total),
      ms(m.first_result_ms),
      ms(m.o2_ready_ms),
      fmt(m.peak_rss_mb),
      agreeCell(m),
    ]),
  ];
  return table(rows);
}

/** The same runs in trials per CPU-second (process CPU time): what the code costs when the machine is shared. */
export function cpuTable(models: readonly ModelReport[]): string {
  const rows = [
    ['model', ...MODES, 'C', 'Run/Interp', 'C/Run'],
    ...models.map((m) => {
      const c = m.c.status === 'ok' ? m.c.trials_per_cpu_s! : null;
      const run = m.modes.LLVMRun?.trials_per_cpu_s ?? null;
      const interp = m.modes.Interpreted?.trials_per_cpu_s ?? null;
      return [
        m.name,
        ...MODES.map((mode) => (m.modes[mode] ? fmt(m.modes[mode].trials_per_cpu_s) : 'skipped')),
        c === null ? cCell(m) : fmt(c),
        times(run === null || interp === null ? null : run / interp),
        times(c === null || run === null ? null : c / run),
      ];
    }),
  ];
  return table(rows);
}

export function compileTable(models: readonly ModelReport[]): string {
  const rows = [
    ['model', 'codegen', 'ir_write', 'ir_parse', 'verify', 'optimize', 'machine_code', 'total', 'IR KB', 'first compile', 'LLVM-mode total', 'C compile'],
    ...models.map((m) => {
      const c = m.compile;
      return [
        m.name,
        ms(c?.codegen),
        ms(c?.ir_write),
        ms(c?.ir_parse),
        ms(c?.verify),
        ms(c?.optimize),
        ms(c?.machine_code),
        ms(c?.total),
        c ? fmt(c.ir_bytes / 1024) : '—',
        ms(m.compile_first?.total),
        ms(m.compile_llvm_nodes_ms),
        ms(m.c.compile_ms),
      ];
    }),
  ];
  return table(rows);
}

export function scalingTable(s: ScalingReport): string {
  const rows = [
    [s.family === 'nodes' ? 'nodes' : 'width', 'compile total ms', 'codegen', 'optimize', 'machine_code', 'IR KB', 'Interpreted ms/trial', 'LLVMRun ms/trial', 'Run/Interp'],
    ...s.points.map((p) =>
      p.compile && p.ms_per_trial
        ? [
            String(p.size),
            ms(p.compile.total),
            ms(p.compile.codegen),
            ms(p.compile.optimize),
            ms(p.compile.machine_code),
            fmt(p.compile.ir_bytes / 1024),
            fmt(p.ms_per_trial.Interpreted),
            fmt(p.ms_per_trial.LLVMRun),
            `${fmt(p.ms_per_trial.Interpreted / p.ms_per_trial.LLVMRun)}×`,
          ]
        : [String(p.size), `skipped: predicted ${ms(p.skipped?.predicted_compile_ms)}`, '', '', '', '', '', '', ''],
    ),
  ];
  return table(rows);
}

export function trialsTable(t: TrialsReport): string {
  const rows = [['trials', ...MODES.map((m) => `${m} ms`)], ...t.points.map((p) => [p.trials.toExponential(0), ...MODES.map((m) => ms(p.run_ms[m] ?? NaN))])];
  return table(rows);
}

const measured = (s: ScalingReport) => s.points.filter((p): p is Required<Pick<ScalingPoint, 'compile' | 'ms_per_trial'>> & ScalingPoint => !!p.compile && !!p.ms_per_trial);

export function exponents(r: Report): Exponent[] {
  const out: Exponent[] = [];
  for (const fam of ['nodes', 'width'] as const) {
    const s = r.scaling[fam];
    const pts = s ? measured(s) : [];
    if (pts.length < 2) continue;
    const range = `${pts[0]!.size}→${pts[pts.length - 1]!.size}`;
    const fit = (quantity: string, y: (p: (typeof pts)[number]) => number) => out.push({ family: fam, quantity, exponent: loglogSlope(pts.map((p) => [p.size, y(p)])), range });
    fit('compile total (LLVMRun, O2)', (p) => p.compile.total);
    fit('  codegen', (p) => p.compile.codegen);
    fit('  optimize', (p) => p.compile.optimize);
    fit('  machine_code', (p) => p.compile.machine_code);
    fit('IR bytes', (p) => p.compile.ir_bytes);
    fit('Interpreted ms/trial', (p) => p.ms_per_trial.Interpreted);
    fit('LLVMRun ms/trial', (p) => p.ms_per_trial.LLVMRun);
  }
  const t = r.scaling.trials;
  if (t) {
    for (const mode of MODES) {
      const pts = t.points.filter((p) => p.run_ms[mode] !== undefined).map((p) => [p.trials, p.run_ms[mode]!] as [number, number]);
      if (pts.length >= 2) out.push({ family: 'trials', quantity: `${mode} run time`, exponent: loglogSlope(pts), range: `${pts[0]![0].toExponential(0)}→${pts[pts.length - 1]![0].toExponential(0)}` });
    }
  }
  return out;
}

export function exponentTable(list: readonly Exponent[]): string {
  return table([['family', 'quantity', 'range', 'exponent'], ...list.map((e) => [e.family, e.quantity, e.range, Number.isFinite(e.exponent) ? e.exponent.toFixed(2) : '—'])], 2);
}

export function targets(r: Report): Target[] {
  const out: Target[] = [];
  const byName = new Map(r.models.map((m) => [m.name, m]));
  for (const m of r.models.filter((x) => x.c.status !== 'no baseline')) {
    const ratio = ratioVsC(m);
    const trials = m.modes.LLVMRun?.trials ?? 0;
    const what = `${m.name}: LLVMRun within 1.5× of C`;
    if (ratio === null) out.push({ target: what, holds: null, detail: m.skipped ?? `C ${m.c.status}${m.c.detail ? ` (${m.c.detail})` : ''}` });
    else if (trials < 1000) out.push({ target: what, holds: null, detail: `only ${trials} trials in a measured run (the target is for 1000+); LLVMRun takes ${fmt(ratio)}× C's time` });
    else {
      const cpuRatio = m.c.trials_per_cpu_s! / m.modes.LLVMRun!.trials_per_cpu_s;
      out.push({ target: what, holds: ratio <= 1.5, detail: `LLVMRun ${fmt(tps(m, 'LLVMRun'))} trials/s, C ${fmt(cTps(m))} trials/s: LLVMRun takes ${fmt(ratio)}× C's time (${fmt(cpuRatio)}× in CPU time; ${fmt(trials)} trials)` });
    }
  }
  for (const name of ['stroop', 'integrator_noise', 'ddm_integrator']) {
    const m = byName.get(name);
    const s = m ? speedup(m) : null;
    if (!m || s === null) continue;
    const cpu = m.modes.LLVMRun!.trials_per_cpu_s / m.modes.Interpreted!.trials_per_cpu_s;
    // the hand-written C program's own speed-up over Interpreted: the most LLVMRun could reach at C's speed
    const interp = tps(m, 'Interpreted');
    const c = m.c.status === 'ok' && m.c.trials_per_s && interp ? m.c.trials_per_s / interp : null;
    const bound = c === null ? '' : `; C itself is ${fmt(c)}× Interpreted`;
    out.push({ target: `${name}: LLVMRun ≥ 50× Interpreted`, holds: s >= 50, detail: `${fmt(s)}× (${fmt(tps(m, 'LLVMRun'))} vs ${fmt(tps(m, 'Interpreted'))} trials/s; ${fmt(cpu)}× in CPU time${bound})` });
  }
  const stroop = byName.get('stroop');
  if (stroop?.first_result_ms != null) {
    out.push({
      target: 'stroop: first result (O0 path) ≤ 40 ms, O2 built in the background',
      holds: stroop.first_result_ms <= 40,
      detail: `${ms(stroop.first_result_ms)} ms to the first result on O0 code (cold compiles; median of ${stroop.first_result_reps} fresh starts, the first ${ms(stroop.first_result_first_ms)} ms); O2 code in after ${ms(stroop.o2_ready_ms)} ms; without tiers ${ms(stroop.first_result_o2_ms)} ms`,
    });
  }
  if (stroop?.compile) {
    const c = stroop.compile;
    out.push({
      target: 'stroop: compile ≤ 100 ms at O2',
      holds: c.total <= 100,
      detail: `${ms(c.total)} ms cold (median of ${stroop.compile_reps}; first ${ms(stroop.compile_first?.total)} ms): codegen ${ms(c.codegen)}, ir_write ${ms(c.ir_write)}, ir_parse ${ms(c.ir_parse)}, verify ${ms(c.verify)}, optimize ${ms(c.optimize)}, machine_code ${ms(c.machine_code)}`,
    });
  }
  for (const m of r.models) {
    const exec = m.modes.LLVMExec;
    const run = m.modes.LLVMRun;
    if (!exec || !run || run.trials < 1000) continue;
    // per-trial cost of LLVMExec (a native call, inputs and results in JS) on top of the native trial:
    // measured directly (time between the native calls + one FFI call); the difference of whole runs
    // of LLVMExec and LLVMRun (CPU time, interleaved pairs) is shown beside it
    const diffUs = m.llvmexec_overhead_us ?? (1 / exec.trials_per_cpu_s - 1 / run.trials_per_cpu_s) * 1e6;
    const direct = m.llvmexec_overhead;
    const overheadUs = direct ? direct.bookkeeping_us + direct.ffi_us : diffUs;
    const how = direct
      ? `${fmt(direct.bookkeeping_us)} µs of bookkeeping between native trial calls + ${fmt(direct.ffi_us)} µs per FFI call (wall clock, median of runs); whole runs of LLVMExec minus LLVMRun: ${fmt(diffUs)} µs per trial (CPU time, interleaved pairs, per-run costs included)`
      : `over LLVMRun, median of interleaved pairs of runs, CPU time; separately measured: ${fmt(1e6 / exec.trials_per_cpu_s)} vs ${fmt(1e6 / run.trials_per_cpu_s)} µs per trial`;
    out.push({ target: `${m.name}: LLVMExec per-trial overhead < 1 µs`, holds: overheadUs < 1, detail: `${fmt(overheadUs)} µs per trial: ${how}` });
  }
  const stream = r.scaling.trials?.stream;
  if (stream) {
    const holds = stream.peak_rss_mb < 400 && stream.max_loop_delay_ms <= 50;
    out.push({
      target: `${fmt(stream.trials)}-trial LLVMRun stream: peak RSS < 400 MB, no event-loop pause > 50 ms`,
      holds,
      detail: `peak RSS ${fmt(stream.peak_rss_mb)} MB; longest event-loop delay ${fmt(stream.max_loop_delay_ms)} ms, longest block ${fmt(stream.max_block_ms)} ms (${fmt(stream.max_block_cpu_ms)} ms of CPU time; a longer wall-clock pause is the machine's load) (${fmt(stream.blocks)} blocks in ${ms(stream.run_ms)} ms, integrator_noise)`,
    });
  }
  const nodes = r.scaling.nodes;
  if (nodes) {
    const pts = measured(nodes);
    const at1000 = pts.find((x) => x.size === 1000);
    const over = pts.find((x) => x.size <= 1000 && x.compile.total > 5000);
    const what = '1000-node model: compile ≤ 5 s';
    if (at1000) {
      out.push({ target: what, holds: at1000.compile.total <= 5000, detail: `${ms(at1000.compile.total)} ms (codegen ${ms(at1000.compile.codegen)}, optimize ${ms(at1000.compile.optimize)}, machine_code ${ms(at1000.compile.machine_code)}, IR ${fmt(at1000.compile.ir_bytes / 1e6)} MB)` });
    } else if (pts.length >= 2) {
      const last = pts[pts.length - 1]!;
      const k = loglogSlope(pts.map((x) => [x.size, x.compile.total]));
      const kLast = loglogSlope(pts.slice(-2).map((x) => [x.size, x.compile.total]));
      const est = (e: number) => fmt((last.compile.total * (1000 / last.size) ** e) / 1000);
      const base = `not compiled (predicted over the ${fmt(nodes.budget_ms / 1000)} s budget); extrapolated from ${last.size} nodes (${ms(last.compile.total)} ms): ${est(k)} s with the fitted exponent ${k.toFixed(2)}, ${est(kLast)} s with the last step's ${kLast.toFixed(2)}`;
      out.push({ target: what, holds: over ? false : null, detail: over ? `${base}; already ${ms(over.compile.total)} ms at ${over.size} nodes, and compile time grows with nodes` : base });
    }
  }
  return out;
}

export function targetLines(list: readonly Target[]): string {
  return list.map((t) => `${t.holds === null ? '[  n/a  ]' : t.holds ? '[ holds ]' : '[ FAILS ]'} ${t.target} — ${t.detail}`).join('\n');
}

/** The JSON report: the requested schema per model, plus the scaling families and targets. */
export function jsonReport(r: Report): unknown {
  return {
    machine: r.machine,
    load: r.load,
    settings: r.settings,
    models: r.models.map((m) => ({
      name: m.name,
      trials: m.modes.LLVMRun?.trials ?? null,
      trials_per_s: { ...Object.fromEntries(MODES.map((mode: Mode) => [mode, tps(m, mode)])), C: cTps(m) },
      speedup_llvmrun_vs_interpreted: speedup(m),
      ratio_llvmrun_vs_c: ratioVsC(m),
      compile_ms: m.compile
        ? {
            codegen: m.compile.codegen,
            ir_parse: m.compile.ir_parse,
            verify: m.compile.verify,
            optimize: m.compile.optimize,
            machine_code: m.compile.machine_code,
            total: m.compile.total,
            ir_write: m.compile.ir_write,
          }
        : null,
      first_result_ms: m.first_result_ms,
      o2_ready_ms: m.o2_ready_ms,
      first_result_o2_ms: m.first_result_o2_ms,
      first_result_first_ms: m.first_result_first_ms,
      first_result_reps: m.first_result_reps,
      peak_rss_mb: m.peak_rss_mb,
      skipped: m.skipped ?? null,
      trials_per_cpu_s: { ...Object.fromEntries(MODES.map((mode: Mode) => [mode, m.modes[mode]?.trials_per_cpu_s ?? null])), C: m.c.status === 'ok' ? m.c.trials_per_cpu_s : null },
      trials_by_mode: Object.fromEntries(MODES.map((mode) => [mode, m.modes[mode]?.trials ?? null])),
      ir_bytes: m.compile?.ir_bytes ?? null,
      compile_reps: m.compile_reps,
      compile_first_ms: m.compile_first?.total ?? null,
      compile_llvm_mode_total_ms: m.compile_llvm_nodes_ms,
      first_result_interpreted_ms: m.first_result_interpreted_ms,
      llvmexec_overhead_us: m.llvmexec_overhead_us,
      llvmexec_overhead_direct_us: m.llvmexec_overhead,
      llvm_startup_ms: m.llvm_startup_ms,
      c_baseline: m.c,
      max_rel_diff_vs_interpreted: Object.fromEntries(Object.entries(m.agreement).map(([k, v]) => [k, v.maxRel])),
    })),
    scaling: {
      ...r.scaling,
      trials_all_modes_up_to: TRIALS_ALL_MODES_UP_TO,
      exponents: exponents(r),
    },
    control: r.control,
    targets: targets(r),
    timeouts: r.timeouts,
    failures: r.failures,
  };
}
