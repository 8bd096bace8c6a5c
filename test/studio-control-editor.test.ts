/**
 * The Inspector's control-signal editor (src-renderer/panels/ControlSignals.tsx): its commands and
 * helpers, checked against the engine (a model the editor makes must be one the engine builds and
 * runs, with the numbers of the same model written by hand).
 */
import { describe, expect, it } from 'vitest';
import type { ModelDocument } from '../shared/ipc/protocol.js';
import { buildComposition } from '../src-main/engine/composition.js';
import { runModel } from '../src-main/runtime/run-model.js';
import { componentCatalog } from '../src-main/web-host/catalog.js';
import { controlSignals, signalProjections, type NodeSpec } from '../src-renderer/model/document.js';
import { controllableParameters, gridSummary, parseSamples } from '../src-renderer/panels/ControlSignals.js';
import { addControlSignal, addControlTarget, deleteElements, removeControlSignal, updateControlSignal, type Command } from '../src-renderer/store/commands.js';
import { model, modelError, type Json } from './ocm-models.js';

const doc = (m: Json) => m as unknown as ModelDocument;
const apply = (m: Json, ...cmds: Command[]): Json => cmds.reduce((d, c) => c.apply(d), doc(m)) as unknown as Json;
const results = (m: Json) => runModel({ model: m as never, mode: 'Interpreted' }).results;
const targetsOf = (m: Json, i: number) => signalProjections(doc(m), 'OCM', i).map((t) => `${t.projection.receiver}.${t.projection.receiver_parameter}`);

describe('control-signal commands', () => {
  it('renaming a signal renames it in the projections that carry it; the model runs as before', () => {
    const before = model();
    const after = apply(before, updateControlSignal('OCM', 0, { name: 'gain_of_A' }));
    expect(controlSignals(doc(after).nodes['OCM'] as NodeSpec).map((s) => s.name)).toEqual(['gain_of_A', 'shift']);
    expect(targetsOf(after, 0)).toEqual(['A.slope']);
    expect(results(after)).toEqual(results(before));
    // the input is never mutated
    expect((before.nodes as Json & { OCM: { control_signals: { name: string }[] } }).OCM.control_signals[0]!.name).toBe('slope');
  });

  it('edits samples, default allocation and costs; an undefined value removes the key', () => {
    const m = apply(model(), updateControlSignal('OCM', 1, { allocation_samples: [0, 1], default_allocation: undefined, cost_options: ['INTENSITY'] }));
    const signal = controlSignals(doc(m).nodes['OCM'] as NodeSpec)[1]!;
    expect(signal).toEqual({ name: 'shift', allocation_samples: [0, 1], modulation: 'ADDITIVE', cost_options: ['INTENSITY'] });
    expect(() => buildComposition(m as never)).not.toThrow();
  });

  it('a signal added beside a single one that its projections did not name: they now name it, and the engine accepts both', () => {
    const one = model({
      signals: [{ name: 'slope', allocation_samples: [0.5, 1, 2] }],
      projections: [
        { sender: 'A', receiver: 'B' },
        { sender: 'B', receiver: 'OBJ', receiver_port: 'B' },
        { sender: 'OCM', receiver: 'A', receiver_parameter: 'slope' },
      ],
    });
    const two = apply(one, addControlSignal('OCM', true));
    const signals = controlSignals(doc(two).nodes['OCM'] as NodeSpec);
    expect(signals).toEqual([{ name: 'slope', allocation_samples: [0.5, 1, 2] }, { name: 'signal-0', allocation_samples: [1] }]);
    expect(targetsOf(two, 0)).toEqual(['A.slope']);
    expect(targetsOf(two, 1)).toEqual([]);
    // a signal that controls nothing, sampling 1 (×1 on nothing): the same numbers
    expect(results(two)).toEqual(results(one));
    const three = apply(two, addControlTarget('OCM', 'signal-0', 'B', 'intercept'), updateControlSignal('OCM', 1, { allocation_samples: [-1, 0, 1], modulation: 'ADDITIVE', default_allocation: 0 }));
    expect(targetsOf(three, 1)).toEqual(['B.intercept']);
    const byHand = model({ signals: [{ name: 'slope', allocation_samples: [0.5, 1, 2] }, { name: 'shift', allocation_samples: [-1, 0, 1], modulation: 'ADDITIVE', default_allocation: 0 }] });
    expect(results(three)).toEqual(results(byHand));
  });

  it('removing a signal removes the projections that carry it; removing a target removes its projection', () => {
    const m = apply(model(), removeControlSignal('OCM', 1));
    expect(controlSignals(doc(m).nodes['OCM'] as NodeSpec).map((s) => s.name)).toEqual(['slope']);
    expect((m.projections as Json[]).filter((p) => p.receiver_parameter)).toEqual([{ sender: 'OCM', sender_port: 'slope', receiver: 'A', receiver_parameter: 'slope' }]);
    expect(() => buildComposition(m as never)).not.toThrow();
    const target = signalProjections(doc(m), 'OCM', 0)[0]!.index;
    const none = apply(m, deleteElements([], [target]));
    expect(targetsOf(none, 0)).toEqual([]);
  });

  it('removing the last signal leaves a model the engine refuses with a message naming the controller', () => {
    const m = apply(model(), removeControlSignal('OCM', 1), removeControlSignal('OCM', 0));
    expect(modelError(m).message).toMatch(/OCM needs at least one control signal/);
  });
});

describe('control-signal helpers', () => {
  it('offers, for a node, exactly the parameters the engine lets control set', () => {
    const catalog = componentCatalog();
    const m = model();
    const a = controllableParameters(catalog, doc(m).nodes['A'] as NodeSpec);
    expect(a).toContain('slope');
    expect(a).toContain('intercept');
    expect(a).not.toContain('seed');
    for (const param of a) {
      const one = apply(m, addControlTarget('OCM', 'slope', 'B', param), updateControlSignal('OCM', 0, { modulation: 'OVERRIDE' }));
      expect(() => buildComposition(one as never), param).not.toThrow();
    }
  });

  it('sums up the grid a trial simulates', () => {
    const signals = controlSignals(doc(model()).nodes['OCM'] as NodeSpec);
    expect(gridSummary(signals, undefined)).toBe('Grid: 4 × 3 = 12 allocations, each simulated every trial');
    expect(gridSummary(signals, 3)).toBe('Grid: 4 × 3 = 12 allocations × 3 estimates = 36 simulations a trial');
    expect(gridSummary([{ name: 'a', allocation_samples: [1] }], undefined)).toBe('Grid: 1 allocation, each simulated every trial');
    expect(gridSummary([...signals, { name: 'b' }], undefined)).toBeNull();
  });

  it('reads allocation samples typed as a list', () => {
    expect(parseSamples('0.5, 1, 2')).toEqual([0.5, 1, 2]);
    expect(parseSamples('[0.5,1 , 2]')).toEqual([0.5, 1, 2]);
    expect(parseSamples('-1 0 1e-3')).toEqual([-1, 0, 0.001]);
    expect(parseSamples('1, two')).toBeNull();
    expect(parseSamples('  ')).toBeNull();
  });
});
