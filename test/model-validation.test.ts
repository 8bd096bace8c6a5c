/**
 * The model file contract (docs/model-format.md, version 1): what is accepted, and what is refused
 * with an issue that names the JSON path, the node and the parameter. Fixtures are the public
 * reference models (read from ../shared), changed one thing at a time.
 */
import { describe, expect, it } from 'vitest';
import type { ModelIssue } from '../src-main/model/errors.js';
import { ModelError } from '../src-main/model/errors.js';
import { parseModelText } from '../src-main/model/load.js';
import { validateStructure } from '../src-main/model/validate-structure.js';
import { CONDITION_TYPES, FUNCTION_TYPES, MECHANISM_TYPES, ModelFileSchema } from '../shared/model/schema.js';
import { readReferenceJson, referenceCaseFiles } from './shared-files.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh, mutable copy of a public reference model. */
function reference(file: string): Json {
  return structuredClone(readReferenceJson<{ model: Json }>(file).model);
}

/** The issue at `path`; fails the test, listing what was reported, when there is none. */
function issueAt(issues: ModelIssue[], path: string): ModelIssue {
  const found = issues.find((i) => i.path === path);
  if (!found) throw new Error(`no issue at ${path}; issues:\n${issues.map((i) => `  ${i.path}: ${i.message}`).join('\n')}`);
  return found;
}

function parseError(text: string): ModelError {
  try {
    parseModelText(text, 'test.cogmodel.json');
  } catch (e) {
    if (e instanceof ModelError) return e;
    throw e;
  }
  throw new Error('the text was accepted');
}

describe('reference models', () => {
  it.each(referenceCaseFiles())('%s validates with no issues', (file) => {
    expect(validateStructure(reference(file))).toEqual([]);
    expect(ModelFileSchema.safeParse(reference(file)).success).toBe(true);
  });

  it('the vocabulary lists match model-format.md', () => {
    expect(MECHANISM_TYPES).toHaveLength(9);
    expect(FUNCTION_TYPES).toHaveLength(28);
    expect(CONDITION_TYPES).toHaveLength(31);
    expect(FUNCTION_TYPES).toContain('UserDefinedFunction');
    expect(CONDITION_TYPES).toContain('AfterNCallsCombined');
  });
});

describe('all problems at once', () => {
  it('several errors in one file are all reported', () => {
    const m = reference('c_stroop_botvinick.json');
    m.nodes.COLORS_HIDDEN.size = 'three';
    m.nodes.TASK_INPUT.type = 'TransferMechanizm';
    m.projections[2].receiver = 'RESPONSE_LAYER';
    m.conditions = { WORDS_HIDDEN: { type: 'EveryNCalls', dependency: 'WORDS', n: 1 } };
    m.run.num_trials = 0;
    const issues = validateStructure(m);
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'nodes.COLORS_HIDDEN.size',
        'nodes.TASK_INPUT.type',
        'projections[2].receiver',
        'conditions.WORDS_HIDDEN.dependency',
        'run.num_trials',
      ]),
    );
  });

  it('parseModelText throws one ModelError carrying every issue and the file name', () => {
    const m = reference('a_linear_chain.json');
    m.nodes.IN.size = 0;
    m.projections[0].sender = 'NOWHERE';
    const e = parseError(JSON.stringify(m));
    expect(e.file).toBe('test.cogmodel.json');
    expect(e.issues.map((i) => i.path)).toEqual(expect.arrayContaining(['nodes.IN.size', 'projections[0].sender']));
    expect(e.message).toContain('test.cogmodel.json');
  });

  it('a valid text parses to the model', () => {
    const m = reference('j_udf.json');
    expect(parseModelText(JSON.stringify(m)).model).toEqual(m);
  });
});

describe('top level', () => {
  it('a newer format version is refused with the specific message', () => {
    const m = reference('a_linear_chain.json');
    m.version = 2;
    m.nodes.IN.something_new = { type: 'FutureFunction' };
    const issues = validateStructure(m);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('version');
    expect(issues[0]!.message).toBe('this file was written by a newer CogStudio (format version 2); this version reads version 1');
    expect(parseError(JSON.stringify(m)).message).toContain('newer CogStudio (format version 2)');
  });

  it('a version that is not 1 (and not newer) is refused', () => {
    const m = reference('a_linear_chain.json');
    m.version = 0;
    expect(issueAt(validateStructure(m), 'version').message).toContain('must be 1');
  });

  it('a file of another format is refused', () => {
    const m = reference('a_linear_chain.json');
    m.format = 'psyneulink-json';
    expect(issueAt(validateStructure(m), 'format').message).toContain('"format": "cogstudio-model"');
  });

  it('something other than an object is refused', () => {
    expect(validateStructure([1, 2])[0]!.message).toBe('a model file is a JSON object');
    expect(validateStructure(null)[0]!.path).toBe('');
  });

  it('an unknown top-level key is refused, listing the known ones', () => {
    const m = reference('a_linear_chain.json');
    m.layout = {};
    const i = issueAt(validateStructure(m), 'layout');
    expect(i.message).toContain('unknown key "layout"');
    expect(i.expected).toContain('studio');
  });

  it('studio data is free-form, at the top level and in nodes and projections', () => {
    const m = reference('a_linear_chain.json');
    m.studio = { layout: { IN: [0, 0] }, notes: 'anything', deep: { a: [{ b: null }] } };
    m.nodes.IN.studio = { x: 10, y: 20 };
    m.projections[0].studio = { color: '#f00' };
    expect(validateStructure(m)).toEqual([]);
  });

  it('a missing nodes object is reported', () => {
    const m = reference('a_linear_chain.json');
    delete m.nodes;
    expect(issueAt(validateStructure(m), 'nodes').message).toContain('missing');
  });

  it('num_trials must be a positive whole number', () => {
    for (const bad of [0, -3, 1.5, '10']) {
      const m = reference('a_linear_chain.json');
      m.run.num_trials = bad;
      const i = issueAt(validateStructure(m), 'run.num_trials');
      expect(i.message).toMatch(/num_trials|number/);
    }
  });

  it('a seed must be an unsigned 32-bit integer', () => {
    const m = reference('d_ddm_analytical.json');
    m.seed = -1;
    m.nodes.DDM.seed = 2 ** 32;
    const issues = validateStructure(m);
    expect(issueAt(issues, 'seed').message).toContain('negative');
    expect(issueAt(issues, 'nodes.DDM.seed').message).toContain('2^32');
  });
});

describe('nodes', () => {
  it('an unknown mechanism type names the node and lists the known types', () => {
    const m = reference('a_linear_chain.json');
    m.nodes.OUT.type = 'TransferMech';
    const i = issueAt(validateStructure(m), 'nodes.OUT.type');
    expect(i.node).toBe('OUT');
    expect(i.message).toContain('unknown mechanism type "TransferMech"');
    expect(i.expected).toContain('RecurrentTransferMechanism');
  });

  it('an unknown function type is an error listing the known ones, never an identity', () => {
    const m = reference('c_stroop_botvinick.json');
    m.nodes.RESPONSE.output_ports[1].function.type = 'Stabilty';
    const i = issueAt(validateStructure(m), 'nodes.RESPONSE.output_ports[1].function.type');
    expect(i.message).toContain('unknown function type "Stabilty"');
    expect(i.expected).toContain('Stability');
  });

  it('function objects inside parameters are type-checked (noise, *_function)', () => {
    const m = reference('f_lca_noisy.json');
    m.nodes.LCA.noise.type = 'GaussianNoise';
    m.nodes.LCA.integrator_function = { type: 'Nope' };
    const issues = validateStructure(m);
    expect(issueAt(issues, 'nodes.LCA.noise.type').message).toContain('unknown function type "GaussianNoise"');
    expect(issueAt(issues, 'nodes.LCA.integrator_function.type').message).toContain('unknown function type "Nope"');
  });

  it('a parameter of the wrong type names the node and the parameter', () => {
    const m = reference('c_stroop_botvinick.json');
    m.nodes.COLORS_HIDDEN.function.x_0 = 'three';
    m.nodes.COLORS_HIDDEN.size = '3';
    const issues = validateStructure(m);
    const size = issueAt(issues, 'nodes.COLORS_HIDDEN.size');
    expect(size).toMatchObject({ node: 'COLORS_HIDDEN', parameter: 'size', expected: 'a number', found: '"3"' });
    expect(size.message).toContain('node "COLORS_HIDDEN"');
  });

  it('mechanism and function parameters otherwise pass through to the component declarations', () => {
    const m = reference('a_linear_chain.json');
    m.nodes.OUT.integrator_mode = true;
    m.nodes.OUT.some_future_parameter = [1, 2, 3];
    m.nodes.OUT.function.another = { nested: 'ok' };
    expect(validateStructure(m)).toEqual([]);
  });

  it('NaN and Infinity are refused wherever they appear', () => {
    const m = reference('c_stroop_botvinick.json');
    m.nodes.COLORS_HIDDEN.function.x_0 = NaN;
    m.nodes.COLORS_HIDDEN.unknown_param = [1, Infinity];
    m.projections[0].matrix[0][1] = -Infinity;
    m.run.inputs.COLORS_INPUT[2][0] = NaN;
    const issues = validateStructure(m);
    for (const path of [
      'nodes.COLORS_HIDDEN.function.x_0',
      'nodes.COLORS_HIDDEN.unknown_param[1]',
      'projections[0].matrix[0][1]',
      'run.inputs.COLORS_INPUT[2][0]',
    ]) {
      expect(issueAt(issues, path).expected).toBe('a finite number');
    }
    expect(issues.filter((i) => i.path === 'nodes.COLORS_HIDDEN.function.x_0')).toHaveLength(1);
  });

  it('a 10^9 size is refused with a limit message', () => {
    const m = reference('a_linear_chain.json');
    m.nodes.OUT.size = 1e9;
    const i = issueAt(validateStructure(m), 'nodes.OUT.size');
    expect(i.message).toContain('over the limit of 1,000,000');
  });

  it('sizes must be whole numbers of at least 1, in size and in input_ports', () => {
    const m = reference('a_linear_chain.json');
    m.nodes.IN.size = 0;
    delete m.nodes.OUT.size;
    m.nodes.OUT.input_ports = [{ name: 'InputPort-0', size: 2.5 }];
    const issues = validateStructure(m);
    expect(issueAt(issues, 'nodes.IN.size').message).toContain('at least 1');
    expect(issueAt(issues, 'nodes.OUT.input_ports[0].size').message).toContain('whole number');
  });

  it('size and input_ports that disagree are reported', () => {
    const m = reference('a_linear_chain.json');
    m.nodes.OUT.input_ports = [{ name: 'InputPort-0', size: 4 }];
    expect(issueAt(validateStructure(m), 'nodes.OUT.size').message).toContain('size 3 but its input port has size 4');
  });

  it('node names must be non-empty and at most 200 characters', () => {
    const m = reference('a_linear_chain.json');
    m.nodes[''] = { type: 'ProcessingMechanism' };
    m.nodes['N'.repeat(201)] = { type: 'ProcessingMechanism' };
    const issues = validateStructure(m);
    expect(issueAt(issues, 'nodes[""]').message).toContain('cannot be empty');
    const long = issues.find((i) => i.message.includes('at most 200 characters'));
    expect(long?.path.length).toBeLessThan(100);
  });

  it('node names with control characters, "__proto__" or a plain whole number are refused', () => {
    const m = reference('a_linear_chain.json');
    m.nodes['A\nB'] = { type: 'ProcessingMechanism' };
    m.nodes['7'] = { type: 'ProcessingMechanism' };
    const issues = validateStructure(m);
    expect(issueAt(issues, 'nodes["A\\nB"]').message).toContain('control characters');
    expect(issueAt(issues, 'nodes["7"]').message).toContain('whole number');
    const withProto = reference('a_linear_chain.json');
    withProto.nodes = JSON.parse('{"__proto__": {"type": "ProcessingMechanism"}}');
    expect(issueAt(validateStructure(withProto), 'nodes.__proto__').message).toContain('"__proto__" is reserved');
  });

  it('unicode node names are fine', () => {
    const m = reference('a_linear_chain.json');
    m.nodes = { 'Eingabe-ü': m.nodes.IN, 'выход 出力': m.nodes.OUT };
    m.projections[0].sender = 'Eingabe-ü';
    m.projections[0].receiver = 'выход 出力';
    m.run.inputs = { 'Eingabe-ü': m.run.inputs.IN };
    expect(validateStructure(m)).toEqual([]);
  });

  it('two ports of one node with the same name are reported', () => {
    const m = reference('d_ddm_analytical.json');
    m.nodes.DDM.output_ports[3].name = 'RESPONSE_TIME';
    expect(issueAt(validateStructure(m), 'nodes.DDM.output_ports[3]').message).toContain('two output ports named "RESPONSE_TIME"');
  });

  it('a DDM takes only a drift diffusion function', () => {
    const m = reference('d_ddm_analytical.json');
    m.nodes.DDM.function = { type: 'Logistic' };
    const i = issueAt(validateStructure(m), 'nodes.DDM.function.type');
    expect(i.message).toContain('DriftDiffusionAnalytical or DriftDiffusionIntegrator');
  });

  it("an OptimizationControlMechanism's objective_mechanism must be an ObjectiveMechanism node", () => {
    const m = reference('i_ocm_gridsearch.json');
    m.nodes.OCM.objective_mechanism = 'Decision';
    expect(issueAt(validateStructure(m), 'nodes.OCM.objective_mechanism').message).toContain('is a DDM, not an ObjectiveMechanism');
  });

  it('state features naming unknown nodes are reported', () => {
    const m = reference('i_ocm_gridsearch.json');
    m.nodes.OCM.state_features = ['reward', 'Inputt'];
    expect(issueAt(validateStructure(m), 'nodes.OCM.state_features[1]').message).toContain('"Inputt"');
  });

  it('condition-valued parameters (reset_stateful_function_when) are checked as conditions', () => {
    const m = reference('f_lca.json');
    m.nodes.LCA.reset_stateful_function_when = { type: 'AtTrialStartt' };
    const i = issueAt(validateStructure(m), 'nodes.LCA.reset_stateful_function_when.type');
    expect(i.message).toContain('unknown condition type "AtTrialStartt"');
    m.nodes.LCA.reset_stateful_function_when = { type: 'AtNCalls', dependency: 'GHOST', n: 1 };
    expect(issueAt(validateStructure(m), 'nodes.LCA.reset_stateful_function_when.dependency').message).toContain('"GHOST"');
  });
});

describe('projections', () => {
  it('a projection from or to an unknown node names the projection and the node', () => {
    const m = reference('c_stroop_botvinick.json');
    m.projections[0].sender = 'TASK';
    m.projections[1].receiver = 'COLOURS_HIDDEN';
    const issues = validateStructure(m);
    const s = issueAt(issues, 'projections[0].sender');
    expect(s.message).toContain('projection 0');
    expect(s.message).toContain('"TASK"');
    expect(s.expected).toContain('"TASK_INPUT"');
    expect(issueAt(issues, 'projections[1].receiver').message).toContain('"COLOURS_HIDDEN"');
  });

  it('a missing sender is reported', () => {
    const m = reference('a_linear_chain.json');
    delete m.projections[0].sender;
    expect(issueAt(validateStructure(m), 'projections[0].sender').message).toContain('missing');
  });

  it('an unknown sender_port or receiver_port is reported where ports are declared', () => {
    const m = reference('i_ocm_gridsearch.json');
    m.projections[2].sender_port = 'PROBABILITY_UPPER';
    m.projections[3].receiver_port = 'RT';
    const issues = validateStructure(m);
    const s = issueAt(issues, 'projections[2].sender_port');
    expect(s.message).toContain('node "Decision" has no output port named "PROBABILITY_UPPER"');
    expect(s.expected).toContain('"PROBABILITY_UPPER_THRESHOLD"');
    expect(issueAt(issues, 'projections[3].receiver_port').message).toContain('node "OBJ" has no input port named "RT"');
  });

  it('ports are not checked where the node declares none', () => {
    const m = reference('g_recurrent.json');
    m.projections[0].sender_port = 'RESULT';
    m.projections[0].receiver_port = 'InputPort-0';
    expect(validateStructure(m)).toEqual([]);
  });

  it('duplicate projections are allowed (they sum)', () => {
    const m = reference('a_linear_chain.json');
    m.projections.push(structuredClone(m.projections[0]));
    expect(validateStructure(m)).toEqual([]);
  });

  it("a projection into one of a node's declared input ports is allowed", () => {
    const m = reference('a_linear_chain.json');
    delete m.nodes.OUT.size;
    m.nodes.OUT.input_ports = [
      { name: 'A', size: 3 },
      { name: 'B', size: 2 },
    ];
    m.projections[0].receiver_port = 'B';
    m.projections[0].matrix = [
      [1, 0],
      [0, 1],
    ];
    expect(validateStructure(m)).toEqual([]);
  });

  it('a control projection needs a control mechanism sender and carries no matrix', () => {
    const m = reference('i_ocm_gridsearch_model_based_after.json');
    m.projections[2].matrix = [[1]];
    m.projections.push({ sender: 'B', receiver: 'A', receiver_parameter: 'intercept' });
    const issues = validateStructure(m);
    expect(issueAt(issues, 'projections[2].matrix').message).toContain('carries no matrix');
    expect(issueAt(issues, 'projections[3].sender').message).toContain('is a ProcessingMechanism');
  });

  it('a control projection must name one of the control signals', () => {
    const m = reference('i_ocm_gridsearch.json');
    m.projections[4].sender_port = 'drift_signal';
    expect(issueAt(validateStructure(m), 'projections[4].sender_port').message).toContain('no control signal named "drift_signal"');
  });

  it('a matrix whose shape does not fit the sender and receiver sizes is reported', () => {
    const m = reference('a_linear_chain.json');
    m.projections[0].matrix = [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ];
    const rows = issueAt(validateStructure(m), 'projections[0].matrix');
    expect(rows.message).toContain('3 rows but the sender "IN" sends 2 values');
    expect(rows.expected).toContain('2 × 3');
    m.projections[0].matrix = [
      [1, 2],
      [3, 4],
    ];
    expect(issueAt(validateStructure(m), 'projections[0].matrix').message).toContain('2 columns but input port "InputPort-0" of "OUT" takes 3 values');
  });

  it('a matrix shape is not checked when a size is not known from the file', () => {
    const m = reference('j_udf.json');
    m.projections[1].matrix = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(validateStructure(m)).toEqual([]);
  });

  it('a ragged matrix is reported', () => {
    const m = reference('a_linear_chain.json');
    m.projections[0].matrix = [[1, 2, 3], [4]];
    expect(issueAt(validateStructure(m), 'projections[0].matrix[1]').message).toContain('row 1 has 1 value but row 0 has 3');
  });

  it('a matrix of the wrong kind is reported with the accepted forms', () => {
    const m = reference('a_linear_chain.json');
    m.projections[0].matrix = 'RANDOM';
    expect(issueAt(validateStructure(m), 'projections[0].matrix').message).toContain('IDENTITY_MATRIX');
    m.projections[0].matrix = [[1, 'x', 3], [4, 5, 6]];
    expect(issueAt(validateStructure(m), 'projections[0].matrix[0][1]').message).toContain('must be a number');
  });

  it('IDENTITY_MATRIX and number matrices need equal sizes', () => {
    const m = reference('a_linear_chain.json');
    m.projections[0].matrix = 'IDENTITY_MATRIX';
    expect(issueAt(validateStructure(m), 'projections[0].matrix').message).toContain('needs equal sizes');
    m.projections[0].matrix = 'FULL_CONNECTIVITY_MATRIX';
    expect(validateStructure(m)).toEqual([]);
  });
});

describe('conditions', () => {
  it('an unknown condition type is an error listing the known ones', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.B.type = 'EveryNCall';
    const i = issueAt(validateStructure(m), 'conditions.B.type');
    expect(i.node).toBe('B');
    expect(i.message).toContain('unknown condition type "EveryNCall"');
    expect(i.expected).toContain('EveryNCalls');
  });

  it('every condition type of the format is accepted with its arguments', () => {
    const m = reference('h_scheduler_test_1.json');
    const examples = [
      { type: 'Always' },
      { type: 'Never' },
      { type: 'All', conditions: [{ type: 'AtPass', n: 0 }] },
      { type: 'Any', conditions: [] },
      { type: 'Not', condition: { type: 'AtTrialStart' } },
      { type: 'NWhen', condition: { type: 'AfterPass', n: 1 }, n: 2 },
      { type: 'BeforePass', n: 2 },
      { type: 'AfterNPasses', n: 1 },
      { type: 'EveryNPasses', n: 2 },
      { type: 'AtTrial', n: 0 },
      { type: 'BeforeTrial', n: 3 },
      { type: 'AfterTrial', n: 1 },
      { type: 'AfterNTrials', n: 1 },
      { type: 'AtRun', n: 0 },
      { type: 'BeforeNCalls', dependency: 'A', n: 2, time_scale: 'PASS' },
      { type: 'AtNCalls', dependency: 'A', n: 1, time_scale: 'LIFE' },
      { type: 'AfterCall', dependency: 'A', n: 1 },
      { type: 'AfterNCallsCombined', dependencies: ['A', 'B'], n: 3 },
      { type: 'JustRan', dependency: 'A' },
      { type: 'AllHaveRun', dependencies: ['A'], time_scale: 'RUN' },
      { type: 'WhenFinished', dependency: 'A' },
      { type: 'WhenFinishedAny', dependencies: ['A'] },
      { type: 'WhenFinishedAll' },
      { type: 'Threshold', dependency: 'A', parameter: 'value', threshold: 0.5, comparator: '>=', indices: [0], atol: 0, rtol: 1e-6 },
      { type: 'TimeInterval', start: 1, end: 10, repeat: 2, start_inclusive: true, end_inclusive: false },
      { type: 'TimeTermination', t: 5, inclusive: true },
    ];
    for (const c of examples) {
      m.conditions.C = c;
      expect([c.type, validateStructure(m)]).toEqual([c.type, []]);
    }
  });

  it('a condition with an argument it does not take is refused, listing its arguments', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.B = { type: 'EveryNCalls', dependency: 'A', n: 3, time_scale: 'TRIAL' };
    const i = issueAt(validateStructure(m), 'conditions.B.time_scale');
    expect(i.message).toContain('unknown key "time_scale"');
    expect(i.expected).toBe('one of dependency, n');
  });

  it('a condition missing an argument is refused', () => {
    const m = reference('h_scheduler_test_1.json');
    delete m.conditions.C.n;
    expect(issueAt(validateStructure(m), 'conditions.C.n').message).toContain('missing');
  });

  it('nested conditions (All, Any, Not, NWhen) are checked at every level', () => {
    const m = reference('h_scheduler_custom_atpass_any_all.json');
    m.conditions.C.conditions[1].condition = { type: 'NWhen', condition: { type: 'AtPas', n: 3 }, n: 1 };
    const i = issueAt(validateStructure(m), 'conditions.C.conditions[1].condition.condition.type');
    expect(i.message).toContain('unknown condition type "AtPas"');
  });

  it('EveryNCalls and EveryNPasses need n of at least 1', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.B.n = 0;
    expect(issueAt(validateStructure(m), 'conditions.B.n').expected).toContain('at least 1');
  });

  it('conditions keyed by unknown nodes are reported', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.D = { type: 'Always' };
    const i = issueAt(validateStructure(m), 'conditions.D');
    expect(i.message).toContain('condition for "D", but no node of that name');
  });

  it('conditions and termination naming unknown nodes are reported at the dependency', () => {
    const m = reference('h_scheduler_custom_atpass_any_all.json');
    m.conditions.B.conditions[1].dependency = 'AA';
    m.termination.trial = { type: 'AfterNCallsCombined', dependencies: ['C', 'CC'], n: 2 };
    const issues = validateStructure(m);
    expect(issueAt(issues, 'conditions.B.conditions[1].dependency').message).toContain('"AA"');
    expect(issueAt(issues, 'termination.trial.dependencies[1]').message).toContain('the trial termination condition names "CC"');
  });

  it('conditions that wait for each other in a cycle are reported, naming the nodes', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.A = { type: 'EveryNCalls', dependency: 'B', n: 1 };
    m.conditions.B = { type: 'EveryNCalls', dependency: 'A', n: 1 };
    const i = issueAt(validateStructure(m), 'conditions.A');
    expect(i.message).toContain('nodes "A", "B" wait for each other in a cycle');
    expect(i.message).not.toContain('"C"');
  });

  it('a cycle through a default condition is reported', () => {
    const m = reference('h_scheduler_test_1.json');
    // B keeps its default, EveryNCalls(A); A now waits for B.
    m.conditions = { A: { type: 'AfterNCalls', dependency: 'B', n: 1, time_scale: 'LIFE' } };
    const i = issueAt(validateStructure(m), 'conditions.A');
    expect(i.message).toContain('"B" waits for "A" (its default condition)');
  });

  it('a condition waiting for its own node is reported', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.A = { type: 'EveryNCalls', dependency: 'A', n: 1 };
    expect(issueAt(validateStructure(m), 'conditions.A').message).toContain('waits for "A" itself');
  });

  it('a cycle with another way to start is not reported', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.A = { type: 'Any', conditions: [{ type: 'EveryNCalls', dependency: 'B', n: 1 }, { type: 'AtPass', n: 0 }] };
    m.conditions.B = { type: 'EveryNCalls', dependency: 'A', n: 1 };
    expect(validateStructure(m)).toEqual([]);
  });

  it('a node disabled with Never, and the nodes after it, are not reported as a cycle', () => {
    const m = reference('h_scheduler_test_1.json');
    m.conditions.A = { type: 'Never' };
    expect(validateStructure(m)).toEqual([]);
  });

  it('recurrent projections with default conditions are not a cycle', () => {
    expect(validateStructure(reference('c_stroop_botvinick.json'))).toEqual([]);
  });
});

describe('run inputs', () => {
  it('inputs for an unknown node are reported', () => {
    const m = reference('a_linear_chain.json');
    m.run.inputs.INPUT = [[1, 2]];
    const i = issueAt(validateStructure(m), 'run.inputs.INPUT');
    expect(i.message).toContain('inputs for "INPUT", but no node of that name');
    expect(i.expected).toContain('"IN"');
  });

  it('inputs for a node that receives projections are reported', () => {
    const m = reference('a_linear_chain.json');
    m.run.inputs.OUT = [[1, 2, 3]];
    const i = issueAt(validateStructure(m), 'run.inputs.OUT');
    expect(i.message).toContain('node "OUT" receives projections (from "IN")');
    expect(i.node).toBe('OUT');
  });

  it('a node that only receives control projections still takes inputs', () => {
    expect(validateStructure(reference('i_ocm_gridsearch_model_based_before.json'))).toEqual([]);
  });

  it('a trial input with the wrong length names the node, the trial and the sizes', () => {
    const m = reference('a_linear_chain.json');
    m.run.inputs.IN[3] = [1, 2, 3];
    const i = issueAt(validateStructure(m), 'run.inputs.IN[3]');
    expect(i.message).toContain('the input of node "IN" for trial 3 has 3 values');
    expect(i).toMatchObject({ expected: '2 values', found: '3 values', node: 'IN' });
  });

  it('per-port trial inputs are checked against each port', () => {
    const m = reference('a_linear_chain.json');
    delete m.nodes.IN.size;
    m.nodes.IN.input_ports = [
      { name: 'a', size: 2 },
      { name: 'b', size: 1 },
    ];
    m.projections[0].matrix = 'FULL_CONNECTIVITY_MATRIX';
    m.run.inputs.IN = [
      [[1, 2], [3]],
      [[1, 2], [3, 4]],
      [1, 2],
      [[1, 2]],
    ];
    const issues = validateStructure(m);
    expect(issueAt(issues, 'run.inputs.IN[1][1]').message).toContain('input port "b", has 2 values');
    expect(issueAt(issues, 'run.inputs.IN[2]').message).toContain('one flat array, but the node has 2 input ports');
    expect(issueAt(issues, 'run.inputs.IN[3]').message).toContain('has 1 array, but the node has 2 input ports'.replace('1 array', '1 arrays'));
    expect(issues.some((i) => i.path === 'run.inputs.IN[0]')).toBe(false);
  });

  it('inputs are not length-checked when the node gives no size', () => {
    const m = reference('h_scheduler_test_1.json');
    m.run.inputs.A = [[1, 2, 3], [4]];
    expect(validateStructure(m)).toEqual([]);
  });

  it('an empty input list is refused', () => {
    const m = reference('a_linear_chain.json');
    m.run.inputs.IN = [];
    expect(issueAt(validateStructure(m), 'run.inputs.IN').message).toContain('at least one trial input');
  });
});

describe('controller and output nodes', () => {
  it('a controller that is not an OptimizationControlMechanism or ControlMechanism is reported', () => {
    const m = reference('i_ocm_gridsearch.json');
    m.controller = 'Decision';
    const i = issueAt(validateStructure(m), 'controller');
    expect(i.message).toContain('the controller "Decision" is a DDM');
    expect(i.expected).toBe('an OptimizationControlMechanism or ControlMechanism node');
  });

  it('a controller naming no node is reported', () => {
    const m = reference('i_ocm_gridsearch.json');
    m.controller = 'EVC';
    expect(issueAt(validateStructure(m), 'controller').message).toContain('"EVC", but there is no node of that name');
  });

  it('controller_mode is AFTER or BEFORE', () => {
    const m = reference('i_ocm_gridsearch.json');
    m.controller_mode = 'DURING';
    expect(issueAt(validateStructure(m), 'controller_mode').expected).toBe('one of "AFTER", "BEFORE"');
  });

  it('output_nodes naming unknown nodes, or a node twice, are reported', () => {
    const m = reference('a_linear_chain.json');
    m.output_nodes = ['OUT', 'OUTPUT', 'OUT'];
    const issues = validateStructure(m);
    expect(issueAt(issues, 'output_nodes[1]').message).toContain('"OUTPUT"');
    expect(issueAt(issues, 'output_nodes[2]').message).toContain('twice');
  });
});

describe('JSON text', () => {
  it('duplicate keys in one object are reported with their path and both lines', () => {
    const text = '{\n  "format": "cogstudio-model",\n  "version": 1,\n  "nodes": {\n    "A": {"type": "ProcessingMechanism"},\n    "A": {"type": "TransferMechanism"}\n  }\n}';
    const e = parseError(text);
    const i = issueAt(e.issues, 'nodes.A');
    expect(i.message).toContain('the key "A" appears twice in one object (line 5 and line 6)');
  });

  it('duplicate keys written with escapes are recognised', () => {
    const e = parseError('{"format": "cogstudio-model", "version": 1, "nodes": {}, "n\\u0061me": "x", "name": "y"}');
    expect(issueAt(e.issues, 'name').message).toContain('appears twice');
  });

  it('the same key in different objects is not a duplicate', () => {
    const m = reference('h_scheduler_test_1.json');
    expect(parseModelText(JSON.stringify(m, null, 2)).model).toEqual(m);
  });

  it('a JSON syntax error names line and column', () => {
    const e = parseError('{\n  "format": "cogstudio-model",\n  "version": 1\n  "nodes": {}\n}');
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]!.message).toBe('JSON syntax error at line 4, column 3: expected "," or "}" after a value in an object, found a double quote');
  });

  it('a trailing comma is a syntax error naming its place', () => {
    const e = parseError('{"format": "cogstudio-model",\n "nodes": {"A": {"type": "DDM"},}}');
    expect(e.issues[0]!.message).toContain('line 2, column 32');
    expect(e.issues[0]!.message).toContain('trailing comma');
    expect(e.issues[0]!.path).toBe('nodes');
  });

  it('unclosed strings, bad numbers, raw control characters and text after the end are syntax errors', () => {
    expect(parseError('{"a": "b').issues[0]!.message).toContain('line 1, column 7: a string is not closed');
    expect(parseError('{"a": 01}').issues[0]!.message).toContain('invalid number');
    expect(parseError('{"a": "x\ty"}').issues[0]!.message).toContain('raw control character (U+0009)');
    expect(parseError('{} {}').issues[0]!.message).toContain('after the end of the JSON value');
    expect(parseError('{"a": NaN}').issues[0]!.message).toContain('expected a value, found "N"');
  });

  it('an empty text is reported as empty', () => {
    expect(parseError('  \n').issues[0]!.message).toBe('the file is empty');
  });

  it('a byte order mark is accepted', () => {
    const m = reference('a_linear_chain.json');
    expect(parseModelText('\ufeff' + JSON.stringify(m)).model).toEqual(m);
  });

  it('nesting deeper than the limit is refused without overflowing the stack', () => {
    const deep = '['.repeat(10_000) + ']'.repeat(10_000);
    const e = parseError(`{"format": "cogstudio-model", "version": 1, "nodes": {}, "studio": {"x": ${deep}}}`);
    expect(e.issues[0]!.message).toContain('nested more than 100 levels deep');
  });
});
