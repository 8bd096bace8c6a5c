/**
 * `npm run bench` — the benchmark harness (not a test): every model in bench/models/ in every
 * mode, checked against Interpreted, timed against a C baseline, plus the scaling families.
 *
 *   npm run bench [-- --quick] [-- --json FILE] [-- --only stroop,lca] [-- --no-scaling] [-- --no-control]
 *   npm run bench -- --write-baselines      (rewrites bench/baselines/*.c from the models)
 *
 * Each model (and each scaling family) is measured in its own child process: peak RSS is then
 * the model's own, and a crash in native code is reported instead of ending the run. The
 * Then the model-based control benchmarks, each a script of its own in a child process:
 * bench/ocm.ts (an EVC model's OptimizationControlMechanism: evaluations/s per mode and per
 * controller thread count) and bench/sweep.ts (a 1 000-point parameter sweep, 60 with --quick:
 * points/s per mode and per worker count).
 *
 * The harness exits non-zero only when modes disagree (or C... never: a C mismatch is only marked)
 * or the harness itself breaks — never because something is slow.
 */
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildComposition, type ModelLike } from '../src-main/engine/composition.js';
import { prepareInputs } from '../src-main/engine/inputs.js';
import { llvmVersion } from '../src-main/compiler/jit/index.js';
import { NoBaseline, cProgram } from './baselines/c-source.js';
import { ccVersion } from './baselines/c-baseline.js';
import { runTask, settings, type Disagreement, type ModelReport, type ScalingReport, type Task, type TrialsReport } from './measure.js';
import { compileTable, cpuTable, exponentTable, exponents, jsonReport, modelTable, scalingTable, targetLines, targets, trialsTable, type Report } from './report.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const MODELS_DIR = join(HERE, 'models');
/** Measured in this order; other files in bench/models/ follow alphabetically. */
const ORDER = ['stroop', 'integrator_noise', 'ddm_integrator', 'lca', 'layers_100', 'chain_200'];

interface Args {
  quick: boolean;
  json: string | null;
  only: string[] | null;
  scaling: boolean;
  control: boolean;
  writeBaselines: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { quick: false, json: null, only: null, scaling: true, control: true, writeBaselines: false };
  for (let i = 0; i < argv.length; i++) {
    const x = argv[i]!;
    if (x === '--quick') a.quick = true;
    else if (x === '--json') a.json = argv[++i] ?? null;
    else if (x === '--only') a.only = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (x === '--no-scaling') a.scaling = false;
    else if (x === '--no-control') a.control = false;
    else if (x === '--write-baselines') a.writeBaselines = true;
    else {
      console.error(`unknown option ${x}\nusage: npm run bench [-- --quick] [--json FILE] [--only a,b] [--no-scaling] [--no-control] [--write-baselines]`);
      process.exit(2);
    }
  }
  if (a.json === '') a.json = null;
  return a;
}

function modelFiles(only: string[] | null): { name: string; model: ModelLike }[] {
  const names = readdirSync(MODELS_DIR)
    .filter((f) => f.endsWith('.cogmodel.json'))
    .map((f) => f.replace(/\.cogmodel\.json$/, ''))
    .sort((a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
  return names.filter((n) => !only || only.includes(n)).map((name) => ({ name, model: JSON.parse(readFileSync(join(MODELS_DIR, `${name}.cogmodel.json`), 'utf8')) as ModelLike }));
}

/** A measurement that ran past its time limit: reported, never a failure (slowness is not an error). */
class TimedOut extends Error {}

/** Runs one task in a child process (same loader as this one, GC exposed). */
function inChild<T>(task: Task, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    // no on-disk object cache: every compile measured is cold (and the user's cache is left alone)
    const env = { ...process.env, COGSTUDIO_OBJECT_CACHE: 'off' };
    const child = fork(fileURLToPath(import.meta.url), ['--worker'], { execArgv: [...process.execArgv, '--expose-gc'], env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: { ok: true; report: T } | { ok: false; error: string } | null = null;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TimedOut(`not finished within ${timeoutMs / 1000} s (stopped)`));
    }, timeoutMs);
    child.on('message', (m) => {
      answer = m as typeof answer;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (answer?.ok) resolve(answer.report);
      else if (answer) reject(new Error(answer.error));
      else reject(new Error(`the measuring process ended without a report (${signal ? `signal ${signal}` : `exit code ${code}`})`));
    });
    child.send(task);
  });
}

/**
 * Runs a control benchmark script (bench/ocm.ts, bench/sweep.ts) in a child process: its printed
 * table, its JSON, and whether it found a disagreement (exit code 1).
 */
function controlBench(script: string, flags: string[], timeoutMs: number): Promise<{ table: string; json: unknown; agrees: boolean }> {
  const dir = mkdtempSync(join(os.tmpdir(), 'cogstudio-bench-'));
  const file = join(dir, 'out.json');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, join(HERE, script), ...flags, '--json', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let table = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (table += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new TimedOut(`not finished within ${timeoutMs / 1000} s (stopped)`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      try {
        if (signal || (code !== 0 && code !== 1)) reject(new Error(`${script} ended with ${signal ? `signal ${signal}` : `exit code ${code}`}`));
        else resolve({ table: table.trimEnd(), json: JSON.parse(readFileSync(file, 'utf8')) as unknown, agrees: code === 0 });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function worker(): void {
  process.once('message', (task: Task) => {
    void (async () => {
      let reply: unknown;
      try {
        reply = { ok: true, report: await runTask(task) };
      } catch (e) {
        reply = { ok: false, error: (e as Error).stack ?? String(e) };
      }
      process.send!(reply, undefined, {}, () => process.disconnect());
    })();
  });
}

function writeBaselines(): void {
  for (const { name, model } of modelFiles(null)) {
    const comp = buildComposition(model);
    try {
      const program = cProgram(model as Record<string, unknown>, comp, prepareInputs(comp, comp.run.inputs), `bench/models/${name}.cogmodel.json`);
      const file = join(HERE, 'baselines', `${name}.c`);
      writeFileSync(file, program.source);
      console.log(`wrote ${file}`);
    } catch (e) {
      if (!(e instanceof NoBaseline)) throw e;
      console.log(`${name}: no C baseline (${e.message})`);
    }
  }
}

function describeDisagreement(d: Disagreement): string {
  return `${d.model}: ${d.mode} disagrees with Interpreted at trial ${d.trial}, value ${d.index}: ${d.mode} ${d.got}, Interpreted ${d.want} (relative difference ${d.rel.toExponential(3)} > 1e-12)`;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.writeBaselines) return writeBaselines();
  const st = settings(args.quick);
  const started = performance.now();
  const cpus = os.cpus();
  const report: Report = {
    machine: { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, node: process.version, llvm: llvmVersion(), cc: ccVersion() },
    load: { start: os.loadavg()[0]!, end: NaN },
    settings: { quick: st.quick, reps: st.reps, target_ms: st.targetMs, compile_reps: st.compileReps },
    models: [],
    scaling: {},
    control: {},
    timeouts: [],
    failures: [],
  };
  const timeout = args.quick ? 60_000 : 1_800_000;
  const log = (s: string) => process.stderr.write(`${s}\n`);
  /** Records why a child gave no report: a time-out is noted, anything else is a broken harness. */
  const broke = (what: string, e: unknown) => {
    const msg = (e as Error).message;
    if (e instanceof TimedOut) report.timeouts.push(`${what}: ${msg}`);
    else report.failures.push(`${what}: the harness broke: ${msg}`);
    log(`  ${what}: ${e instanceof TimedOut ? 'TIMED OUT' : 'FAILED'}: ${msg}`);
  };
  log(`CogStudio bench${st.quick ? ' (quick)' : ''}: ${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}, LLVM ${report.machine.llvm}`);

  for (const { name, model } of modelFiles(args.only)) {
    const t0 = performance.now();
    try {
      const r = await inChild<ModelReport>({ kind: 'model', name, model, settings: st }, timeout);
      report.models.push(r);
      const note = r.skipped ?? (r.c.status === 'C mismatch' || r.c.status === 'error' ? `${r.c.status}: ${r.c.detail}` : '');
      log(`  ${name}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s${note ? ` — ${note}` : ''}`);
    } catch (e) {
      broke(name, e);
    }
  }
  if (args.scaling) {
    for (const family of ['nodes', 'width'] as const) {
      const t0 = performance.now();
      try {
        report.scaling[family] = await inChild<ScalingReport>({ kind: 'scaling', family, settings: st }, timeout * 2);
        log(`  scaling ${family}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (e) {
        broke(`scaling ${family}`, e);
      }
    }
    const t0 = performance.now();
    try {
      const model = JSON.parse(readFileSync(join(MODELS_DIR, 'integrator_noise.cogmodel.json'), 'utf8')) as ModelLike;
      report.scaling.trials = await inChild<TrialsReport>({ kind: 'trials', model, settings: st }, timeout * 2);
      log(`  scaling trials: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      broke('scaling trials', e);
    }
  }

  const control: { title: string; table: string }[] = [];
  if (args.control) {
    const benches = [
      { key: 'ocm', script: 'ocm.ts', title: 'Model-based control: OptimizationControlMechanism, evaluations/s per mode and controller thread count' },
      { key: 'sweep', script: 'sweep.ts', title: `Parameter sweep: ${args.quick ? 60 : 1000} points, points/s (evaluations/s) per mode and worker count` },
    ] as const;
    for (const b of benches) {
      const t0 = performance.now();
      try {
        const r = await controlBench(b.script, args.quick ? ['--quick'] : [], timeout * 2);
        report.control[b.key] = r.json;
        control.push({ title: b.title, table: r.table });
        if (!r.agrees) report.failures.push(`${b.script}: a mode, thread count or worker count disagrees with Interpreted (see its table)`);
        log(`  control ${b.key}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      } catch (e) {
        broke(`control ${b.key}`, e);
      }
    }
  }

  const disagreements = [
    ...report.models.flatMap((m) => m.disagreements),
    ...(report.scaling.nodes?.disagreements ?? []),
    ...(report.scaling.width?.disagreements ?? []),
    ...(report.scaling.trials?.disagreements ?? []),
  ];
  report.failures.push(...disagreements.map(describeDisagreement));
  report.load.end = os.loadavg()[0]!;

  const out: string[] = [];
  const m = report.machine;
  out.push(`# CogStudio bench${st.quick ? ' --quick' : ''} — ${m.cpu}, ${m.cores} cores, Node ${m.node}, LLVM ${m.llvm}, ${m.cc}`);
  out.push(`trials/s = median of ${st.reps} runs of ~${st.targetMs} ms each (fresh context per run${st.warmup ? ', after a warm-up run' : ''}); compile = cold LLVMRun compile at O2 (median of ${st.compileReps}, fresh session)`);
  out.push('Run/Interp = LLVMRun speed-up over Interpreted; C/Run = LLVMRun time ÷ C time (1.0 = as fast as C); C = cc -O3 -march=native -ffp-contract=off');
  out.push(`load average (1 min) ${report.load.start.toFixed(1)} at start, ${report.load.end.toFixed(1)} at end on ${m.cores} cores${Math.max(report.load.start, report.load.end) > m.cores ? ' — the machine was busy: wall-clock numbers understate speed; see the CPU-time table' : ''}`);
  if (report.models.length) {
    out.push('', '## Throughput (trials/s)', modelTable(report.models));
    out.push('', '## Throughput per CPU-second (process CPU time of the same runs)', cpuTable(report.models));
    out.push('', '## Compile stages, cold, ms (LLVMRun module at O2; LLVM-mode = per-node module)', compileTable(report.models));
  }
  const s = report.scaling;
  if (s.nodes) out.push('', '## Scaling: nodes (sparse chain of 2-unit Linear nodes)', scalingTable(s.nodes));
  if (s.width) out.push('', '## Scaling: layer width (3 fully connected Logistic layers)', scalingTable(s.width));
  if (s.trials) out.push('', `## Scaling: trials (integrator_noise; all modes up to 1e4 trials, then LLVMRun only), run ms`, trialsTable(s.trials));
  const exps = exponents(report);
  if (exps.length) out.push('', '## Fitted exponents (log–log least squares; 1 = linear)', exponentTable(exps));
  for (const c of control) out.push('', `## ${c.title}`, c.table);
  const tg = targets(report);
  if (tg.length) out.push('', '## Targets', targetLines(tg));
  if (report.models.some((x) => x.skipped)) out.push('', report.models.filter((x) => x.skipped).map((x) => `${x.name}: ${x.skipped}`).join('\n'));
  const mismatches = report.models.filter((x) => x.c.status === 'C mismatch' || x.c.status === 'error');
  if (mismatches.length) out.push('', `## C baselines not counted (not a failure of the harness)\n${mismatches.map((x) => `${x.name}: ${x.c.status}: ${x.c.detail}`).join('\n')}`);
  if (report.timeouts.length) out.push('', `## Timed out (not a failure)\n${report.timeouts.join('\n')}`);
  out.push('', report.failures.length ? `## FAILURES\n${report.failures.join('\n')}` : '## Every mode measured agrees with Interpreted (≤ 1e-12 relative) on every model and scaling point');
  out.push('', `total bench time ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(out.join('\n'));
  if (args.json) {
    writeFileSync(args.json, `${JSON.stringify(jsonReport(report), null, 2)}\n`);
    log(`wrote ${args.json}`);
  }
  process.exitCode = report.failures.length ? 1 : 0;
}

if (process.argv[2] === '--worker') worker();
else await main();
