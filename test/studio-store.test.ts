/** The editor's store: commands, undo/redo, selection, drags, and the React Flow nodes and edges derived from the model. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelDocument } from '../shared/ipc/protocol.js';
import {
  addNode,
  connect,
  deleteElements,
  moveNodes,
  renameNode,
  setFunctionParameter,
  setFunctionType,
  setNodeParameter,
  setCondition,
  setProjectionMatrix,
  setRunInputs,
  uniqueNodeName,
} from '../src-renderer/store/commands.js';
import { matrixPreset, matrixShapeProblem } from '../src-renderer/panels/Inspector.js';
import { createFlowDeriver } from '../src-renderer/store/derive.js';
import { layoutModel, needsLayout } from '../src-renderer/store/layout.js';
import { createModelStore, isDirty, redoLabel, undoLabel } from '../src-renderer/store/model-store.js';
import { createRunStore, issueNode } from '../src-renderer/store/run-store.js';
import { defaultTrials, outputPortNames, projectionId } from '../src-renderer/model/document.js';

const example = (name: string): ModelDocument => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'examples', `${name}.cogmodel.json`), 'utf8'));

function loaded(name = 'linear_chain') {
  const store = createModelStore();
  store.getState().load(example(name), { kind: 'example', name });
  return store;
}

const derive = (store: ReturnType<typeof createModelStore>, deriver = createFlowDeriver()) => {
  const { model, selection, dragging, measured } = store.getState();
  return deriver({ model, selection, dragging, measured });
};

describe('commands', () => {
  it('never mutate the model they are applied to', () => {
    const model = example('linear_chain');
    const frozen = JSON.stringify(model);
    moveNodes({ INPUT: { x: 1, y: 2 } }).apply(model);
    deleteElements(['HIDDEN'], [0]).apply(model);
    setNodeParameter('HIDDEN', 'integrator_mode', true).apply(model);
    expect(JSON.stringify(model)).toBe(frozen);
  });

  it('deleting a node removes its projections, run inputs and output_nodes entry', () => {
    const model = example('linear_chain');
    const next = deleteElements(['INPUT'], []).apply(model);
    expect(Object.keys(next.nodes)).toEqual(['HIDDEN', 'OUTPUT']);
    expect(next.projections).toEqual([(model.projections as unknown[])[1]]);
    expect((next.run as { inputs: object }).inputs).toEqual({});
  });

  it('moving stores the position under the node’s studio key, rounded', () => {
    const next = moveNodes({ HIDDEN: { x: 10.4, y: -3.6 } }).apply(example('linear_chain'));
    expect((next.nodes.HIDDEN as { studio: { position: unknown } }).studio.position).toEqual({ x: 10, y: -4 });
  });
});

describe('editing commands (palette, inspector, connections)', () => {
  it('renaming a node renames its projections, conditions and their dependencies, run inputs and output_nodes', () => {
    const model: ModelDocument = {
      ...example('linear_chain'),
      conditions: { HIDDEN: { type: 'EveryNCalls', dependency: 'INPUT', n: 2 }, OUTPUT: { type: 'All', conditions: [{ type: 'AfterNCalls', dependency: 'HIDDEN', n: 1 }] } },
      termination: { trial: { type: 'AfterNCalls', dependency: 'HIDDEN', n: 3 } },
      output_nodes: ['HIDDEN', 'OUTPUT'],
    };
    const frozen = JSON.stringify(model);
    const next = renameNode('HIDDEN', 'H2').apply(model);
    expect(JSON.stringify(model)).toBe(frozen);
    expect(Object.keys(next.nodes)).toEqual(['INPUT', 'H2', 'OUTPUT']);
    expect((next.projections as { sender: string; receiver: string }[]).map((p) => `${p.sender}>${p.receiver}`)).toEqual(['INPUT>H2', 'H2>OUTPUT']);
    expect(next.conditions).toEqual({ H2: { type: 'EveryNCalls', dependency: 'INPUT', n: 2 }, OUTPUT: { type: 'All', conditions: [{ type: 'AfterNCalls', dependency: 'H2', n: 1 }] } });
    expect(next.termination).toEqual({ trial: { type: 'AfterNCalls', dependency: 'H2', n: 3 } });
    expect(next.output_nodes).toEqual(['H2', 'OUTPUT']);
    expect(() => renameNode('HIDDEN', 'INPUT').apply(model)).toThrow(/already exists/);
    expect(() => renameNode('HIDDEN', ' ').apply(model)).toThrow(/empty/);
    const r = renameNode('INPUT', 'IN').apply(model);
    expect(Object.keys((r.run as { inputs: object }).inputs)).toEqual(['IN']);
  });

  it('renaming a node renames it in an OCM controller: objective_mechanism, state_features, random_variables', () => {
    const model: ModelDocument = {
      ...example('linear_chain'),
      nodes: {
        ...example('linear_chain').nodes,
        OBJ: { type: 'ObjectiveMechanism' },
        OCM: { type: 'OptimizationControlMechanism', objective_mechanism: 'OBJ', state_features: ['INPUT'], num_estimates: 2, random_variables: ['HIDDEN', 'OUTPUT'], control_signals: [] },
      },
      controller: 'OCM',
    };
    const next = renameNode('HIDDEN', 'H2').apply(renameNode('OBJ', 'O2').apply(renameNode('INPUT', 'IN').apply(model)));
    expect(next.nodes.OCM).toMatchObject({ objective_mechanism: 'O2', state_features: ['IN'], random_variables: ['H2', 'OUTPUT'] });
    expect(renameNode('OCM', 'C').apply(model).controller).toBe('C');
  });

  it('run inputs and conditions are set per node and removed with undefined', () => {
    const model = example('linear_chain');
    const a = setRunInputs('INPUT', [[1, 2]]).apply(model);
    expect((a.run as { inputs: object }).inputs).toEqual({ INPUT: [[1, 2]] });
    expect((a.run as { num_trials?: unknown }).num_trials).toBe((model.run as { num_trials?: unknown }).num_trials);
    expect((setRunInputs('INPUT', undefined).apply(a).run as { inputs: object }).inputs).toEqual({});
    const c = setCondition('OUTPUT', { type: 'EveryNCalls', dependency: 'HIDDEN', n: 2 }).apply(model);
    expect(c.conditions).toEqual({ OUTPUT: { type: 'EveryNCalls', dependency: 'HIDDEN', n: 2 } });
    expect(setCondition('OUTPUT', undefined).apply(c).conditions).toEqual({});
  });

  it('an issue’s node is read from dotted and bracketed paths', () => {
    expect(issueNode({ path: 'nodes.HIDDEN.function.gain', message: '' })).toBe('HIDDEN');
    expect(issueNode({ path: 'nodes["Transfer-0"].integration_rate', message: '' })).toBe('Transfer-0');
  });

  it('function type and function parameters are set on the node’s function object', () => {
    const model = example('linear_chain');
    const a = setFunctionType('HIDDEN', 'Tanh').apply(model);
    expect((a.nodes.HIDDEN as { function: unknown }).function).toEqual({ type: 'Tanh' });
    const b = setFunctionParameter('HIDDEN', 'Tanh', 'gain', 3).apply(a);
    expect((b.nodes.HIDDEN as { function: unknown }).function).toEqual({ type: 'Tanh', gain: 3 });
    expect((setFunctionParameter('HIDDEN', 'Tanh', 'gain', undefined).apply(b).nodes.HIDDEN as { function: unknown }).function).toEqual({ type: 'Tanh' });
    const bare = addNode('P', { type: 'ProcessingMechanism', size: 2 }, { x: 0, y: 0 }).apply(model);
    expect((setFunctionParameter('P', 'Linear', 'slope', 2).apply(bare).nodes.P as { function: unknown }).function).toEqual({ type: 'Linear', slope: 2 });
  });

  it('new node names are unique; projection matrices are set and removed; presets and shape checks', () => {
    const model = addNode('Transfer-0', { type: 'TransferMechanism' }, { x: 0, y: 0 }).apply(example('linear_chain'));
    expect(uniqueNodeName(model, 'Transfer')).toBe('Transfer-1');
    expect(uniqueNodeName(model, 'DDM')).toBe('DDM-0');
    const m = setProjectionMatrix(1, [[2]]).apply(model);
    expect((m.projections as { matrix?: unknown }[])[1]!.matrix).toEqual([[2]]);
    expect('matrix' in (setProjectionMatrix(1, undefined).apply(m).projections as object[])[1]!).toBe(false);
    expect(matrixPreset('identity', 2, 3)).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(matrixPreset('full', 1, 2)).toEqual([[1, 1]]);
    expect(matrixPreset('random', 3, 2).flat().every((x) => x >= -1 && x <= 1)).toBe(true);
    expect(matrixShapeProblem([[1, 0], [0, 1]], 2, 2)).toBeNull();
    expect(matrixShapeProblem([[1, 0]], 2, 2)).toMatch(/2 row/);
    expect(matrixShapeProblem([[1], [0]], 2, 3)).toMatch(/3 column/);
    expect(matrixShapeProblem([[1, 0], [0]], 2, 2)).toMatch(/different lengths/);
    expect(matrixShapeProblem('IDENTITY_MATRIX', 2, 3)).toMatch(/equal sizes/);
  });
});

describe('the model store', () => {
  it('undo restores the model before a command and redo replays it', () => {
    const store = loaded();
    const original = store.getState().model;
    store.getState().execute(deleteElements(['HIDDEN'], []));
    const afterDelete = store.getState().model;
    expect(Object.keys(afterDelete.nodes)).toEqual(['INPUT', 'OUTPUT']);
    expect(undoLabel(store.getState())).toBe('Delete HIDDEN');
    store.getState().undo();
    expect(store.getState().model).toBe(original);
    expect(redoLabel(store.getState())).toBe('Delete HIDDEN');
    store.getState().redo();
    expect(store.getState().model).toBe(afterDelete);
  });

  it('a new command clears the redo history', () => {
    const store = loaded();
    store.getState().execute(moveNodes({ INPUT: { x: 0, y: 0 } }));
    store.getState().undo();
    store.getState().execute(moveNodes({ OUTPUT: { x: 5, y: 5 } }));
    expect(store.getState().future).toEqual([]);
  });

  it('a failing command changes nothing and reports why', () => {
    const store = loaded();
    const before = store.getState().model;
    expect(store.getState().execute(addNode('HIDDEN', { type: 'TransferMechanism' }, { x: 0, y: 0 }))).toBe(false);
    expect(store.getState().model).toBe(before);
    expect(store.getState().past).toEqual([]);
    expect(store.getState().commandError).toMatch(/already exists/);
  });

  it('a drag is one undo step, committed on drop', () => {
    const store = loaded();
    store.getState().setDragging({ INPUT: { x: 5, y: 5 } });
    store.getState().setDragging({ INPUT: { x: 50, y: 60 } });
    expect(store.getState().past).toHaveLength(0);
    store.getState().commitDrag();
    expect(store.getState().past).toHaveLength(1);
    expect(store.getState().dragging).toEqual({});
    expect((store.getState().model.nodes.INPUT as { studio: { position: unknown } }).studio.position).toEqual({ x: 50, y: 60 });
  });

  it('deletes the selection (nodes and projections) as one command', () => {
    const store = loaded();
    store.getState().select({ nodes: ['OUTPUT'], edges: [projectionId(0)] });
    store.getState().deleteSelection();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['INPUT', 'HIDDEN']);
    expect(store.getState().model.projections).toEqual([]);
    expect(store.getState().selection).toEqual({ nodes: [], edges: [] });
    store.getState().undo();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT']);
  });

  it('undo and redo do not track the selection, and drop selected nodes that no longer exist', () => {
    const store = loaded();
    store.getState().execute(addNode('EXTRA', { type: 'ProcessingMechanism', size: 1 }, { x: 0, y: 0 }));
    store.getState().select({ nodes: ['EXTRA'], edges: [] });
    store.getState().undo();
    expect(store.getState().selection.nodes).toEqual([]);
  });

  it('is dirty after an edit and clean again when undone to the opened model', () => {
    const store = loaded();
    expect(isDirty(store.getState())).toBe(false);
    store.getState().execute(setNodeParameter('HIDDEN', 'integrator_mode', true));
    expect(isDirty(store.getState())).toBe(true);
    store.getState().undo();
    expect(isDirty(store.getState())).toBe(false);
  });

  it('loading a model starts a fresh history', () => {
    const store = loaded();
    store.getState().execute(moveNodes({ INPUT: { x: 1, y: 1 } }));
    store.getState().load(example('stroop'), { kind: 'example', name: 'stroop' });
    expect(store.getState().past).toEqual([]);
    expect(store.getState().future).toEqual([]);
  });
});

describe('derived React Flow nodes and edges', () => {
  it('has one node per model node and one edge per projection, with port handles', () => {
    const { nodes, edges } = derive(loaded());
    expect(nodes.map((n) => n.id)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT']);
    expect(nodes.map((n) => n.data.role)).toEqual(['input', 'hidden', 'output']);
    expect(nodes[1]!.data).toMatchObject({ mechanismType: 'TransferMechanism', functionType: 'Logistic', size: 3, outputPorts: ['RESULT'] });
    expect(edges).toMatchObject([
      { id: 'projection-0', source: 'INPUT', target: 'HIDDEN', sourceHandle: 'out:OutputPort-0', targetHandle: 'in:InputPort-0', label: '2×3' },
      { id: 'projection-1', source: 'HIDDEN', target: 'OUTPUT', sourceHandle: 'out:RESULT', label: '3×2' },
    ]);
  });

  it('carries no simulation data in node data', () => {
    for (const n of derive(loaded()).nodes) expect(Object.keys(n.data).sort()).toEqual(['functionType', 'inputPorts', 'mechanismType', 'name', 'outputPorts', 'role', 'size']);
  });

  it('reuses the node objects an edit did not touch', () => {
    const store = loaded();
    const deriver = createFlowDeriver();
    const before = derive(store, deriver).nodes;
    store.getState().execute(moveNodes({ OUTPUT: { x: 900, y: 0 } }));
    const after = derive(store, deriver).nodes;
    expect(after[0]).toBe(before[0]);
    expect(after[1]).toBe(before[1]);
    expect(after[2]).not.toBe(before[2]);
    expect(after[2]!.position).toEqual({ x: 900, y: 0 });
  });

  it('shows dragged positions and the selection', () => {
    const store = loaded();
    store.getState().setDragging({ HIDDEN: { x: 7, y: 8 } });
    store.getState().select({ nodes: ['HIDDEN'], edges: ['projection-1'] });
    const { nodes, edges } = derive(store);
    expect(nodes[1]).toMatchObject({ position: { x: 7, y: 8 }, selected: true });
    expect(edges[1]!.selected).toBe(true);
  });

  it('outlines the nodes that validation issues name', () => {
    const store = loaded();
    const { model, selection, dragging, measured } = store.getState();
    const { nodes } = createFlowDeriver()({ model, selection, dragging, measured, flagged: new Set(['HIDDEN']) });
    expect(nodes.map((n) => n.className ?? null)).toEqual([null, 'has-issue', null]);
  });

  it('names output ports as PsyNeuLink does', () => {
    expect(outputPortNames({ type: 'DDM' })).toEqual(['DECISION_VARIABLE', 'RESPONSE_TIME']);
    expect(outputPortNames({ type: 'ObjectiveMechanism' })).toEqual(['OUTCOME']);
    expect(outputPortNames({ type: 'IntegratorMechanism' })).toEqual(['OutputPort-0']);
  });

  it('draws a control projection dashed, onto the receiver’s parameter', () => {
    const model = connect({ sender: 'OUTPUT', receiver: 'HIDDEN', receiver_parameter: 'gain' }).apply(example('linear_chain'));
    const store = createModelStore(model);
    expect(derive(store).edges[2]).toMatchObject({ className: 'control-projection', label: 'gain' });
  });
});

describe('layout and run settings', () => {
  it('lays out a model without positions left to right along its projections', async () => {
    const model = example('linear_chain');
    expect(needsLayout(model)).toBe(true);
    const pos = await layoutModel(model);
    expect(pos.INPUT!.x).toBeLessThan(pos.HIDDEN!.x);
    expect(pos.HIDDEN!.x).toBeLessThan(pos.OUTPUT!.x);
    expect(needsLayout(moveNodes(pos).apply(model))).toBe(false);
  });

  it('takes the default trial count from run.num_trials, else the longest input list', () => {
    expect(defaultTrials(example('linear_chain'))).toBe(5);
    const m = example('linear_chain');
    delete (m.run as { num_trials?: number }).num_trials;
    (m.run as { inputs: Record<string, unknown[]> }).inputs.INPUT = [[1, 0], [0, 1], [1, 1]];
    expect(defaultTrials(m)).toBe(3);
  });

  it('the run store keeps streamed batches in trial order and ignores other runs’ events', () => {
    const run = createRunStore();
    run.setState({ runId: 'r1', status: 'running' });
    run.getState().receive({ type: 'accepted', runId: 'r1', mode: 'Auto', trials: 3, outputs: [{ node: 'OUT', port: 'RESULT', size: 1 }] });
    run.getState().receive({ type: 'trials', runId: 'r1', first: 0, results: [[[1]], [[2]]] });
    run.getState().receive({ type: 'trials', runId: 'other', first: 2, results: [[[99]]] });
    run.getState().receive({ type: 'trials', runId: 'r1', first: 2, results: [[[3]]] });
    run.getState().receive({ type: 'done', runId: 'r1', trials: 3, cancelled: false, timings: { build_ms: 0, compile_ms: 0, run_ms: 1, total_ms: 1, trials_per_s: 3000 } });
    expect(run.getState().results).toEqual([[[1]], [[2]], [[3]]]);
    expect(run.getState().status).toBe('done');
  });
});
