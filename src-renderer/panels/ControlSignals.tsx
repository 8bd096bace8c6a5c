/**
 * The Inspector's section for a control mechanism (an OptimizationControlMechanism or a plain
 * ControlMechanism): its control signals — name, the allocation samples an OCM's grid search
 * tries, default allocation, modulation, costs — and, for each, the parameters it controls (its
 * control projections, added and removed here); for an OCM also its state features and number of
 * estimates. Every change is one command; the host's validation messages show beside the fields.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Catalog, ModelIssue, ParamInfo } from '../../shared/ipc/protocol.js';
import { useModelState, useRunCommand, useRunState } from '../context.js';
import { controlSignals, isObject, signalProjections, type ControlSignalSpec, type NodeSpec } from '../model/document.js';
import { functionInfo, mechanismInfo } from '../store/catalog-store.js';
import { addControlSignal, addControlTarget, deleteElements, removeControlSignal, setNodeParameter, updateControlSignal } from '../store/commands.js';
import { nodePathPrefixes } from '../store/run-store.js';
import { DraftInput, NumberField, Row } from './fields.js';

/** Parameter kinds control can modulate (the engine's rule: engine/controller.ts, MODULATABLE). */
const MODULATABLE = new Set<ParamInfo['kind']>(['number', 'numeric', 'noise']);
const NO_ISSUES: readonly ModelIssue[] = [];
/** Cost options the engine computes (DURATION is refused with a message). */
const COSTS = ['INTENSITY', 'ADJUSTMENT'] as const;

/** The parameters of `node` a control signal can set: its mechanism's, then its function's. */
export function controllableParameters(catalog: Catalog | null, spec: NodeSpec | undefined): string[] {
  if (!spec) return [];
  const mech = mechanismInfo(catalog, spec.type);
  const fnType = isObject(spec.function) && typeof spec.function.type === 'string' ? spec.function.type : mech?.defaultFunction;
  const fn = fnType ? functionInfo(catalog, fnType) : undefined;
  const names = [...(mech?.params ?? []), ...(fn?.params ?? [])].filter((p) => MODULATABLE.has(p.kind) && p.name !== 'seed').map((p) => p.name);
  return [...new Set(names)];
}

/** "0.5, 1, 2" or "[0.5, 1, 2]" → the numbers, or null when something is not a finite number. */
export function parseSamples(text: string): number[] | null {
  const t = text.trim().replace(/^\[(.*)\]$/s, '$1');
  if (t === '') return null;
  const values = t.split(/[\s,;]+/).filter(Boolean).map(Number);
  return values.every(Number.isFinite) ? values : null;
}

/**
 * What an OCM's grid search costs each trial: "4 × 3 = 12 allocations" (and "× 2 estimates = 24
 * simulations"), or null while a signal has no valid samples.
 */
export function gridSummary(signals: readonly ControlSignalSpec[], numEstimates: unknown): string | null {
  const sizes = signals.map((s) => (Array.isArray(s.allocation_samples) && s.allocation_samples.length > 0 && s.allocation_samples.every((x) => typeof x === 'number') ? s.allocation_samples.length : 0));
  if (sizes.length === 0 || sizes.includes(0)) return null;
  const points = sizes.reduce((a, b) => a * b, 1);
  const grid = `${sizes.length > 1 ? `${sizes.join(' × ')} = ` : ''}${points} allocation${points === 1 ? '' : 's'}`;
  const estimates = typeof numEstimates === 'number' && Number.isInteger(numEstimates) && numEstimates > 1 ? numEstimates : 1;
  return estimates > 1 ? `Grid: ${grid} × ${estimates} estimates = ${points * estimates} simulations a trial` : `Grid: ${grid}, each simulated every trial`;
}

/** Messages of the issues whose path starts with one of `prefixes`. */
function messages(issues: readonly ModelIssue[], prefixes: readonly string[]): string | undefined {
  const found = issues.filter((i) => prefixes.some((p) => i.path.startsWith(p))).map((i) => i.message + (i.expected ? ` (expected ${i.expected})` : ''));
  return found.length ? found.join('; ') : undefined;
}

export function ControlSection({ name, spec, catalog }: { name: string; spec: NodeSpec; catalog: Catalog | null }) {
  const run = useRunCommand();
  const issues = useRunState((s) => s.validation?.issues ?? NO_ISSUES);
  const others = useModelState(useShallow((s) => Object.keys(s.model.nodes).filter((n) => n !== name)));
  const isOcm = spec.type === 'OptimizationControlMechanism';
  const signals = controlSignals(spec);
  const modulations = mechanismInfo(catalog, spec.type)?.params.find((p) => p.name === 'modulation')?.values ?? ['MULTIPLICATIVE', 'ADDITIVE', 'OVERRIDE'];
  const at = (key: string) => nodePathPrefixes(name).map((p) => p + key);
  const features = Array.isArray(spec.state_features) ? spec.state_features.filter((f): f is string => typeof f === 'string') : [];
  return (
    <>
      <fieldset className="params control-signals" aria-label="Control signals">
        <legend>Control signals</legend>
        {signals.length === 0 && <p className="hint">No control signal yet: add one, then choose the parameters it sets.</p>}
        {isOcm && signals.length > 0 && (
          <p className="hint" data-testid="grid-size">
            {gridSummary(signals, spec.num_estimates) ?? 'Grid: every signal needs allocation samples'}
          </p>
        )}
        {signals.map((signal, i) => (
          <SignalEditor key={i} ocm={name} index={i} signal={signal} isOcm={isOcm} modulations={modulations} catalog={catalog} others={others} issues={issues} />
        ))}
        <button type="button" onClick={() => run(addControlSignal(name, isOcm))}>
          Add control signal
        </button>
        {issues
          .filter((i) => at('control_signals').includes(i.path))
          .map((i, k) => (
            <p key={k} className="field-error" role="alert">
              {i.message}
            </p>
          ))}
      </fieldset>
      {isOcm && (
        <fieldset className="params" aria-label="Simulation">
          <legend>Simulation</legend>
          <Row label="state features" help="Nodes whose input the controller's simulations are given (their first input port)." error={messages(issues, at('state_features'))}>
            {(id, d) => (
              <span className="checklist" id={id} role="group" aria-describedby={d}>
                {others.map((n) => (
                  <label key={n}>
                    <input
                      type="checkbox"
                      checked={features.includes(n)}
                      onChange={(e) => run(setNodeParameter(name, 'state_features', e.target.checked ? others.filter((o) => o === n || features.includes(o)) : features.filter((f) => f !== n)))}
                    />
                    {n}
                  </label>
                ))}
              </span>
            )}
          </Row>
          <NumberField
            label="num_estimates"
            value={spec.num_estimates}
            integer
            placeholder="none"
            help="Simulations per grid point, each with its own seed for the random nodes; the grid search compares their means."
            error={messages(issues, at('num_estimates'))}
            onCommit={(v) => run(setNodeParameter(name, 'num_estimates', v))}
          />
        </fieldset>
      )}
    </>
  );
}

function SignalEditor(props: {
  ocm: string;
  index: number;
  signal: ControlSignalSpec;
  isOcm: boolean;
  modulations: readonly string[];
  catalog: Catalog | null;
  others: readonly string[];
  issues: readonly ModelIssue[];
}) {
  const { ocm, index, signal, isOcm, modulations, catalog, others, issues } = props;
  const run = useRunCommand();
  const [samplesError, setSamplesError] = useState<string | null>(null);
  const targets = useModelState(useShallow((s) => signalProjections(s.model, ocm, index).map((t) => `${t.index}:${t.projection.receiver}.${t.projection.receiver_parameter}`)));
  const label = typeof signal.name === 'string' && signal.name ? signal.name : `signal ${index + 1}`;
  const at = (key: string) => nodePathPrefixes(ocm).map((p) => `${p}control_signals[${index}].${key}`);
  const set = (patch: Record<string, unknown>) => run(updateControlSignal(ocm, index, patch));
  // help texts under the first signal only: the same texts under every signal would crowd the panel
  const h = (text: string) => (index === 0 ? text : undefined);
  const costs = new Set(Array.isArray(signal.cost_options) ? signal.cost_options : typeof signal.cost_options === 'string' ? [signal.cost_options] : []);
  const samples = Array.isArray(signal.allocation_samples) ? signal.allocation_samples.join(', ') : signal.allocation_samples === undefined ? '' : JSON.stringify(signal.allocation_samples);
  return (
    <div className="control-signal" role="group" aria-label={`Control signal ${label}`} data-signal={label}>
      <p className="signal-title">{label}</p>
      <Row label="name" help={h("The signal's name: its control projections name it (sender_port).")} error={messages(issues, at('name'))}>
        {(id, d) => <DraftInput id={id} describedBy={d} value={typeof signal.name === 'string' ? signal.name : ''} onCommit={(t) => set({ name: t.trim() })} />}
      </Row>
      {isOcm && (
        <Row label="allocation samples" help={h("The values the grid search tries, e.g. 0.5, 1, 2.")} error={samplesError ?? messages(issues, at('allocation_samples'))}>
          {(id, d) => (
            <DraftInput
              id={id}
              describedBy={d}
              value={samples}
              placeholder="e.g. 0.5, 1, 2"
              onCommit={(t) => {
                const values = parseSamples(t);
                if (!values) return setSamplesError('one or more numbers, separated by commas');
                setSamplesError(null);
                set({ allocation_samples: values });
              }}
            />
          )}
        </Row>
      )}
      <NumberField label="default allocation" value={signal.default_allocation} placeholder="1" help={h("The allocation before the controller first runs.")} error={messages(issues, at('default_allocation'))} onCommit={(v) => set({ default_allocation: v })} />
      <Row label="modulation" help={h("How the allocation changes the parameters: multiply, add or replace (default: the controller's).")} error={messages(issues, at('modulation'))}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={typeof signal.modulation === 'string' ? signal.modulation : ''} onChange={(e) => set({ modulation: e.target.value || undefined })}>
            <option value="">default (the controller's)</option>
            {modulations.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        )}
      </Row>
      {isOcm && (
        <Row label="costs" help={h("Costs subtracted from the objective: of the allocation (INTENSITY) and of its change since the last trial (ADJUSTMENT).")} error={messages(issues, [...at('cost_options'), ...at('intensity_cost_function'), ...at('adjustment_cost_function')])}>
          {(id, d) => (
            <span className="checklist" id={id} role="group" aria-describedby={d}>
              {COSTS.map((c) => (
                <label key={c}>
                  <input
                    type="checkbox"
                    checked={costs.has(c)}
                    onChange={(e) => {
                      const next = COSTS.filter((k) => (k === c ? e.target.checked : costs.has(k)));
                      set({ cost_options: next.length ? next : undefined });
                    }}
                  />
                  {c}
                </label>
              ))}
            </span>
          )}
        </Row>
      )}
      <TargetList ocm={ocm} signal={label} signalName={typeof signal.name === 'string' && signal.name ? signal.name : undefined} targets={targets} catalog={catalog} others={others} issues={issues} />
      <button type="button" className="remove-signal" onClick={() => run(removeControlSignal(ocm, index))}>
        Remove {label}
      </button>
    </div>
  );
}

/** The parameters a signal sets (its control projections), each removable, and a row to add one. */
function TargetList(props: { ocm: string; signal: string; signalName: string | undefined; targets: readonly string[]; catalog: Catalog | null; others: readonly string[]; issues: readonly ModelIssue[] }) {
  const { ocm, signal, signalName, targets, catalog, others, issues } = props;
  const run = useRunCommand();
  const [node, setNode] = useState('');
  const [param, setParam] = useState('');
  const nodeSpec = useModelState((s) => (node ? s.model.nodes[node] : undefined)) as NodeSpec | undefined;
  const choices = controllableParameters(catalog, nodeSpec);
  const parsed = targets.map((t) => {
    const [k, target] = [Number(t.slice(0, t.indexOf(':'))), t.slice(t.indexOf(':') + 1)];
    return { index: k, target, error: messages(issues, [`projections[${k}]`]) };
  });
  return (
    <div className="control-targets">
      <span className="field-label">controls</span>
      <ul aria-label={`Parameters ${signal} controls`}>
        {parsed.length === 0 && <li className="hint">nothing yet</li>}
        {parsed.map((t) => (
          <li key={t.index} className={t.error ? 'invalid' : undefined}>
            <code>{t.target}</code>
            <button type="button" aria-label={`Stop controlling ${t.target}`} title="Remove this control projection" onClick={() => run(deleteElements([], [t.index]))}>
              ×
            </button>
            {t.error && <small className="field-error">{t.error}</small>}
          </li>
        ))}
      </ul>
      <span className="inline add-target">
        <select aria-label={`Node for ${signal} to control`} value={node} onChange={(e) => (setNode(e.target.value), setParam(''))}>
          <option value="">node…</option>
          {others.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <select aria-label={`Parameter for ${signal} to control`} value={param} disabled={!node} onChange={(e) => setParam(e.target.value)}>
          <option value="">parameter…</option>
          {choices.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <button
          type="button"
          disabled={!signalName || !node || !param || targets.some((t) => t.endsWith(`:${node}.${param}`))}
          title={signalName ? undefined : 'Name the signal first: its control projections name it'}
          onClick={() => {
            run(addControlTarget(ocm, signalName!, node, param));
            setParam('');
          }}
        >
          Add
        </button>
      </span>
    </div>
  );
}
