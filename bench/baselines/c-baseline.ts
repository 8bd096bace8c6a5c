/**
 * Builds and runs a model's C baseline: the generated source next to harness.h and mt19937.h in
 * a temporary directory, `cc -O3 -march=native -ffp-contract=off`, then NTRIALS trials REPS
 * times (after a warm-up), results read back as doubles.
 *
 * -ffp-contract=off: GCC contracts a*b+c into an FMA by default in GNU C, which changes the
 * rounding; our JIT does not contract (no fast-math flags), so the baseline would not compute
 * the same numbers. It costs the C code nothing else.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CProgram } from './c-source.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CC_FLAGS = ['-O3', '-march=native', '-ffp-contract=off'];

export interface CRun {
  /** Wall-clock and process CPU seconds of each timed run. */
  seconds: number[];
  cpu_seconds: number[];
  /** ntrials × resultsWidth doubles (the last repetition). */
  results: Float64Array;
}

export function ccVersion(): string {
  try {
    return execFileSync('cc', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
  } catch {
    return 'unavailable';
  }
}

/** A compiled baseline in its temporary directory; dispose() removes it. */
export class CBaseline {
  readonly compileMs: number;
  private readonly dir: string;
  private readonly exe: string;

  constructor(
    private readonly program: CProgram,
    name: string,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), `cogstudio-bench-${name}-`));
    for (const h of ['harness.h', 'mt19937.h']) copyFileSync(join(HERE, h), join(this.dir, h));
    const src = join(this.dir, `${name}.c`);
    this.exe = join(this.dir, name);
    writeFileSync(src, program.source);
    const t0 = performance.now();
    try {
      execFileSync('cc', [...CC_FLAGS, '-o', this.exe, src, '-lm'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      this.dispose();
      throw new Error(`cc failed: ${String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 500)}`);
    }
    this.compileMs = performance.now() - t0;
  }

  run(ntrials: number, reps: number): CRun {
    const out = join(this.dir, 'results.bin');
    const stdout = execFileSync(this.exe, [String(ntrials), String(reps), out], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const { seconds, cpu_seconds } = JSON.parse(stdout) as { seconds: number[]; cpu_seconds: number[] };
    const bytes = readFileSync(out);
    const results = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8).slice();
    const want = ntrials * this.program.resultsWidth;
    if (results.length !== want) throw new Error(`the C baseline wrote ${results.length} doubles, expected ${want}`);
    return { seconds, cpu_seconds, results };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
