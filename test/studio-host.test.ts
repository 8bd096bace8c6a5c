/** The host side of the studio protocol: request checking, examples, workspace files, and run events from the engine. */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostResultSchemas, type ModelDocument, type RunEvent } from '../shared/ipc/protocol.js';
import { InProcessEngine } from '../src-main/web-host/engine.js';
import { EngineClient } from '../src-main/engine-process/client.js';
import { EngineClientEngine, columnsOf } from '../src-main/web-host/engine-client-engine.js';
import { StudioService } from '../src-main/web-host/studio-service.js';
import { WorkspaceFiles } from '../src-main/web-host/workspace-files.js';
import { runModel } from '../src-main/runtime/run-model.js';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples');
const linearChain = (): ModelDocument => JSON.parse(readFileSync(join(EXAMPLES, 'linear_chain.cogmodel.json'), 'utf8'));

let workspace: string;
let outside: string;
let service: StudioService;
const engine = new InProcessEngine();

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'cogstudio-ws-'));
  outside = mkdtempSync(join(tmpdir(), 'cogstudio-outside-'));
  writeFileSync(join(outside, 'secret.cogmodel.json'), JSON.stringify(linearChain()));
  symlinkSync(join(outside, 'secret.cogmodel.json'), join(workspace, 'link.cogmodel.json'));
  mkdirSync(join(workspace, 'models'));
  writeFileSync(join(workspace, 'models', 'chain.cogmodel.json'), JSON.stringify(linearChain()));
  service = new StudioService(engine, new WorkspaceFiles(workspace), EXAMPLES);
});

afterAll(() => {
  engine.dispose();
  rmSync(workspace, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

const noEvents = () => undefined;

function runToEnd(model: ModelDocument, mode: 'Auto' | 'Interpreted', trials?: number): Promise<RunEvent[]> {
  return new Promise((resolve) => {
    const events: RunEvent[] = [];
    void service.handle({ method: 'run.start', params: { runId: `r-${mode}-${trials}`, model, mode, ...(trials ? { trials } : {}) } }, (e) => {
      events.push(e);
      if (e.type === 'done' || e.type === 'error') resolve(events);
    });
  });
}

describe('requests', () => {
  it('refuses a request that does not match the protocol, saying where', async () => {
    expect(await service.handle({ method: 'examples.open', name: '../secret' }, noEvents)).toMatchObject({ ok: false, error: { kind: 'invalid-request', message: /name/ } });
    expect(await service.handle({ method: 'shell.exec', command: 'rm' }, noEvents)).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    expect(await service.handle('not an object', noEvents)).toMatchObject({ ok: false });
  });

  it('lists the examples with their titles and descriptions', async () => {
    const r = await service.handle({ method: 'examples.list' }, noEvents);
    expect(r.ok).toBe(true);
    const names = (r as { result: { examples: { name: string; description: string }[] } }).result.examples.map((e) => e.name);
    expect(names).toContain('linear_chain');
    expect(names).toContain('stroop');
  });

  it('validates a model and reports its issues with their locations', async () => {
    const broken = linearChain();
    (broken.nodes.HIDDEN as { function: { gain: unknown } }).function.gain = 'abc';
    const r = await service.handle({ method: 'model.validate', model: broken }, noEvents);
    expect(r).toMatchObject({ ok: true, result: { valid: false, issues: [{ path: 'nodes.HIDDEN.function.gain' }] } });
  });
});

describe('the component catalog', () => {
  it('lists mechanisms, functions by category and conditions from the declarations, in the protocol’s shape', async () => {
    const r = await service.handle({ method: 'catalog.get' }, noEvents);
    expect(r.ok).toBe(true);
    const catalog = HostResultSchemas['catalog.get'].parse((r as { result: unknown }).result);
    const transfer = catalog.mechanisms.find((m) => m.type === 'TransferMechanism')!;
    expect(transfer.defaultFunction).toBe('Linear');
    expect(transfer.defaultOutputPorts).toEqual(['RESULT']);
    expect(transfer.params.find((p) => p.name === 'integrator_mode')).toMatchObject({ kind: 'boolean', default: false, help: expect.stringMatching(/\w/) });
    expect(catalog.mechanisms.find((m) => m.type === 'DDM')!.defaultOutputPorts).toEqual(['DECISION_VARIABLE', 'RESPONSE_TIME']);
    const logistic = catalog.functions.find((f) => f.type === 'Logistic')!;
    expect(logistic.category).toBe('transfer');
    expect(logistic.params.find((p) => p.name === 'gain')).toMatchObject({ kind: expect.stringMatching(/number|numeric/), default: 1 });
    expect(catalog.functions.find((f) => f.type === 'NormalDist')).toMatchObject({ category: 'distribution', stochastic: true });
    expect(catalog.conditions.find((c) => c.type === 'EveryNCalls')!.args).toEqual(['dependency', 'n']);
    expect(catalog.conditions.find((c) => c.type === 'Always')!.args).toEqual([]);
  });
});

describe('runs', () => {
  it('streams accepted, diagnostics, trials and done with the engine’s numbers', async () => {
    const events = await runToEnd(linearChain(), 'Auto');
    expect(events.map((e) => e.type).filter((t) => t !== 'progress')).toEqual(['accepted', 'diagnostics', 'trials', 'done']);
    const expected = runModel({ model: linearChain(), mode: 'Auto' });
    expect(events.flatMap((e) => (e.type === 'trials' ? e.results : []))).toEqual(expected.results);
    expect(events[0]).toMatchObject({ outputs: [{ node: 'OUTPUT', port: 'RESULT', size: 2 }], trials: 5 });
    expect(events[1]).toMatchObject({ executed_mode: expected.executed_mode });
  });

  it('an invalid model ends the run with a located model error', async () => {
    const broken = linearChain();
    (broken.nodes.HIDDEN as { function: { gain: unknown } }).function.gain = 'abc';
    const events = await runToEnd(broken, 'Interpreted', 3);
    expect(events.at(-1)).toMatchObject({ type: 'error', error: { kind: 'model', issues: [{ path: 'nodes.HIDDEN.function.gain' }] } });
  });

  it('names result columns after the output nodes’ ports, or numbers them when the names do not fit', () => {
    expect(columnsOf(linearChain(), ['OUTPUT'], [[0.1, 0.9]])).toEqual([{ node: 'OUTPUT', port: 'RESULT', size: 2 }]);
    expect(columnsOf(linearChain(), ['OUTPUT'], [[1], [2]])).toEqual([{ node: 'output', port: '0', size: 1 }, { node: 'output', port: '1', size: 1 }]);
  });
});

describe('workspace files', () => {
  it('opens a model inside the workspace by its relative path', async () => {
    const r = await service.handle({ method: 'file.open', path: 'models/chain.cogmodel.json' }, noEvents);
    expect(r).toMatchObject({ ok: true, result: { opened: { source: { kind: 'file', path: join('models', 'chain.cogmodel.json') } } } });
  });

  it('refuses paths outside the workspace, through .. or a symlink', async () => {
    for (const path of ['../x.cogmodel.json', join(outside, 'secret.cogmodel.json'), 'link.cogmodel.json']) {
      const r = await service.handle({ method: 'file.open', path }, noEvents);
      expect(r, path).toMatchObject({ ok: false, error: { kind: 'file' } });
    }
  });

  it('refuses files that are not model files, and asks for a path when none is given', async () => {
    expect(await service.handle({ method: 'file.open', path: 'notes.txt' }, noEvents)).toMatchObject({ ok: false, error: { kind: 'file' } });
    expect(await service.handle({ method: 'file.open' }, noEvents)).toMatchObject({ ok: false, error: { kind: 'file', message: /no file dialog/ } });
  });

  it('saves a new model under a free name and lists it as recent', async () => {
    const model = { ...linearChain(), name: 'my_model' };
    const first = await service.handle({ method: 'file.save', model }, noEvents);
    const second = await service.handle({ method: 'file.save', model }, noEvents);
    expect(first).toMatchObject({ ok: true, result: { path: 'my_model.cogmodel.json' } });
    expect(second).toMatchObject({ ok: true, result: { path: 'my_model-1.cogmodel.json' } });
    expect(JSON.parse(readFileSync(join(workspace, 'my_model.cogmodel.json'), 'utf8')).name).toBe('my_model');
    expect(await service.handle({ method: 'file.recent' }, noEvents)).toMatchObject({ ok: true, result: { files: [
      { path: 'my_model-1.cogmodel.json', exists: true },
      { path: 'my_model.cogmodel.json', exists: true },
      { path: join('models', 'chain.cogmodel.json'), exists: true },
    ] } });
  });
});

describe('through the engine process (EngineClient)', () => {
  const processEngine = new EngineClientEngine(new EngineClient());
  afterAll(() => processEngine.dispose());

  const collect = (runId: string, model: ModelDocument, mode: 'Auto' | 'Interpreted', trials: number, cancelAtOnce = false) =>
    new Promise<RunEvent[]>((resolve) => {
      const events: RunEvent[] = [];
      processEngine.run({ runId, model, mode, trials }, (e) => {
        events.push(e);
        if (e.type === 'done' || e.type === 'error') resolve(events);
      });
      if (cancelAtOnce) processEngine.cancel(runId);
    });

  it('gives the same events and numbers as the in-process engine', async () => {
    const events = await collect('p1', linearChain(), 'Auto', 5);
    expect(events.map((e) => e.type).filter((t) => t !== 'progress')).toEqual(['diagnostics', 'accepted', 'trials', 'done']);
    expect(events.find((e) => e.type === 'accepted')).toMatchObject({ outputs: [{ node: 'OUTPUT', port: 'RESULT', size: 2 }], trials: 5 });
    expect(events.flatMap((e) => (e.type === 'trials' ? e.results : []))).toEqual(runModel({ model: linearChain(), mode: 'Auto' }).results);
  }, 60_000);

  it('validates with located issues', async () => {
    const broken = linearChain();
    (broken.nodes.HIDDEN as { function: { gain: unknown } }).function.gain = 'abc';
    expect(await processEngine.validate(broken)).toMatchObject({ valid: false, issues: [{ path: 'nodes.HIDDEN.function.gain' }] });
    expect(await processEngine.validate(linearChain())).toMatchObject({ valid: true, summary: /3 nodes/ });
  }, 60_000);

  it('a run cancelled before it starts ends cancelled, with no trials', async () => {
    const events = await collect('p2', linearChain(), 'Interpreted', 100_000, true);
    expect(events.at(-1)).toMatchObject({ type: 'done', cancelled: true });
    expect(events.some((e) => e.type === 'trials')).toBe(false);
  }, 60_000);
});
