/**
 * The benchmark harness in CI: `npm run bench -- --quick` runs every model in every mode, and
 * exits 0 with its tables (it fails only when modes disagree or the harness breaks). No timing is
 * asserted here: speed is what the harness reports, not what a test checks.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/** Async, so the test worker keeps answering vitest while the harness runs (a minute or more). */
const run = promisify(execFile);

describe('npm run bench -- --quick', () => {
  it('runs every model in every mode, agrees with Interpreted, and prints the table and the JSON report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cogstudio-bench-'));
    try {
      const json = join(dir, 'bench.json');
      // execFile rejects (failing the test with the harness's output) when the exit code is not 0.
      const r = await run('npx', ['tsx', 'bench/run.ts', '--quick', '--json', json], {
        cwd: new URL('..', import.meta.url), encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20,
      });
      expect(r.stdout).toMatch(/## Throughput \(trials\/s\)\nmodel\s+trials\s+Interpreted\s+LLVM\s+LLVMExec\s+LLVMRun\s+C/);
      expect(r.stdout).toMatch(/^stroop\s+[\d,]+\s+[\d,]+/m);
      expect(r.stdout).toContain('## Fitted exponents');
      expect(r.stdout).toContain('agrees with Interpreted');
      expect(r.stdout).toMatch(/## Model-based control: OptimizationControlMechanism.*\n.*\ngrid\s+mode\s+threads/);
      expect(r.stdout).toMatch(/## Parameter sweep: 60 points/);
      const report = JSON.parse(readFileSync(json, 'utf8')) as {
        models: {
          name: string;
          trials_per_s: Record<string, number | null>;
          first_result_ms: number;
          o2_ready_ms: number;
          first_result_o2_ms: number;
          llvmexec_overhead_direct_us: { bookkeeping_us: number; ffi_us: number } | null;
        }[];
        control: { ocm: { rows: { mode: string; threads: number | null; evaluations_per_s: number }[] }; sweep: { rows: { mode: string; jobs: number; points_per_s: number }[] } };
      };
      // evaluations/s per mode and per thread count (OCM), points/s per mode and worker count (sweep)
      for (const mode of ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun']) {
        expect(report.control.ocm.rows.some((x) => x.mode === mode && x.evaluations_per_s > 0)).toBe(true);
        expect(report.control.sweep.rows.some((x) => x.mode === mode && x.points_per_s > 0)).toBe(true);
      }
      expect(new Set(report.control.ocm.rows.filter((x) => x.mode === 'LLVMRun').map((x) => x.threads)).size).toBeGreaterThan(1);
      const stroop = report.models.find((m) => m.name === 'stroop');
      for (const mode of ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun']) expect(stroop?.trials_per_s[mode]).toBeGreaterThan(0);
      // the tiered path: first result on O0 code, then (same clock) the O2 code swapped in
      expect(stroop?.first_result_ms).toBeGreaterThan(0);
      expect(stroop?.o2_ready_ms).toBeGreaterThanOrEqual(stroop!.first_result_ms);
      expect(stroop?.first_result_o2_ms).toBeGreaterThan(0);
      // LLVMExec's overhead measured directly: the time between native trial calls, and one FFI call
      expect(stroop?.llvmexec_overhead_direct_us?.bookkeeping_us).toBeGreaterThan(0);
      expect(stroop?.llvmexec_overhead_direct_us?.ffi_us).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
