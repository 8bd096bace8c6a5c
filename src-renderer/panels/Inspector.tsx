/**
 * The Inspector: the selected node's or projection's settings, generated from the component
 * catalog. A node shows its name, size, function type and every parameter of its function and
 * of its mechanism type with an input of the parameter's kind, PsyNeuLink's default as the
 * placeholder, the help text as its description, and the host's validation messages beside it.
 * A projection shows its matrix with presets and a shape check. Every change is one command.
 */
import { useState, type ReactNode } from 'react';
import { NumberField, Row, TextField, DraftInput, show } from './fields.js';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { Catalog, ModelIssue, ParamInfo } from '../../shared/ipc/protocol.js';
import { useModelState, useRunCommand, useRunState, useStudio } from '../context.js';
import { CONTROL_TYPES, inputSize, isInputNode, isObject, projectionIndex, projections, type NodeSpec, type ProjectionSpec } from '../model/document.js';
import { ConditionEditor } from './ConditionEditor.js';
import { ControlSection } from './ControlSignals.js';
import { InputsTable } from './InputsTable.js';
import { functionInfo, mechanismInfo } from '../store/catalog-store.js';
import {
  renameNode,
  setCondition,
  setTermination,
  setFunctionParameter,
  setFunctionType,
  setNodeParameter,
  setProjectionMatrix,
} from '../store/commands.js';
import { issueNode, nodePathPrefixes } from '../store/run-store.js';

export function Inspector() {
  const { nodes, edges } = useModelState(useShallow((s) => ({ nodes: s.selection.nodes, edges: s.selection.edges })));
  const studio = useStudio();
  const catalog = useStore(studio.catalog, (s) => s.catalog);
  let body: ReactNode;
  if (nodes.length === 1 && edges.length === 0) body = <NodeInspector key={nodes[0]} name={nodes[0]!} catalog={catalog} />;
  else if (edges.length === 1 && nodes.length === 0) body = <ProjectionInspector key={edges[0]} index={projectionIndex(edges[0]!)} />;
  else if (nodes.length + edges.length > 1) body = <SelectionSummary nodes={nodes} edges={edges} />;
  else body = <ModelInspector />;
  return (
    <section className="panel inspector" role="region" aria-label="Inspector">
      <h2>Inspector</h2>
      {body}
    </section>
  );
}

/** Several selected elements: what they are and what can be done with them. */
function SelectionSummary({ nodes, edges }: { nodes: readonly string[]; edges: readonly string[] }) {
  return (
    <div className="inspector-body" data-inspecting="selection">
      <p className="inspector-type">
        {nodes.length} node(s){edges.length ? `, ${edges.length} projection(s)` : ''} selected
      </p>
      {nodes.length > 0 && <p>{nodes.join(', ')}</p>}
      <p className="hint">Drag one of them to move all; Delete removes them (with their projections); Ctrl+C / Ctrl+V copies them with the projections between them. Each is one undo step.</p>
    </div>
  );
}

/** Nothing selected: the model's own settings, its termination conditions and the inputs of its input nodes. */
function ModelInspector() {
  const studio = useStudio();
  const names = useModelState(useShallow((s) => Object.keys(s.model.nodes)));
  const inputNodes = useModelState(useShallow((s) => Object.keys(s.model.nodes).filter((n) => isInputNode(s.model, n))));
  const termination = useModelState((s) => (s.model as { termination?: unknown }).termination);
  const issues = useRunState((s) => s.validation?.issues);
  const t = isObject(termination) ? termination : {};
  const scales = [
    { scale: 'trial', text: 'default (AllHaveRun)', help: 'When a trial ends; checked after every time step (default: once every node has run).' },
    { scale: 'run', text: 'default (after the trials)', help: 'When the whole run ends (default: after the Trials of the toolbar).' },
  ] as const;
  return (
    <div className="inspector-body" data-inspecting="model">
      <p className="hint">Select a node or a projection to edit it; shift-click or shift-drag to select several. Add nodes with the Palette (A, or double-click the canvas).</p>
      <fieldset className="params" aria-label="Termination">
        <legend>Termination</legend>
        {scales.map(({ scale, text, help }) => (
          <ConditionEditor
            key={scale}
            value={t[scale]}
            onChange={(c) => studio.model.getState().execute(setTermination(scale, c))}
            nodes={names}
            label={`${scale} termination`}
            defaultText={text}
            help={help}
            error={(issues ?? []).filter((i) => i.path.startsWith(`termination.${scale}`)).map((i) => i.message).join('; ') || undefined}
          />
        ))}
      </fieldset>
      {inputNodes.length === 0 ? <p className="hint">No input nodes yet: inputs go to nodes that no projection arrives at.</p> : inputNodes.map((n) => <InputsTable key={n} node={n} />)}
    </div>
  );
}

/** The run inputs of an input node (no projection arrives at it). */
function NodeInputs({ name }: { name: string }) {
  const isInput = useModelState((s) => isInputNode(s.model, name));
  return isInput ? <InputsTable node={name} /> : null;
}

/** The node's scheduling condition, edited with the conditions editor. */
function NodeCondition({ name }: { name: string }) {
  const studio = useStudio();
  const cond = useModelState((s) => {
    const c = (s.model as { conditions?: unknown }).conditions;
    return isObject(c) ? c[name] : undefined;
  });
  // the other nodes first: a new dependency is another node
  const nodes = useModelState(useShallow((s) => [...Object.keys(s.model.nodes).filter((n) => n !== name), name]));
  const issue = useRunState((s) => (s.validation?.issues ?? []).filter((i) => i.path.startsWith(`conditions.${name}`) || i.path.startsWith(`conditions[${JSON.stringify(name)}]`)).map((i) => i.message).join('; '));
  return (
    <fieldset className="params" aria-label="Scheduling condition">
      <legend>Scheduling condition</legend>
      <ConditionEditor
        value={cond}
        onChange={(c) => studio.model.getState().execute(setCondition(name, c))}
        nodes={nodes}
        label="condition"
        defaultText="default (Always, or after each parent)"
        help="When the scheduler runs this node in a pass."
        error={issue || undefined}
      />
    </fieldset>
  );
}

/** Where an issue points inside a node: `size`, `function.gain`, … (undefined: elsewhere). */
function issueKey(issue: ModelIssue, node: string): string | undefined {
  for (const prefix of nodePathPrefixes(node)) {
    if (issue.path.startsWith(prefix)) return issue.path.slice(prefix.length).replace(/\[.*$/, '');
  }
  return issue.parameter;
}

function NodeInspector({ name, catalog }: { name: string; catalog: Catalog | null }) {
  const studio = useStudio();
  const spec = useModelState((s) => s.model.nodes[name]) as NodeSpec | undefined;
  const validation = useRunState((s) => s.validation);
  const [renameError, setRenameError] = useState<string | null>(null);
  if (!spec || !isObject(spec)) return null;
  const mech = mechanismInfo(catalog, spec.type);
  const fnSpec = isObject(spec.function) ? spec.function : undefined;
  const fnType = typeof fnSpec?.type === 'string' ? fnSpec.type : (mech?.defaultFunction ?? '');
  const fn = functionInfo(catalog, fnType);
  const issues = (validation?.issues ?? []).filter((i) => issueNode(i) === name);
  const issueFor = (key: string) => issues.filter((i) => issueKey(i, name) === key).map((i) => i.message + (i.expected ? ` (expected ${i.expected})` : '')).join('; ') || undefined;
  const control = CONTROL_TYPES.includes(spec.type);
  const placed = new Set(['name', 'size', 'function', ...(fn?.params ?? []).map((p) => `function.${p.name}`), ...(mech?.params ?? []).map((p) => p.name), ...(control ? ['control_signals', 'state_features', 'num_estimates'] : [])]);
  const otherIssues = issues.filter((i) => !placed.has(issueKey(i, name) ?? '') && !placed.has((issueKey(i, name) ?? '').split('.').slice(0, 2).join('.')));
  const run = useRunCommand();

  const rename = (to: string) => {
    const ok = run(renameNode(name, to.trim()));
    if (ok) studio.model.getState().select({ nodes: [to.trim()], edges: [] });
    setRenameError(ok || to.trim() === name ? null : (studio.model.getState().commandError ?? 'could not rename'));
  };

  const categories = [...new Set(catalog?.functions.map((f) => f.category) ?? [])];
  return (
    <div className="inspector-body" data-inspecting={name}>
      <p className="inspector-type" title={mech?.help}>
        {spec.type}
      </p>
      {mech && <p className="hint">{mech.help}</p>}
      {otherIssues.length > 0 && (
        <ul className="field-error" aria-label="Node issues">
          {otherIssues.map((i, k) => (
            <li key={k}>
              <code>{i.path}</code> {i.message}
            </li>
          ))}
        </ul>
      )}
      <TextField label="Name" value={name} onCommit={rename} error={renameError ?? undefined} help="The node's name; projections, conditions and inputs follow a rename." />
      {/* a controller has no size: its input is its objective's outcome, its ports its control signals */}
      {!control && (
        <NumberField
          label="size"
          value={spec.size}
          integer
          placeholder={inputSize(spec) === undefined ? '1' : ''}
          help="Number of elements of the input (and, for transfer mechanisms, of the value)."
          error={issueFor('size')}
          onCommit={(v) => run(setNodeParameter(name, 'size', v))}
        />
      )}
      <Row label="function" help={fn?.help} error={issueFor('function') ?? issueFor('function.type')}>
        {(id, describedBy) => (
          <select id={id} aria-describedby={describedBy} value={fnType} onChange={(e) => run(setFunctionType(name, e.target.value))}>
            {fnType && !fn && <option value={fnType}>{fnType}</option>}
            {categories.map((c) => (
              <optgroup key={c} label={c}>
                {catalog!.functions
                  .filter((f) => f.category === c)
                  .map((f) => (
                    <option key={f.type} value={f.type}>
                      {f.type}
                      {f.type === mech?.defaultFunction ? ' (default)' : ''}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        )}
      </Row>
      {fn && fn.params.length > 0 && (
        <fieldset className="params" aria-label={`${fnType} parameters`}>
          <legend>{fnType} parameters</legend>
          {fn.params.map((p) => (
            <ParamField key={p.name} param={p} value={fnSpec?.[p.name]} error={issueFor(`function.${p.name}`)} onCommit={(v) => run(setFunctionParameter(name, fnType, p.name, v))} />
          ))}
        </fieldset>
      )}
      {mech && mech.params.length > 0 && (
        <fieldset className="params" aria-label={`${spec.type} parameters`}>
          <legend>{spec.type} parameters</legend>
          {mech.params.map((p) => (
            <ParamField key={p.name} param={p} value={spec[p.name]} error={issueFor(p.name)} onCommit={(v) => run(setNodeParameter(name, p.name, v))} />
          ))}
        </fieldset>
      )}
      {control && <ControlSection name={name} spec={spec} catalog={catalog} />}
      <NodeInputs name={name} />
      <NodeCondition name={name} />
      {!catalog && <p className="hint">Loading the component catalog…</p>}
    </div>
  );
}

/** One parameter: an input of its kind; an empty input means PsyNeuLink's default (the placeholder). */
function ParamField({ param, value, error, onCommit }: { param: ParamInfo; value: unknown; error?: string | undefined; onCommit: (v: unknown) => void }) {
  const [local, setLocal] = useState<string | null>(null);
  const label = param.unit ? `${param.name} (${param.unit})` : param.name;
  const placeholder = param.default === undefined ? 'none' : show(param.default);
  if (param.kind === 'number' || param.kind === 'integer') {
    return <NumberField label={label} value={value} integer={param.kind === 'integer'} placeholder={placeholder} help={param.help} error={error} onCommit={onCommit} />;
  }
  const reset = value !== undefined && (
    <button type="button" className="reset" aria-label={`Reset ${param.name}`} title="Back to PsyNeuLink's default" onClick={() => onCommit(undefined)}>
      ↺
    </button>
  );
  if (param.kind === 'boolean') {
    return (
      <Row label={label} help={param.help} error={error}>
        {(id, d) => (
          <span className="inline">
            <input id={id} type="checkbox" aria-describedby={d} checked={Boolean(value ?? param.default)} onChange={(e) => onCommit(e.target.checked)} />
            {reset}
          </span>
        )}
      </Row>
    );
  }
  if (param.kind === 'enum' && param.values) {
    return (
      <Row label={label} help={param.help} error={error}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={typeof value === 'string' ? value : ''} onChange={(e) => onCommit(e.target.value === '' ? undefined : e.target.value)}>
            <option value="">default ({placeholder})</option>
            {param.values!.map((v) => (
              <option key={v} value={v}>
                {v}
              </option>
            ))}
          </select>
        )}
      </Row>
    );
  }
  // numeric, matrix, range, noise, function, condition, string: JSON (a keyword may be written bare)
  return (
    <Row label={label} help={param.help} error={local ?? error}>
      {(id, d) => (
        <span className="inline">
          <DraftInput
            id={id}
            describedBy={d}
            value={param.kind === 'string' ? show(value) : value === undefined ? '' : JSON.stringify(value)}
            placeholder={placeholder}
            onCommit={(text) => {
              const t = text.trim();
              if (t === '') return (setLocal(null), onCommit(undefined));
              if (param.kind === 'string' || (param.values?.includes(t) ?? false)) return (setLocal(null), onCommit(t));
              try {
                onCommit(JSON.parse(t));
                setLocal(null);
              } catch {
                setLocal(param.kind === 'matrix' ? 'a list of rows, e.g. [[1, 0], [0, 1]], or a keyword' : 'a number, a list like [0.5, 1], or a JSON object');
              }
            }}
          />
          {reset}
        </span>
      )}
    </Row>
  );
}

/** Size of what a node sends (its primary output), when the file says. */
function senderSize(spec: NodeSpec | undefined): number | undefined {
  if (!spec) return undefined;
  if (spec.type === 'DDM') return 1;
  return inputSize(spec);
}

/** Size of the input port a projection arrives at, when the file says. */
function receiverSize(spec: NodeSpec | undefined, port: string | undefined): number | undefined {
  if (!spec) return undefined;
  if (Array.isArray(spec.input_ports) && spec.input_ports.length > 0) {
    const p = port ? spec.input_ports.find((q) => q?.name === port) : spec.input_ports[0];
    return typeof p?.size === 'number' ? p.size : undefined;
  }
  return typeof spec.size === 'number' ? spec.size : undefined;
}

export function matrixPreset(kind: 'identity' | 'full' | 'random', rows: number, cols: number, random = Math.random): number[][] {
  return Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (kind === 'identity' ? (i === j ? 1 : 0) : kind === 'full' ? 1 : Math.round((random() * 2 - 1) * 100) / 100)),
  );
}

/** What is wrong with a matrix's shape for a projection from `n` to `m` elements (null: nothing). */
export function matrixShapeProblem(matrix: unknown, n: number | undefined, m: number | undefined): string | null {
  if (!Array.isArray(matrix)) {
    if (matrix === 'IDENTITY_MATRIX' && n !== undefined && m !== undefined && n !== m) return `an identity matrix needs equal sizes, but ${n} → ${m}`;
    return null;
  }
  const rows = matrix.length;
  const widths = new Set(matrix.map((r) => (Array.isArray(r) ? r.length : -1)));
  if (widths.has(-1)) return 'every row must be a list of numbers';
  if (widths.size > 1) return 'the rows have different lengths';
  const cols = [...widths][0] ?? 0;
  if (n !== undefined && rows !== n) return `${rows}×${cols}, but the sender gives ${n} value(s): it needs ${n} row(s)`;
  if (m !== undefined && cols !== m) return `${rows}×${cols}, but the receiver takes ${m} value(s): it needs ${m} column(s)`;
  return null;
}

function ProjectionInspector({ index }: { index: number }) {
  const studio = useStudio();
  const p = useModelState((s) => projections(s.model)[index]) as ProjectionSpec | undefined;
  const sender = useModelState((s) => (p ? s.model.nodes[p.sender] : undefined)) as NodeSpec | undefined;
  const receiver = useModelState((s) => (p ? s.model.nodes[p.receiver] : undefined)) as NodeSpec | undefined;
  const validation = useRunState((s) => s.validation);
  const [local, setLocal] = useState<string | null>(null);
  if (!p) return null;
  const n = senderSize(sender);
  const m = receiverSize(receiver, p.receiver_port);
  const set = (matrix: unknown) => studio.model.getState().execute(setProjectionMatrix(index, matrix));
  const shape = matrixShapeProblem(p.matrix, n, m);
  const issue = (validation?.issues ?? []).filter((i) => i.path.startsWith(`projections[${index}]`)).map((i) => i.message).join('; ');
  const control = typeof p.receiver_parameter === 'string';
  return (
    <div className="inspector-body" data-inspecting={`projection-${index}`}>
      <p className="inspector-type">MappingProjection</p>
      <p>
        <strong>{p.sender}</strong>
        {p.sender_port ? `.${p.sender_port}` : ''} → <strong>{p.receiver}</strong>
        {control ? `.${p.receiver_parameter}` : p.receiver_port ? `.${p.receiver_port}` : ''}
      </p>
      {!control && (
        <>
          <Row label="matrix" help={`Receiver input = sender output × matrix: ${n ?? '?'} row(s) × ${m ?? '?'} column(s). Empty: identity when the sizes are equal, else all ones.`} error={local ?? (issue || undefined)}>
            {(id, d) => (
              <textarea
                key={JSON.stringify(p.matrix) ?? ''}
                id={id}
                aria-describedby={d}
                rows={Math.min(8, Math.max(2, Array.isArray(p.matrix) ? p.matrix.length : 2))}
                defaultValue={p.matrix === undefined ? '' : typeof p.matrix === 'string' ? p.matrix : JSON.stringify(p.matrix)}
                placeholder="default"
                onBlur={(e) => {
                  const t = e.target.value.trim();
                  if (t === show(p.matrix)) return;
                  if (t === '') return (setLocal(null), set(undefined));
                  if (/^[A-Z_]+$/.test(t)) return (setLocal(null), set(t));
                  try {
                    set(JSON.parse(t));
                    setLocal(null);
                  } catch {
                    setLocal('a list of rows, e.g. [[1, 0], [0, 1]], a number, or IDENTITY_MATRIX / FULL_CONNECTIVITY_MATRIX');
                  }
                }}
              />
            )}
          </Row>
          <div className="presets" role="group" aria-label="Matrix presets">
            {(['identity', 'full', 'random'] as const).map((k) => (
              <button key={k} type="button" disabled={n === undefined || m === undefined} onClick={() => set(matrixPreset(k, n!, m!))}>
                {k}
              </button>
            ))}
          </div>
          <p className={shape ? 'field-error' : 'ok'} data-testid="shape-check">
            {shape ? `Shape: ${shape}` : Array.isArray(p.matrix) ? `Shape ${p.matrix.length}×${n === undefined ? '?' : m ?? '?'} fits` : 'Shape fits'}
          </p>
        </>
      )}
    </div>
  );
}
