/**
 * The engine runs on a tiered compile unless a run names its optLevel: O0 code for the first
 * blocks, the O2 code swapped in between blocks once built, reported in a second `diagnostics`
 * event (O0 time, O2 ready time, first trial on O2), results bit-identical to a pure O2 run. A
 * failed O2 compile is a warning and the run goes on. (Real JIT; the transport's `congested`
 * hook holds the run after its first block until the O2 compile is done, so the switch happens
 * mid-run whatever the machine's speed.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Engine } from '../src-main/engine-process/engine.js';
import { backgroundFaults, machineCodeStats } from '../src-main/runtime/machine-code.js';
import { runModel } from '../src-main/runtime/run-model.js';
import { describeTiers, type DiagnosticsEvent, type EngineEvent } from '../shared/protocol/engine.js';
import { objectCacheOffForThisFile } from './object-cache-off.js';
import { REPO_ROOT } from './shared-files.js';

const STROOP = JSON.parse(readFileSync(join(REPO_ROOT, 'bench/models/stroop.cogmodel.json'), 'utf8')) as Record<string, unknown>;
let uniq = 0;
const fresh = () => ({ ...STROOP, name: `stroop_engine_tier${++uniq}` });

objectCacheOffForThisFile();

/** Runs one request on an engine whose run waits after each block while a background compile is going. */
async function runOnEngine(request: Record<string, unknown>): Promise<{ events: EngineEvent[]; results: number[]; diagnostics: DiagnosticsEvent[] }> {
  // short slices: the first block never holds the whole run
  const engine = new Engine({ congested: () => machineCodeStats().pending > 0, sliceMs: 2 });
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  engine.handle({ type: 'run', id: 'r', ...request });
  await engine.idle();
  await engine.shutdown();
  const results = events.flatMap((e) => (e.type === 'trials' ? e.results.flat(2) : []));
  return { events, results, diagnostics: events.filter((e): e is DiagnosticsEvent => e.type === 'diagnostics') };
}

/** Enough trials that the first 2 ms block is never the whole run (LLVM mode's trials are slower). */
const TRIALS_OF = { LLVMRun: 3000, LLVMExec: 3000, Auto: 3000, LLVM: 200 } as const;
const bits = (xs: number[]) => Array.from(new BigUint64Array(Float64Array.from(xs).buffer));

describe('engine runs on a tiered compile', () => {
  for (const mode of ['LLVMRun', 'LLVMExec', 'LLVM', 'Auto'] as const) {
    it(`${mode}: O0 first, O2 from a later block, reported; results = a pure O2 run, bit for bit`, async () => {
      const TRIALS = TRIALS_OF[mode];
      const model = fresh();
      const got = await runOnEngine({ model, mode, numTrials: TRIALS });
      expect(got.events.at(-1)).toMatchObject({ type: 'done', trials: TRIALS, cancelled: false });
      expect(got.diagnostics).toHaveLength(2);
      const [first, second] = got.diagnostics as [DiagnosticsEvent, DiagnosticsEvent];
      expect(first.compile).toMatchObject({ opt_level: 0, cache: 'miss' });
      expect(first.compile!.tiers!.o0_ms).toBeGreaterThan(0);
      expect(first.compile!.tiers!.o2_ready_ms).toBeUndefined();
      const tiers = second.compile!.tiers!;
      expect(tiers.o2_ready_ms).toBeGreaterThan(0);
      expect(tiers.used_from_trial).toBeGreaterThan(0);
      expect(tiers.used_from_trial).toBeLessThan(TRIALS);
      expect(describeTiers(tiers)).toMatch(/^O0 in \d+\.\d ms, O2 ready after \d+\.\d ms, used from trial \d+$/);
      const o2 = runModel({ model: { ...model, name: `${String(model.name)}_o2` } as never, mode, numTrials: TRIALS, optLevel: 2 });
      expect(bits(got.results)).toEqual(bits(o2.results.flat(2)));
    });
  }

  it('a run naming its optLevel compiles that level only', async () => {
    const got = await runOnEngine({ model: fresh(), mode: 'LLVMRun', numTrials: 30, optLevel: 1 });
    expect(got.diagnostics).toHaveLength(1);
    expect(got.diagnostics[0]!.compile).toMatchObject({ opt_level: 1 });
    expect(got.diagnostics[0]!.compile!.tiers).toBeUndefined();
  });

  it('a session run after the swap starts on the O2 code (used from trial 0)', async () => {
    const engine = new Engine({ congested: () => machineCodeStats().pending > 0 });
    const events: EngineEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const model = fresh();
    engine.handle({ type: 'run', id: 'a', model, mode: 'LLVMRun', numTrials: 60, session: 's' });
    engine.handle({ type: 'run', id: 'b', model, mode: 'LLVMRun', numTrials: 10, session: 's' });
    await engine.idle();
    await engine.shutdown();
    const second = events.filter((e): e is DiagnosticsEvent => e.type === 'diagnostics' && e.id === 'b');
    expect(second).toHaveLength(1);
    expect(second[0]!.compile!.tiers!.used_from_trial).toBe(0);
    expect(events.filter((e) => e.type === 'done').map((e) => e.id)).toEqual(['a', 'b']);
  });

  it('the next run of the model (a fresh context, as the studio runs) starts on the O2 code: no O0 step', async () => {
    const model = fresh();
    await runOnEngine({ model, mode: 'LLVMRun', numTrials: 3000 });
    const again = await runOnEngine({ model, mode: 'LLVMRun', numTrials: 10 });
    expect(again.diagnostics).toHaveLength(1);
    expect(again.diagnostics[0]!.compile).toMatchObject({ opt_level: 2, cache: 'hit' });
    expect(again.diagnostics[0]!.compile!.tiers).toBeUndefined();
  });

  it('a failed O2 compile is a warning; the run finishes on the O0 code with the O0 results', async () => {
    const model = fresh();
    backgroundFaults.rewriteIR = () => 'not IR at all\n'; // handed as text: LLVM cannot parse it
    let got;
    try {
      got = await runOnEngine({ model, mode: 'LLVMRun', numTrials: 80 });
    } finally {
      backgroundFaults.rewriteIR = null;
    }
    expect(got.events.at(-1)).toMatchObject({ type: 'done', trials: 80 });
    const last = got.diagnostics.at(-1)!;
    expect(last.compile!.tiers!.o2_error).toBeDefined();
    expect(last.warnings.join('\n')).toContain('the background O2 compile failed, the run continues on O0 code');
    expect(describeTiers(last.compile!.tiers!)).toContain('the O2 compile failed');
    const o0 = runModel({ model: { ...model, name: `${String(model.name)}_o0` } as never, mode: 'LLVMRun', numTrials: 80, optLevel: 0 });
    expect(bits(got.results)).toEqual(bits(o0.results.flat(2)));
  });
});
