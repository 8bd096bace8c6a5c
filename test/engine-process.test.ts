/**
 * The engine process, end to end: real child processes, real JIT. Requests go through
 * EngineClient to a forked engine; results equal an in-process runModel; runs stream in
 * batches, stop on cancel, survive native crashes and hangs, and keep sessions.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, forkEngine } from '../src-main/engine-process/client.js';
import { runModel, type ExecutionMode } from '../src-main/runtime/run-model.js';
import type { EngineEvent, FinalEvent, RunRequest, TrialsEvent } from '../shared/protocol/engine.js';
import { closeTo } from './reference-compare.js';
import { readReferenceJson } from './shared-files.js';

const linearChain = readReferenceJson<{ model: Record<string, unknown> }>('a_linear_chain.json').model;
/** A stateful model (integrator + noise): continuing a context differs from starting afresh. */
const integratorNoise = readReferenceJson<{ model: Record<string, unknown> }>('b_transfer_integrator_noise.json').model;

const withFaults = () => forkEngine({ env: { COGSTUDIO_ENGINE_TEST_FAULTS: '1' } });

let client: EngineClient;
let nextId = 0;
const newId = (prefix: string) => `${prefix}-${nextId++}`;

beforeAll(() => {
  // a cancel is acknowledged within tens of ms; the longer watchdog keeps a loaded machine from failing the cancel tests
  client = new EngineClient({ spawn: withFaults, cancelTimeoutMs: 3000 });
});

afterAll(async () => {
  await client.close();
});

interface Collected {
  final: FinalEvent;
  events: EngineEvent[];
  batches: TrialsEvent[];
  results: number[][][];
}

/** Runs a request to its end, keeping every event. */
async function collect(c: EngineClient, req: Parameters<EngineClient['request']>[0], onEvent?: (e: EngineEvent) => void): Promise<Collected> {
  const events: EngineEvent[] = [];
  const final = await c.request(req, (e) => {
    events.push(e);
    onEvent?.(e);
  });
  const batches = events.filter((e): e is TrialsEvent => e.type === 'trials');
  return { final, events, batches, results: batches.flatMap((b) => b.results) };
}

function run(fields: Omit<RunRequest, 'type' | 'id'>): RunRequest {
  return { type: 'run', id: newId('run'), ...fields };
}

describe('runs through the engine process', () => {
  for (const mode of ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun', 'Auto'] as const) {
    it(`${mode}: the streamed results equal runModel's`, async () => {
      const got = await collect(client, run({ model: linearChain, mode, numTrials: 40 }));
      const want = runModel({ model: linearChain as never, mode, numTrials: 40 });
      expect(got.final).toMatchObject({ type: 'done', trials: 40, cancelled: false });
      const diagnostics = got.events.find((e) => e.type === 'diagnostics');
      expect(diagnostics).toMatchObject({ mode, executedMode: want.executed_mode });
      expect(closeTo(got.results, want.results, 1e-12, 0)).toBeNull();
    });
  }

  it('streams a 20 000-trial run in a few batches that concatenate to the full results', async () => {
    const got = await collect(client, run({ model: linearChain, mode: 'Interpreted', numTrials: 20_000 }));
    const want = runModel({ model: linearChain as never, mode: 'Interpreted', numTrials: 20_000 });
    expect(got.final).toMatchObject({ type: 'done', trials: 20_000 });
    expect(got.batches.length).toBeGreaterThan(0);
    expect(got.batches.length).toBeLessThan(200);
    let next = 0;
    for (const b of got.batches) {
      expect(b.first).toBe(next);
      next += b.results.length;
    }
    expect(closeTo(got.results, want.results, 0, 0)).toBeNull();
    const progress = got.events.filter((e) => e.type === 'progress' && e.phase === 'run');
    expect(progress.at(-1)).toMatchObject({ done: 20_000, total: 20_000 });
    console.log(`20 000 trials arrived in ${got.batches.length} trials messages`);
  });

  it('records node values and the execution order per trial', async () => {
    const got = await collect(client, run({ model: linearChain, mode: 'LLVMRun', numTrials: 6, recordNodeValues: true, recordExecutionOrder: true }));
    const want = runModel({ model: linearChain as never, mode: 'LLVMRun', numTrials: 6, recordNodeValues: true, recordExecutionOrder: true });
    for (const name of ['IN', 'OUT']) {
      const streamed = got.batches.flatMap((b) => b.nodeValues?.[name] ?? []);
      expect(closeTo(streamed, want.node_values![name], 0, 0)).toBeNull();
    }
    expect(got.batches.flatMap((b) => b.executionOrder ?? []).flat()).toEqual(want.execution_order);
  });
});

describe('cancel', () => {
  for (const mode of ['Interpreted', 'LLVM', 'LLVMExec', 'LLVMRun'] as const satisfies readonly ExecutionMode[]) {
    it(`${mode}: a 10⁶-trial run stops soon after cancel, with the trials run so far`, async () => {
      const id = newId(`long-${mode}`);
      let streamed = 0;
      let firstBatch: () => void;
      const started = new Promise<void>((resolve) => (firstBatch = resolve));
      const finalP = client.request({ type: 'run', id, model: linearChain, mode, numTrials: 1_000_000 }, (e) => {
        if (e.type === 'trials') {
          streamed += e.results.length;
          firstBatch();
        }
      });
      await started;
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      client.cancel(id);
      const final = await finalP;
      const latency = performance.now() - t0;
      console.log(`cancel latency ${mode}: ${latency.toFixed(1)} ms (${final.type === 'done' ? final.trials : '?'} trials run)`);
      expect(final).toMatchObject({ type: 'done', cancelled: true });
      if (final.type !== 'done') return;
      expect(final.trials).toBeGreaterThan(0);
      expect(final.trials).toBeLessThan(1_000_000);
      expect(streamed).toBe(final.trials);
      // generous: well before the run would have finished (seconds), and far from the watchdog
      expect(latency).toBeLessThan(2500);
    });
  }

  it('removes a queued request, which ends cancelled without running', async () => {
    const running = newId('running');
    const queued = newId('queued');
    const first = client.request({ type: 'run', id: running, model: linearChain, mode: 'Interpreted', numTrials: 1_000_000 });
    let queuePosition = -1;
    const second = client.request({ type: 'run', id: queued, model: linearChain, mode: 'Interpreted', numTrials: 5 }, (e) => {
      if (e.type === 'accepted') queuePosition = e.queuePosition;
    });
    await new Promise((r) => setTimeout(r, 100));
    client.cancel(queued);
    expect(await second).toMatchObject({ type: 'done', trials: 0, cancelled: true });
    expect(queuePosition).toBe(1);
    client.cancel(running);
    expect(await first).toMatchObject({ type: 'done', cancelled: true });
  });
});

describe('the engine process fails without taking the client down', () => {
  it('a segfault in native code (debug-crash) gives a crash error, and the next run works in a fresh engine', async () => {
    await client.request(run({ model: linearChain, mode: 'Interpreted', numTrials: 1 }));
    const pid = client.pid;
    const crash = await client.request({ type: 'debug-crash', id: newId('crash') });
    expect(crash).toMatchObject({ type: 'error', kind: 'crash' });
    expect(crash.type === 'error' && crash.message).toMatch(/crashed \(SIGSEGV\) while running debug-crash .*restarted.*your model is unchanged/);
    const after = await collect(client, run({ model: linearChain, mode: 'LLVMRun', numTrials: 8 }));
    expect(after.final).toMatchObject({ type: 'done', trials: 8 });
    expect(client.pid).not.toBe(pid);
  });

  it('SIGSEGV during a run ends that run and every queued request with a crash error', async () => {
    const id = newId('victim');
    let killed = false;
    const victim = client.request({ type: 'run', id, model: linearChain, mode: 'LLVMRun', numTrials: 1_000_000 }, (e) => {
      if (e.type === 'trials' && !killed) {
        killed = true;
        process.kill(client.pid!, 'SIGSEGV');
      }
    });
    const queued = client.request(run({ model: linearChain, mode: 'Interpreted', numTrials: 3 }));
    const [a, b] = await Promise.all([victim, queued]);
    expect(a).toMatchObject({ type: 'error', kind: 'crash' });
    expect(a.type === 'error' && a.message).toContain(`crashed (SIGSEGV) while running run "${id}"`);
    expect(b).toMatchObject({ type: 'error', kind: 'crash' });
    expect(await client.request(run({ model: linearChain, mode: 'Interpreted', numTrials: 3 }))).toMatchObject({ type: 'done', trials: 3 });
  });

  it('native code that hangs (debug-hang) is killed when a cancel goes unanswered for 1 s', async () => {
    const own = new EngineClient({ spawn: withFaults });
    try {
      const id = newId('hang');
      let accepted: () => void;
      const started = new Promise<void>((resolve) => (accepted = resolve));
      const hang = own.request({ type: 'debug-hang', id }, (e) => e.type === 'accepted' && accepted());
      await started;
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      own.cancel(id);
      const final = await hang;
      expect(final).toMatchObject({ type: 'error', kind: 'crash' });
      expect(final.type === 'error' && final.message).toMatch(/stopped responding.*debug-hang.*your model is unchanged/);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
      expect(await own.request(run({ model: linearChain, mode: 'Interpreted', numTrials: 2 }))).toMatchObject({ type: 'done', trials: 2 });
    } finally {
      await own.close();
    }
  });

  it('without the test flag, the engine refuses the fault requests', async () => {
    const plain = new EngineClient();
    try {
      const final = await plain.request({ type: 'debug-crash', id: 'no-faults' });
      expect(final).toMatchObject({ type: 'error', kind: 'protocol' });
      expect(final.type === 'error' && final.message).toContain('unknown request type "debug-crash"');
    } finally {
      await plain.close();
    }
  });
});

describe('the queue', () => {
  it('100 requests submitted at once all end exactly once (some cancelled while queued)', async () => {
    const finals = new Map<string, FinalEvent[]>();
    const accepted = new Map<string, number>();
    const ids = Array.from({ length: 100 }, (_, i) => `burst-${i}`);
    const promises = ids.map((id, i) =>
      client.request({ type: 'run', id, model: linearChain, mode: i % 3 === 0 ? 'LLVMExec' : 'Interpreted', numTrials: 1 + (i % 5) }, (e) => {
        if (e.type === 'accepted') accepted.set(id, (accepted.get(id) ?? 0) + 1);
        if (e.type === 'done' || e.type === 'error') finals.set(id, [...(finals.get(id) ?? []), e]);
      }),
    );
    for (let i = 5; i < 100; i += 10) client.cancel(ids[i]!);
    const results = await Promise.all(promises);
    for (const [i, id] of ids.entries()) {
      expect(finals.get(id)?.length, id).toBe(1);
      expect(accepted.get(id), id).toBe(1);
      const final = results[i]!;
      expect(final.type, id).toBe('done');
      if (final.type !== 'done') continue;
      if (i % 10 === 5) expect(final.cancelled || final.trials === 1 + (i % 5), id).toBe(true);
      else expect(final, id).toMatchObject({ cancelled: false, trials: 1 + (i % 5) });
    }
  });
});

describe('malformed messages', () => {
  it('get a protocol error naming what is wrong, and the engine keeps working', async () => {
    const pid = client.pid;
    const bad = await client.request({ type: 'run', id: 'malformed-1', model: 'not a model', numTrials: -3, trials: 5 } as unknown as RunRequest);
    expect(bad).toMatchObject({ type: 'error', id: 'malformed-1', kind: 'protocol' });
    const message = bad.type === 'error' ? bad.message : '';
    expect(message).toContain('model must be an object');
    expect(message).toContain('numTrials must be at least 1');
    expect(message).toContain('unknown field "trials"');
    const unknown = await client.request({ type: 'explode', id: 'malformed-2' } as unknown as RunRequest);
    expect(unknown.type === 'error' && unknown.message).toContain('unknown request type "explode"');
    expect(await client.request(run({ model: linearChain, mode: 'Interpreted', numTrials: 2 }))).toMatchObject({ type: 'done', trials: 2 });
    expect(client.pid).toBe(pid);
  });

  it('an invalid model is a model error with located issues', async () => {
    const model = structuredClone(linearChain) as { nodes: Record<string, { function: Record<string, unknown> }> };
    model.nodes.OUT!.function.gain = 'high';
    const final = await client.request({ type: 'validate', id: newId('validate'), model });
    expect(final).toMatchObject({ type: 'error', kind: 'model' });
    expect(final.type === 'error' && final.issues?.some((i) => i.path.includes('OUT'))).toBe(true);
    const ok = await collect(client, { type: 'validate', id: newId('validate'), model: linearChain });
    expect(ok.final).toMatchObject({ type: 'done' });
    expect(ok.events.find((e) => e.type === 'validated')).toMatchObject({ inputNodes: ['IN'], outputNodes: ['OUT'] });
  });
});

describe('sessions and compile', () => {
  for (const mode of ['Interpreted', 'LLVMRun'] as const) {
    it(`${mode}: two runs of 5 trials in a session equal one run of 10`, async () => {
      const session = newId('session');
      const inputs = (integratorNoise.run as { inputs: { T: number[][] } }).inputs.T;
      const a = await collect(client, run({ model: integratorNoise, mode, numTrials: 5, session, inputs: { T: inputs.slice(0, 5) } }));
      expect(a.final).toMatchObject({ type: 'done', trials: 5 });
      const b = await collect(client, run({ model: integratorNoise, mode, numTrials: 5, session, inputs: { T: inputs.slice(5, 10) } }));
      const ten = await collect(client, run({ model: integratorNoise, mode, numTrials: 10, inputs: { T: inputs.slice(0, 10) } }));
      expect(closeTo([...a.results, ...b.results], ten.results, 1e-12, 0)).toBeNull();
      // continuing is not starting again: the second half differs from the first
      expect(closeTo(b.results, a.results, 1e-12, 0)).not.toBeNull();
      await client.request({ type: 'reset-session', id: newId('reset'), session });
      const c = await collect(client, run({ model: integratorNoise, mode, numTrials: 5, session, inputs: { T: inputs.slice(0, 5) } }));
      expect(closeTo(c.results, a.results, 1e-12, 0)).toBeNull();
    });
  }

  it('compile reports per-stage diagnostics and the IR', async () => {
    const got = await collect(client, { type: 'compile', id: newId('compile'), model: linearChain, mode: 'LLVMRun', optLevel: 0, emitIR: true });
    expect(got.final).toMatchObject({ type: 'done' });
    const d = got.events.find((e) => e.type === 'diagnostics');
    expect(d).toMatchObject({ executedMode: 'LLVMRun', compile: { opt_level: 0 } });
    expect(d?.type === 'diagnostics' && d.compile!.ir_bytes).toBeGreaterThan(0);
    const ir = got.events.find((e) => e.type === 'ir');
    expect(ir?.type === 'ir' && ir.ir).toContain('define');
  });
});

describe('memory', () => {
  it('an engine over its memory bound is replaced when idle, and a lost session is reported', async () => {
    const small = new EngineClient({ maxRssBytes: 1 });
    try {
      const session = 'kept';
      let first: number | undefined;
      await small.request(run({ model: integratorNoise, mode: 'Interpreted', numTrials: 2, session }), () => (first ??= small.pid));
      let second: number | undefined;
      const again = await collect(small, run({ model: integratorNoise, mode: 'Interpreted', numTrials: 2, session }), () => (second ??= small.pid));
      expect(again.final).toMatchObject({ type: 'done', trials: 2 });
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      expect(small.restarts).toBeGreaterThanOrEqual(1);
      const d = again.events.find((e) => e.type === 'diagnostics');
      expect(d?.type === 'diagnostics' && d.warnings.join('\n')).toContain('session "kept" was lost');
    } finally {
      await small.close();
    }
  });
});

describe('a 10⁶-trial run streamed to the end', () => {
  /** A wide output (100 values a trial): kept whole, 10⁶ trials would be 800 MB in either process. */
  const wide = {
    format: 'cogstudio-model',
    version: 1,
    name: 'wide_stream',
    nodes: {
      IN: { type: 'ProcessingMechanism', size: 100, function: { type: 'Linear', slope: 2, intercept: 0.5 } },
    },
    run: { inputs: { IN: [Array.from({ length: 100 }, (_, i) => i / 10), Array.from({ length: 100 }, (_, i) => -i)] } },
  };

  /** The highest resident set size (VmHWM, bytes) a process has had, from /proc. */
  function peakRss(pid: number): number {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb) * 1024;
  }

  it('LLVMRun: every trial arrives in order, and neither process holds the run in memory', async () => {
    const streaming = new EngineClient();
    try {
      const trials = 1_000_000;
      let received = 0;
      let inOrder = true;
      let checked = 0;
      const arrayBuffersBefore = process.memoryUsage().arrayBuffers;
      let arrayBuffersPeak = 0;
      const final = await streaming.request({ type: 'run', id: newId('stream'), model: wide, mode: 'LLVMRun', numTrials: trials }, (e) => {
        if (e.type !== 'trials') return;
        if (e.first !== received) inOrder = false;
        // spot-check values: trial t alternates between the two inputs, OUT = 2·x + 0.5
        const t = e.first;
        const x = t % 2 === 0 ? 99 / 10 : -99;
        if (e.results[0]![0]![99] === 2 * x + 0.5) checked++;
        received += e.results.length;
        arrayBuffersPeak = Math.max(arrayBuffersPeak, process.memoryUsage().arrayBuffers - arrayBuffersBefore);
      });
      expect(final).toMatchObject({ type: 'done', trials, cancelled: false });
      expect(received).toBe(trials);
      expect(inOrder).toBe(true);
      expect(checked).toBeGreaterThan(0);
      // 10⁶ × 100 doubles = 800 MB: a stream that kept them (or built them up before sending)
      // would pass these bounds many times over
      const enginePeak = peakRss(streaming.pid!);
      console.log(`10⁶-trial stream: engine peak RSS ${(enginePeak / 2 ** 20).toFixed(0)} MB, receiver array buffers peak +${(arrayBuffersPeak / 2 ** 20).toFixed(0)} MB`);
      expect(enginePeak).toBeLessThan(400 * 2 ** 20);
      expect(arrayBuffersPeak).toBeLessThan(300 * 2 ** 20);
    } finally {
      await streaming.close();
    }
  }, 300_000);
});
