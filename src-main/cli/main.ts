/**
 * The headless CLI: `cogstudio run|validate|compile|help`. ${SWEEP_USAGE}

Exit codes: 0 success, 1 invalid
 * model or input (a message on stderr naming the file, no stack trace), 2 usage error.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildComposition } from '../engine/composition.js';
import { ModelError } from '../model/errors.js';
import { SchedulerLimitError } from '../scheduler/scheduler.js';
import { EXECUTION_MODES, ModeUnavailableError, compileFor, runModel, type ExecutionMode } from '../runtime/run-model.js';
import { optimizeIR, type OptLevel } from '../compiler/jit/index.js';
import { JitError } from '../compiler/jit/index.js';
import { loadInputs, loadModel } from './read-model.js';
import { formatSummary } from './summary.js';
import { UsageError, positional, wholeNumber } from './args.js';
import { SWEEP_USAGE, sweepCommand } from './sweep-command.js';
import { SweepSpecError } from '../sweep/spec.js';
import { SweepPointError } from '../sweep/run-sweep.js';

export const USAGE = `CogStudio — PsyNeuLink-style cognitive models, interpreted or compiled.

Usage:
  cogstudio run MODEL.json [--mode MODE] [--trials N] [--inputs FILE] [--out FILE]
                           [--node-values] [--execution-order] [--controller-threads N] [--opt 0|1|2|3]
  cogstudio validate MODEL.json
  cogstudio compile MODEL.json [--mode LLVMRun|LLVMExec|LLVM] [--opt 0|1|2|3] [--emit-ir FILE]
                               [--emit-optimized-ir FILE]
  cogstudio sweep MODEL.json --param NODE.PARAM=START:STOP:N [--param ...] --out FILE.csv|FILE.json
                             [--stat NODE[.PORT]:STAT ...] [--trials N] [--mode MODE] [--jobs N]
  cogstudio help

Options for run:
  --mode MODE          ${EXECUTION_MODES.join(' | ')} (default Auto)
  --trials N           number of trials (default: the model's run.num_trials, else its inputs)
  --inputs FILE        JSON file {"NODE": [trial inputs, ...]} replacing the model's run.inputs
  --out FILE           write the full results as JSON (without it, a summary is printed)
  --node-values        also record every node's value after each trial
  --execution-order    also record the nodes run in each time step
  --max-passes N       stop a trial that has not ended after N passes (default 100000)
  --controller-threads N  threads a compiled controller may split its grid over (default: every core)
  --opt N              optimisation level of compiled modes, 0-3 (default 2; one level: a CLI run
                       does not swap in optimised code built in the background as the studio does)

Options for compile (prints the time of each stage, the IR size and the function count):
  --mode MODE                the compiled unit: LLVMRun (default; the same module as LLVMExec) or LLVM
  --opt N                    optimisation level 0-3 (default 2)
  --emit-ir FILE             write the generated (unoptimised) LLVM IR
  --emit-optimized-ir FILE   write the IR after the optimisation pipeline

${SWEEP_USAGE}

Exit codes: 0 success, 1 invalid model or input, 2 usage error.`;


export interface CliIO {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
}

const defaultIO: CliIO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: Boolean(process.stderr.isTTY),
};

export async function main(argv: string[], io: CliIO = defaultIO): Promise<number> {
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'run':
        return await runCommand(rest, io);
      case 'validate':
        return await validateCommand(rest, io);
      case 'compile':
        return await compileCommand(rest, io);
      case 'sweep':
        return await sweepCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (e instanceof SweepSpecError) {
      io.stderr(`cogstudio: ${e.message}\n(see cogstudio help)\n`);
      return 2;
    }
    if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
      io.stderr(`cogstudio: ${e.message}\n\n${USAGE}\n`);
      return 2;
    }
    if (e instanceof ModelError || e instanceof SweepPointError || e instanceof ModeUnavailableError || e instanceof SchedulerLimitError || e instanceof JitError) {
      io.stderr(`cogstudio: ${e.message}\n`);
      return 1;
    }
    if (e instanceof RangeError) {
      io.stderr(`cogstudio: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mode: { type: 'string' },
      trials: { type: 'string' },
      inputs: { type: 'string' },
      out: { type: 'string' },
      'node-values': { type: 'boolean' },
      'execution-order': { type: 'boolean' },
      'max-passes': { type: 'string' },
      'controller-threads': { type: 'string' },
      opt: { type: 'string' },
    },
  });
  const file = positional(positionals, 'MODEL.json');
  const optLevel = optLevelOption(values.opt);
  const mode = (values.mode ?? 'Auto') as ExecutionMode;
  if (!EXECUTION_MODES.includes(mode)) throw new UsageError(`--mode must be one of ${EXECUTION_MODES.join(', ')}, not ${JSON.stringify(values.mode)}`);
  const numTrials = wholeNumber(values.trials, '--trials', 1e9);
  const maxPasses = wholeNumber(values['max-passes'], '--max-passes', 1e9);
  const controllerThreads = wholeNumber(values['controller-threads'], '--controller-threads', 1024);
  const model = await loadModel(file);
  const inputs = values.inputs !== undefined ? loadInputs(values.inputs) : undefined;
  let lastShown = 0;
  const progress = io.isTTY
    ? (done: number, total: number) => {
        const now = Date.now();
        if (now - lastShown > 200 || done === total) {
          lastShown = now;
          io.stderr(`\rtrial ${done}/${total} (${Math.floor((100 * done) / total)}%)${done === total ? '\n' : ''}`);
        }
      }
    : undefined;
  const withFile = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof ModelError && !e.file) {
        const fromInputs = values.inputs !== undefined && e.issues.every((i) => i.path.startsWith('inputs'));
        throw new ModelError(e.issues, fromInputs ? values.inputs : file);
      }
      throw e;
    }
  };
  const out = withFile(() => runModel({
    model,
    mode,
    numTrials,
    inputs,
    recordNodeValues: values['node-values'],
    recordExecutionOrder: values['execution-order'],
    limits: maxPasses ? { maxPassesPerTrial: maxPasses } : undefined,
    controllerThreads,
    optLevel,
    onProgress: progress,
  }));
  for (const w of out.warnings) io.stderr(`warning: ${w}\n`);
  if (values.out !== undefined) {
    const json: Record<string, unknown> = {
      results: out.results,
      mode: out.mode,
      executed_mode: out.executed_mode,
      warnings: out.warnings,
      timings: out.timings,
    };
    if (out.node_values) json.node_values = out.node_values;
    if (out.execution_order) json.execution_order = out.execution_order;
    writeFileSync(values.out, JSON.stringify(json) + '\n');
    io.stdout(`${out.trials} trials in ${out.executed_mode} mode (${out.timings.run_ms.toFixed(1)} ms); results written to ${values.out}\n`);
  } else {
    io.stdout(formatSummary(model, out));
  }
  return 0;
}

async function validateCommand(args: string[], io: CliIO): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const file = positional(positionals, 'MODEL.json');
  const model = await loadModel(file);
  try {
    const comp = buildComposition(model);
    io.stdout(`${file}: valid — ${comp.nodes.length} nodes, ${comp.projections.length} projections; inputs: ${comp.inputNodes.map((k) => comp.nodeNames[k]).join(', ')}; outputs: ${comp.outputNodes.map((k) => comp.nodeNames[k]).join(', ')}\n`);
  } catch (e) {
    if (e instanceof ModelError) throw new ModelError(e.issues, file);
    throw e;
  }
  return 0;
}

/**
 * `--opt N` (default 2). The CLI always compiles one level: its runs are synchronous, so there is
 * no moment to swap in O2 code built in the background, and the process could not exit before
 * such a compile ended; the on-disk object cache makes a repeated run start in milliseconds.
 */
function optLevelOption(value: string | undefined): OptLevel {
  const opt = value === undefined ? 2 : Number(value);
  if (opt !== 0 && opt !== 1 && opt !== 2 && opt !== 3) throw new UsageError(`--opt must be 0, 1, 2 or 3, not ${JSON.stringify(value)}`);
  return opt;
}

async function compileCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mode: { type: 'string' },
      opt: { type: 'string' },
      'emit-ir': { type: 'string' },
      'emit-optimized-ir': { type: 'string' },
    },
  });
  const file = positional(positionals, 'MODEL.json');
  const mode = (values.mode ?? 'LLVMRun') as ExecutionMode;
  if (mode !== 'LLVMRun' && mode !== 'LLVMExec' && mode !== 'LLVM') throw new UsageError(`--mode must be LLVMRun, LLVMExec or LLVM, not ${JSON.stringify(values.mode)}`);
  const opt = optLevelOption(values.opt);
  const model = await loadModel(file);
  let comp;
  try {
    comp = buildComposition(model);
  } catch (e) {
    if (e instanceof ModelError) throw new ModelError(e.issues, file);
    throw e;
  }
  const compiled = compileFor(comp, mode, opt);
  if (values['emit-ir'] !== undefined) writeFileSync(values['emit-ir'], compiled.irText);
  if (values['emit-optimized-ir'] !== undefined) writeFileSync(values['emit-optimized-ir'], optimizeIR(compiled.irText, { optLevel: opt }).ir);
  const d = compiled.diagnostics;
  const ms = (x: number) => `${x.toFixed(1)} ms`;
  io.stdout(
    [
      `${file}: compiled for ${mode} at O${opt} (cache ${d.cache})`,
      `  codegen        ${ms(d.codegen_ms)}`,
      `  IR write       ${ms(d.ir_write_ms)}`,
      `  IR parse       ${ms(d.ir_parse_ms)}`,
      `  verify         ${ms(d.verify_ms)}`,
      `  optimise       ${ms(d.optimize_ms)}`,
      `  machine code   ${ms(d.machine_code_ms)}`,
      `  total          ${ms(d.total_ms)}`,
      `  IR size        ${d.ir_bytes} bytes of bitcode, ${d.functions} entry points`,
    ].join('\n') + '\n',
  );
  compiled.release();
  return 0;
}
