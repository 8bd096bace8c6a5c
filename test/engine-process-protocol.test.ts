/**
 * The engine protocol and the transport-free Engine, in process: every incoming message is
 * checked, a bad one gets a `protocol` error (with its id when it has one) and never stops the
 * engine; errors map to their kind; trial batches stream as packed blocks that unpack losslessly
 * and concatenate to exactly runModel's results.
 */
import { describe, expect, it } from 'vitest';
import { Engine } from '../src-main/engine-process/engine.js';
import {
  EngineEventSchema,
  messageShapeProblem,
  parseEngineRequest,
  parseEngineRequestText,
  unpackTrials,
  type EngineEvent,
  type PackedTrialsEvent,
  type TrialsEvent,
  type WireEvent,
} from '../shared/protocol/engine.js';
import { runModel } from '../src-main/runtime/run-model.js';
import { readReferenceJson } from './shared-files.js';

const linearChain = readReferenceJson<{ model: Record<string, unknown> }>('a_linear_chain.json').model;
/** Stateful with noise: every trial's values differ, so a misplaced trial shows. */
const integratorNoise = readReferenceJson<{ model: Record<string, unknown> }>('b_transfer_integrator_noise.json').model;

/** Sends messages to a fresh engine and returns every event once it is idle. */
async function exchange(...messages: unknown[]): Promise<EngineEvent[]> {
  const engine = new Engine();
  const events: EngineEvent[] = [];
  engine.onEvent((e) => events.push(e));
  for (const m of messages) engine.handle(m);
  await engine.idle();
  await engine.shutdown();
  return events;
}

describe('incoming messages are checked', () => {
  it('a message that is not a request object gets a protocol error without an id', async () => {
    const events = await exchange(42, 'run', null, [1, 2], { id: 'x' });
    expect(events).toHaveLength(5);
    for (const e of events.slice(0, 4)) expect(e).toMatchObject({ type: 'error', id: null, kind: 'protocol' });
    expect(events[4]).toMatchObject({ type: 'error', id: 'x', kind: 'protocol', message: expect.stringContaining('has no "type"') });
  });

  it('names each wrong field and keeps the id', () => {
    const r = parseEngineRequest({ type: 'run', id: 'r1', model: [], mode: 'Fast', optLevel: 7, numTrials: 2.5, session: '' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.id).toBe('r1');
    for (const part of ['model must be an object', 'mode must be one of Interpreted', 'optLevel must be 0, 1, 2 or 3', 'numTrials must be a whole number', 'session must not be empty']) {
      expect(r.message).toContain(part);
    }
  });

  it('refuses cycles, non-plain values, deep nesting and oversized messages', () => {
    const cyclic: Record<string, unknown> = { type: 'run', id: 'c' };
    cyclic.model = cyclic;
    expect(messageShapeProblem(cyclic)).toContain('cyclic');
    const shared = [1, 2];
    expect(messageShapeProblem({ a: shared, b: shared })).toBeNull();
    expect(messageShapeProblem({ a: new Date(0) })).toContain('Date');
    expect(messageShapeProblem({ f: () => 1 })).toContain('function');
    let deep: unknown = 1;
    for (let i = 0; i < 500; i++) deep = [deep];
    expect(messageShapeProblem(deep)).toContain('nested deeper');
    expect(messageShapeProblem({ big: 'x'.repeat(2000) }, 1000)).toContain('larger than the limit');
    expect(parseEngineRequestText('x'.repeat(2000), { limit: 1000 })).toMatchObject({ ok: false, message: expect.stringContaining('larger than the limit') });
    expect(parseEngineRequestText('{"type": "run",')).toMatchObject({ ok: false, message: expect.stringContaining('not JSON') });
  });

  it('the engine keeps working after malformed messages', async () => {
    const events = await exchange({ type: 'run', id: 'bad', model: 1 }, { type: 'run', id: 'good', model: linearChain, mode: 'Interpreted', numTrials: 3 });
    expect(events[0]).toMatchObject({ type: 'error', id: 'bad', kind: 'protocol' });
    expect(events.at(-1)).toMatchObject({ type: 'done', id: 'good', trials: 3 });
  });

  it('the test-only fault requests are unknown to an engine without faults', () => {
    expect(parseEngineRequest({ type: 'debug-crash', id: 'd' })).toMatchObject({ ok: false });
    expect(parseEngineRequest({ type: 'debug-crash', id: 'd' }, { debug: true })).toMatchObject({ ok: true });
  });

  it('a second request with a pending id is refused, the first still ends once', async () => {
    const events = await exchange(
      { type: 'run', id: 'same', model: linearChain, mode: 'Interpreted', numTrials: 2 },
      { type: 'run', id: 'same', model: linearChain, mode: 'Interpreted', numTrials: 2 },
    );
    expect(events.filter((e) => e.type === 'error')).toMatchObject([{ id: 'same', kind: 'protocol', message: expect.stringContaining('already queued') }]);
    expect(events.filter((e) => e.type === 'done')).toHaveLength(1);
  });
});

describe('sessions', () => {
  const run = (id: string, session: string, model: Record<string, unknown> = linearChain) => ({ type: 'run', id, model, mode: 'Interpreted', numTrials: 1, session });

  it('beyond the bound, the least recently used session is disposed', async () => {
    const engine = new Engine({ maxSessions: 2 });
    for (const [i, key] of ['a', 'b', 'a', 'c'].entries()) engine.handle(run(`s${i}`, key));
    await engine.idle();
    expect(engine.sessionCount).toBe(2);
    engine.handle({ type: 'reset-session', session: 'a' });
    await engine.idle();
    expect(engine.sessionCount).toBe(1);
    await engine.shutdown();
    expect(engine.sessionCount).toBe(0);
  });

  it('a session whose model changed starts again, with a warning', async () => {
    const changed = { ...linearChain, name: 'renamed' };
    const events = await exchange(run('first', 'k'), run('second', 'k', changed));
    const warnings = events.filter((e) => e.type === 'diagnostics').map((e) => (e.type === 'diagnostics' ? e.warnings.join(' ') : ''));
    expect(warnings[0]).not.toContain('model changed');
    expect(warnings[1]).toContain('the model changed');
  });
});

describe('events', () => {
  it('a run emits accepted, diagnostics, trials, progress and done, all valid by the schema', async () => {
    const events = await exchange({ type: 'run', id: 'r', model: linearChain, mode: 'LLVMRun', numTrials: 4 });
    expect(events.map((e) => e.type)).toEqual(['accepted', 'progress', 'diagnostics', 'trials', 'progress', 'done']);
    for (const e of events) expect(EngineEventSchema.safeParse(e).success, e.type).toBe(true);
  });

  it('a trial that never ends is a limit error', async () => {
    const model = { ...linearChain, termination: { trial: { type: 'Never' } } };
    const events = await exchange({ type: 'run', id: 'lim', model, mode: 'Interpreted', numTrials: 3, maxPassesPerTrial: 5 });
    expect(events.at(-1)).toMatchObject({ type: 'error', id: 'lim', kind: 'limit' });
  });

  it('an invalid model is a model error carrying its issues', async () => {
    const model = { ...linearChain, projections: [{ sender: 'IN', receiver: 'NOWHERE' }] };
    const events = await exchange({ type: 'run', id: 'm', model, mode: 'Interpreted' });
    const e = events.at(-1)!;
    expect(e).toMatchObject({ type: 'error', id: 'm', kind: 'model' });
    expect(e.type === 'error' && e.issues!.length).toBeGreaterThan(0);
  });

  it('a packed trial batch unpacks to nested arrays, NaN included, also after a structured clone', () => {
    const packed: PackedTrialsEvent = {
      type: 'trials-packed',
      id: 'p',
      first: 7,
      count: 2,
      resultRows: [2, 1],
      results: Float64Array.of(1, NaN, Infinity, -0.5, 2, 3),
      nodeRows: [
        ['A', [1]],
        ['B', [2, 1]],
      ],
      nodeValues: Float64Array.of(1, 1, 2, 3, 2, 4, 5, 6),
      executionOrder: [[['A'], ['B']], [['A', 'B']]],
    };
    const want: TrialsEvent = {
      type: 'trials',
      id: 'p',
      first: 7,
      results: [
        [[1, NaN], [Infinity]],
        [[-0.5, 2], [3]],
      ],
      nodeValues: { A: [[[1]], [[2]]], B: [[[1, 2], [3]], [[4, 5], [6]]] },
      executionOrder: [[['A'], ['B']], [['A', 'B']]],
    };
    expect(unpackTrials(structuredClone(packed))).toEqual(want);
    expect(unpackTrials({ ...packed, results: packed.results.subarray(1) })).toBeNull();
    expect(unpackTrials({ ...packed, nodeValues: packed.nodeValues!.subarray(1) })).toBeNull();
  });
});

describe('streamed blocks', () => {
  for (const mode of ['LLVMRun', 'Interpreted'] as const) {
    it(`${mode}: the packed batches, in many small events, concatenate to exactly runModel's results and node values`, async () => {
      const numTrials = 300;
      // a zero time slice makes the runners hand over tiny blocks (Interpreted: one trial each), which
      // a small flush bound gathers by the dozen into each of the batches
      const engine = new Engine({ sliceMs: 0, flushValues: 100 });
      const wire: WireEvent[] = [];
      const decoded: EngineEvent[] = [];
      engine.onWireEvent((e) => wire.push(e));
      engine.onEvent((e) => decoded.push(e));
      engine.handle({ type: 'run', id: 's', model: integratorNoise, mode, numTrials, recordNodeValues: true });
      await engine.idle();
      await engine.shutdown();
      expect(wire.at(-1)).toMatchObject({ type: 'done', id: 's', trials: numTrials, cancelled: false });
      const want = runModel({ model: integratorNoise as never, mode, numTrials, recordNodeValues: true });
      expect(new Set(want.flat.results).size).toBeGreaterThan(numTrials);

      // on the wire: consecutive flat blocks, no nested arrays
      const packed = wire.filter((e): e is PackedTrialsEvent => e.type === 'trials-packed');
      expect(packed.length).toBeGreaterThan(10);
      let next = 0;
      const flat: number[] = [];
      for (const p of packed) {
        expect(p.first).toBe(next);
        expect(p.results).toBeInstanceOf(Float64Array);
        expect(p.nodeValues).toBeInstanceOf(Float64Array);
        next += p.count;
        flat.push(...p.results);
      }
      expect(next).toBe(numTrials);
      expect(flat).toEqual(Array.from(want.flat.results));

      // decoded for in-process listeners: runModel's nested results, exactly, and schema-valid
      const batches = decoded.filter((e): e is TrialsEvent => e.type === 'trials');
      expect(batches).toHaveLength(packed.length);
      for (const e of decoded) expect(EngineEventSchema.safeParse(e).success, e.type).toBe(true);
      expect(batches.flatMap((b) => b.results)).toEqual(want.results);
      for (const name of Object.keys(want.node_values!)) {
        expect(batches.flatMap((b) => b.nodeValues![name]!), name).toEqual(want.node_values![name]);
      }
    });
  }
});
