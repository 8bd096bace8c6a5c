/**
 * The editor's model logic behind the conditions editor, the inputs table, multi-select and
 * copy/paste: pure functions and store commands, checked against the shared schemas and the
 * engine's validator (a condition the editor makes must be one the engine accepts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelDocument } from '../shared/ipc/protocol.js';
import { CONDITION_TYPES, ConditionSchema } from '../shared/model/schema.js';
import { validateStructure } from '../src-main/model/validate-structure.js';
import { moveNodes, setCondition, setTermination, renameNode, setRunInputs } from '../src-renderer/store/commands.js';
import { createModelStore } from '../src-renderer/store/model-store.js';
import {
  argProblem,
  conditionArgs,
  conditionAt,
  conditionProblems,
  describeCondition,
  newCondition,
  replaceAt,
} from '../src-renderer/model/conditions.js';
import { columnNames, inputLayout, inputRows, inputShapeProblems, parseCsvRows, pasteBlock, rowsToInputs } from '../src-renderer/model/inputs.js';
import { extractFragment, fragmentText, parseFragment, pasteNames } from '../src-renderer/model/fragment.js';

const example = (name: string): ModelDocument => JSON.parse(readFileSync(join(import.meta.dirname, '..', 'examples', `${name}.cogmodel.json`), 'utf8'));

function loaded(name = 'linear_chain') {
  const store = createModelStore();
  store.getState().load(example(name), { kind: 'example', name });
  return store;
}

const NODES = ['INPUT', 'HIDDEN', 'OUTPUT'];

describe('conditions', () => {
  it('every condition type of the format gets a new condition that the schema and the engine accept', () => {
    for (const type of CONDITION_TYPES) {
      const cond = newCondition(type, NODES);
      expect(ConditionSchema.safeParse(cond).success, type).toBe(true);
      expect(conditionProblems(cond, NODES), type).toEqual([]);
      // as a node's condition it watches another node (with no dependencies, AllHaveRun & co. would wait for OUTPUT itself)
      const ofNode = { ...newCondition(type, ['HIDDEN']), ...(conditionArgs(type).some((a) => a.kind === 'nodes') ? { dependencies: ['HIDDEN'] } : {}) };
      const model = setTermination('trial', cond).apply(setCondition('OUTPUT', ofNode).apply(example('linear_chain')));
      expect(validateStructure(model), type).toEqual([]);
    }
  });

  it('knows each argument’s kind and whether it may be left out', () => {
    expect(conditionArgs('EveryNCalls').map((a) => [a.name, a.kind, a.optional])).toEqual([
      ['dependency', 'node', false],
      ['n', 'count', false],
    ]);
    expect(conditionArgs('AllHaveRun').map((a) => [a.name, a.kind, a.optional])).toEqual([
      ['dependencies', 'nodes', true],
      ['time_scale', 'timeScale', true],
    ]);
    expect(conditionArgs('Threshold').find((a) => a.name === 'comparator')?.kind).toBe('comparator');
    expect(conditionArgs('NWhen').map((a) => a.kind)).toEqual(['condition', 'count']);
    expect(conditionArgs('All').map((a) => a.kind)).toEqual(['conditions']);
  });

  it('keeps the arguments the new type shares when the type changes', () => {
    expect(newCondition('AfterNCalls', NODES, { type: 'EveryNCalls', dependency: 'HIDDEN', n: 3 })).toEqual({ type: 'AfterNCalls', dependency: 'HIDDEN', n: 3 });
    // n = 0 is fine for AtPass but not for EveryNPasses
    expect(newCondition('EveryNPasses', NODES, { type: 'AtPass', n: 0 })).toEqual({ type: 'EveryNPasses', n: 1 });
  });

  it('explains a bad argument in plain words', () => {
    expect(argProblem('EveryNCalls', 'n', 0)).toBe('must be at least 1');
    expect(argProblem('AtPass', 'n', 0)).toBeNull();
    expect(argProblem('AtPass', 'n', -1)).toBe('must be at least 0');
    expect(argProblem('AtPass', 'n', 1.5)).toBe('must be a whole number');
    expect(argProblem('Threshold', 'atol', -0.1)).toBe('must be at least 0');
    expect(argProblem('Threshold', 'threshold', -3.5)).toBeNull();
  });

  it('finds problems deep in a nested condition, and unknown nodes', () => {
    const cond = { type: 'All', conditions: [{ type: 'EveryNCalls', dependency: 'GONE', n: 1 }, { type: 'Not', condition: { type: 'AfterNPasses', n: -2 } }] };
    const problems = conditionProblems(cond, NODES);
    expect(problems).toContainEqual({ path: ['conditions', 0, 'dependency'], message: 'there is no node named GONE' });
    expect(problems).toContainEqual({ path: ['conditions', 1, 'condition', 'n'], message: 'must be at least 0' });
  });

  it('edits a nested condition at a path without touching the original', () => {
    const cond = { type: 'Any', conditions: [{ type: 'AfterNCalls', dependency: 'HIDDEN', n: 2 }, { type: 'Not', condition: { type: 'Always' } }] };
    const frozen = JSON.stringify(cond);
    const a = replaceAt(cond, ['conditions', 1, 'condition'], { type: 'JustRan', dependency: 'INPUT' });
    expect(conditionAt(a, ['conditions', 1, 'condition'])).toEqual({ type: 'JustRan', dependency: 'INPUT' });
    const b = replaceAt(a, ['conditions', 0], undefined);
    expect((b as { conditions: unknown[] }).conditions).toHaveLength(1);
    const c = replaceAt(b, ['conditions', 0, 'condition', 'dependency'], 'OUTPUT');
    expect(describeCondition(c)).toBe('Any(Not(JustRan(OUTPUT)))');
    expect(JSON.stringify(cond)).toBe(frozen);
    expect(describeCondition({ type: 'Threshold', dependency: 'A', threshold: 0.5, comparator: '>=' })).toBe('Threshold(A, threshold=0.5, comparator=>=)');
  });

  it('sets and removes termination per time scale as undoable commands', () => {
    const store = loaded();
    store.getState().execute(setTermination('trial', { type: 'AfterNPasses', n: 4 }));
    store.getState().execute(setTermination('run', { type: 'AfterNTrials', n: 2 }));
    expect((store.getState().model as { termination?: unknown }).termination).toEqual({ trial: { type: 'AfterNPasses', n: 4 }, run: { type: 'AfterNTrials', n: 2 } });
    store.getState().execute(setTermination('run', undefined));
    store.getState().execute(setTermination('trial', undefined));
    expect(store.getState().model).not.toHaveProperty('termination');
    store.getState().undo();
    store.getState().undo();
    expect((store.getState().model as { termination?: unknown }).termination).toEqual({ trial: { type: 'AfterNPasses', n: 4 }, run: { type: 'AfterNTrials', n: 2 } });
    expect(validateStructure(store.getState().model)).toEqual([]);
  });

  it('renaming a node renames it in dependencies lists too', () => {
    let model = setCondition('OUTPUT', { type: 'AllHaveRun', dependencies: ['INPUT', 'HIDDEN'] }).apply(example('linear_chain'));
    model = setTermination('trial', { type: 'WhenFinishedAny', dependencies: ['HIDDEN'] }).apply(model);
    model = renameNode('HIDDEN', 'H2').apply(model);
    expect((model.conditions as Record<string, unknown>).OUTPUT).toEqual({ type: 'AllHaveRun', dependencies: ['INPUT', 'H2'] });
    expect((model.termination as { trial: unknown }).trial).toEqual({ type: 'WhenFinishedAny', dependencies: ['H2'] });
  });
});

describe('inputs table', () => {
  const twoPorts = { type: 'ProcessingMechanism', input_ports: [{ name: 'a', size: 2 }, { size: 1 }] };

  it('lays out columns per input element, across ports', () => {
    expect(inputLayout({ type: 'TransferMechanism', size: 3 })).toEqual({ ports: [{ name: 'InputPort-0', size: 3 }], width: 3 });
    expect(columnNames(inputLayout({ type: 'TransferMechanism', size: 2 }))).toEqual(['x0', 'x1']);
    const layout = inputLayout(twoPorts);
    expect(layout.width).toBe(3);
    expect(columnNames(layout)).toEqual(['a[0]', 'a[1]', 'InputPort-1[0]']);
  });

  it('turns trial inputs into rows and back in the file’s form (flat, or one array per port)', () => {
    const layout = inputLayout(twoPorts);
    const inputs = [[[1, 2], [3]], [[4, 5], [6]]];
    expect(inputRows(inputs)).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(rowsToInputs([[1, 2, 3], [4, 5, 6]], layout)).toEqual(inputs);
    expect(rowsToInputs([[1, 2]], inputLayout({ type: 'TransferMechanism', size: 2 }))).toEqual([[1, 2]]);
  });

  it('checks the shape of each trial against the node', () => {
    const layout = inputLayout({ type: 'TransferMechanism', size: 2 });
    expect(inputShapeProblems('A', [[1, 2], [3]], layout)).toEqual(['trial 2 has 1 value(s), but A takes 2 (its input size)']);
    expect(inputShapeProblems('A', [[1, 'x']], layout)).toEqual(['trial 1, x1: "x" is not a number']);
    expect(inputShapeProblems('A', [[1, 2]], layout)).toEqual([]);
  });

  it('reads CSV (commas, semicolons, tabs; a header line is skipped) and names what is wrong', () => {
    expect(parseCsvRows('1, 2\n3;4\n\n5\t6\n', 2, 'A')).toEqual({ rows: [[1, 2], [3, 4], [5, 6]], skippedHeader: false });
    expect(parseCsvRows('x0,x1\n1,-2.5e-1', 2, 'A')).toEqual({ rows: [[1, -0.25]], skippedHeader: true });
    expect(parseCsvRows('1,2,3\n4,5', 2, 'A')).toEqual({ errors: ['line 1 has 3 value(s), but A takes 2 per trial (its input size)'] });
    expect(parseCsvRows('1,2\n4,abc', 2, 'A')).toEqual({ errors: ['line 2, column 2: "abc" is not a number'] });
    expect(parseCsvRows('  ', 2, 'A')).toEqual({ errors: ['the CSV text is empty'] });
  });

  it('pastes a block into the table at a cell, adding trials, and refuses one too wide', () => {
    expect(pasteBlock([[1, 2]], { row: 0, col: 1 }, [[9], [8]], 2)).toEqual([[1, 9], [0, 8]]);
    expect(pasteBlock([[1, 2]], { row: 0, col: 1 }, [[9, 9]], 2)).toEqual({ error: 'the pasted block is 2 column(s) wide, but from column 2 there is 1 column' });
  });

  it('an inputs edit is one undo step', () => {
    const store = loaded();
    const before = store.getState().model;
    store.getState().execute(setRunInputs('INPUT', [[1, 2], [3, 4]]));
    store.getState().undo();
    expect(store.getState().model).toBe(before);
  });
});

describe('multi-select, delete and move', () => {
  it('deletes several nodes and their projections in one undo step', () => {
    const store = loaded();
    store.getState().select({ nodes: ['INPUT', 'OUTPUT'], edges: [] });
    store.getState().deleteSelection();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['HIDDEN']);
    expect(store.getState().model.projections).toEqual([]);
    expect(store.getState().past.map((p) => p.label)).toEqual(['Delete INPUT, OUTPUT']);
    store.getState().undo();
    expect(store.getState().model).toEqual(example('linear_chain'));
  });

  it('moves several dragged nodes as one undo step', () => {
    const store = loaded();
    store.getState().setDragging({ INPUT: { x: 5, y: 5 } });
    store.getState().setDragging({ INPUT: { x: 10, y: 5 }, HIDDEN: { x: 300, y: 5 } });
    store.getState().commitDrag();
    expect(store.getState().past.map((p) => p.label)).toEqual(['Move 2 nodes']);
    store.getState().undo();
    expect(store.getState().model).toEqual(example('linear_chain'));
  });

  it('selects all nodes', () => {
    const store = loaded();
    store.getState().selectAll();
    expect(store.getState().selection.nodes).toEqual(NODES);
  });
});

describe('copy and paste', () => {
  it('copies the selected nodes with the projections between them and their conditions', () => {
    const model = setCondition('HIDDEN', { type: 'EveryNCalls', dependency: 'INPUT', n: 2 }).apply(example('linear_chain'));
    const f = extractFragment(model, ['INPUT', 'HIDDEN']);
    expect(Object.keys(f.nodes)).toEqual(['INPUT', 'HIDDEN']);
    expect(f.projections).toEqual([(model.projections as unknown[])[0]]);
    expect(f.conditions).toEqual({ HIDDEN: { type: 'EveryNCalls', dependency: 'INPUT', n: 2 } });
    expect(parseFragment(fragmentText(f))).toEqual({ fragment: f });
  });

  it('pastes under fresh unique names, at an offset, with renamed projections and conditions, as one undo step', () => {
    const store = loaded();
    store.getState().replaceQuietly(moveNodes({ INPUT: { x: 0, y: 0 }, HIDDEN: { x: 200, y: 10 }, OUTPUT: { x: 400, y: 0 } }).apply(store.getState().model));
    store.getState().execute(setCondition('HIDDEN', { type: 'EveryNCalls', dependency: 'INPUT', n: 2 }));
    store.getState().select({ nodes: ['INPUT', 'HIDDEN'], edges: [] });
    expect(store.getState().copySelection()).toContain('"HIDDEN"');
    const before = store.getState().model;
    expect(store.getState().paste()).toBeNull();
    const model = store.getState().model;
    expect(Object.keys(model.nodes)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT', 'INPUT-0', 'HIDDEN-0']);
    expect(store.getState().selection.nodes).toEqual(['INPUT-0', 'HIDDEN-0']);
    const pos = (n: string) => (model.nodes[n] as { studio: { position: { x: number; y: number } } }).studio.position;
    expect(pos('INPUT-0')).toEqual({ x: pos('INPUT').x + 40, y: pos('INPUT').y + 40 });
    expect((model.projections as { sender: string; receiver: string }[]).slice(-1)[0]).toMatchObject({ sender: 'INPUT-0', receiver: 'HIDDEN-0' });
    expect((model.conditions as Record<string, unknown>)['HIDDEN-0']).toEqual({ type: 'EveryNCalls', dependency: 'INPUT-0', n: 2 });
    expect(validateStructure(model)).toEqual([]);
    expect(store.getState().past.slice(-1)[0]!.label).toBe('Paste 2 nodes');
    // a second paste lands further on, under other names
    store.getState().paste();
    expect(Object.keys(store.getState().model.nodes).slice(-2)).toEqual(['INPUT-1', 'HIDDEN-1']);
    expect(pos('INPUT').x + 80).toBe((store.getState().model.nodes['INPUT-1'] as { studio: { position: { x: number } } }).studio.position.x);
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().model).toBe(before);
  });

  it('cut copies and deletes; paste then restores the nodes under their own names', () => {
    const store = loaded();
    store.getState().select({ nodes: ['OUTPUT'], edges: [] });
    store.getState().cutSelection();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['INPUT', 'HIDDEN']);
    store.getState().paste();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT']);
  });

  it('duplicates the selection next to it without touching the clipboard; with nothing copied, paste says so', () => {
    const store = loaded();
    expect(store.getState().paste()).toBe('Nothing to paste: copy some nodes first');
    expect(store.getState().commandError).toBe('Nothing to paste: copy some nodes first');
    store.getState().select({ nodes: ['HIDDEN', 'OUTPUT'], edges: [] });
    expect(store.getState().duplicateSelection()).toBeNull();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT', 'HIDDEN-0', 'OUTPUT-0']);
    expect(store.getState().selection.nodes).toEqual(['HIDDEN-0', 'OUTPUT-0']);
    expect(store.getState().clipboard).toBeNull();
    expect(store.getState().past.map((p) => p.label)).toEqual(['Paste 2 nodes']);
  });

  it('the clipboard survives opening another model', () => {
    const store = loaded();
    store.getState().select({ nodes: ['HIDDEN'], edges: [] });
    store.getState().copySelection();
    store.getState().load(example('stroop'), { kind: 'example', name: 'stroop' });
    expect(store.getState().paste()).toBeNull();
    expect(store.getState().model.nodes).toHaveProperty('HIDDEN');
  });

  it('refuses pasted text that is not a valid fragment, saying why, and changes nothing', () => {
    const store = loaded();
    const before = store.getState().model;
    expect(store.getState().paste('hello')).toMatch(/not CogStudio model JSON/);
    expect(store.getState().paste('{"a": 1}')).toMatch(/no "nodes" object/);
    expect(store.getState().paste('{"nodes": {"X": {"type": "Blender"}}}')).toMatch(/node X: type: unknown mechanism type "Blender"/);
    expect(store.getState().paste('{"nodes": {"X": {"type": "DDM"}}, "projections": [{"sender": "X", "receiver": "Y"}]}')).toMatch(/projection 1: Y is not one of the pasted nodes/);
    expect(store.getState().paste('{"nodes": {"X": {"type": "DDM"}}, "conditions": {"X": {"type": "EveryNCalls", "dependency": "X", "n": 0}}}')).toMatch(/condition of X: n: /);
    expect(store.getState().paste('{"format": "other", "nodes": {}}')).toMatch(/format "other"/);
    expect(store.getState().commandError).toMatch(/format "other"/);
    const deep = `${'{"type": "Not", "condition": '.repeat(5000)}{"type": "Always"}${'}'.repeat(5000)}`;
    expect(store.getState().paste(`{"nodes": {"X": {"type": "DDM"}}, "conditions": {"X": ${deep}}}`)).toMatch(/nested more than 100 levels deep/);
    expect(store.getState().model).toBe(before);
    expect(store.getState().past).toEqual([]);
  });

  it('accepts a whole model file pasted from outside', () => {
    const store = loaded();
    expect(store.getState().paste(JSON.stringify(example('linear_chain')))).toBeNull();
    expect(Object.keys(store.getState().model.nodes)).toEqual(['INPUT', 'HIDDEN', 'OUTPUT', 'INPUT-0', 'HIDDEN-0', 'OUTPUT-0']);
    expect(validateStructure(store.getState().model)).toEqual([]);
  });

  it('fresh names skip every taken name, numbered names continue their base', () => {
    expect(pasteNames(['A', 'A-0', 'Processing-0'], ['A', 'B', 'Processing-0'])).toEqual({ A: 'A-1', B: 'B', 'Processing-0': 'Processing-1' });
  });
});
