/**
 * The conditions editor: a scheduling condition (a node's, or the model's termination) as a form.
 * Every type of model-format.md can be chosen; All/Any hold a list of conditions and Not/NWhen
 * one, edited in place to any depth; node arguments are selects/checkboxes of existing nodes;
 * numbers are checked against the shared schema before they are committed. Every change builds
 * the whole new condition (model/conditions.ts) and hands it to `onChange`: one command per edit.
 */
import { useState } from 'react';
import {
  CONDITION_TYPES,
  THRESHOLD_COMPARATORS,
  TIME_SCALES,
  argProblem,
  conditionArgs,
  conditionAt,
  conditionProblems,
  describeCondition,
  newCondition,
  replaceAt,
  type ArgInfo,
  type ConditionPath,
  type ConditionProblem,
} from '../model/conditions.js';
import { isObject } from '../model/document.js';
import { DraftInput, Row } from './fields.js';

export interface ConditionEditorProps {
  /** The condition (undefined: the default). */
  value: unknown;
  onChange: (condition: Record<string, unknown> | undefined) => void;
  /** Every node of the model, in the order a new dependency should prefer (others first). */
  nodes: readonly string[];
  /** The accessible name of the type select, e.g. "condition" or "trial termination". */
  label: string;
  /** The text of the empty choice, e.g. "default (Always)". */
  defaultText: string;
  help: string;
  /** A message from the host's validation for this condition. */
  error?: string | undefined;
}

export function ConditionEditor({ value, onChange, nodes, label, defaultText, help, error }: ConditionEditorProps) {
  const problems = value === undefined ? [] : conditionProblems(value, nodes);
  const set = (path: ConditionPath, sub: unknown) => {
    const next = replaceAt(value, path, sub);
    onChange(isObject(next) ? next : undefined);
  };
  return (
    <div className="condition-editor" role="group" aria-label={label}>
      <ConditionPart root={value} path={[]} prefix="" label={label} defaultText={defaultText} help={help} error={error} nodes={nodes} problems={problems} set={set} />
      {value !== undefined && (
        <p className="condition-summary" title="The condition as PsyNeuLink would write it">
          <code>{describeCondition(value)}</code>
        </p>
      )}
    </div>
  );
}

interface PartProps {
  root: unknown;
  path: ConditionPath;
  /** '' for the root; "1", "1.2", "1.inner" for nested parts (used in the accessible names). */
  prefix: string;
  label: string;
  defaultText?: string;
  help?: string;
  error?: string | undefined;
  nodes: readonly string[];
  problems: ConditionProblem[];
  set: (path: ConditionPath, value: unknown) => void;
  onRemove?: () => void;
}

const samePath = (a: ConditionPath, b: ConditionPath) => a.length === b.length && a.every((k, i) => k === b[i]);

/** One condition of the tree: its type and its arguments (nested parts recursively). */
function ConditionPart({ root, path, prefix, label, defaultText, help, error, nodes, problems, set, onRemove }: PartProps) {
  const cond = conditionAt(root, path);
  const type = isObject(cond) && typeof cond.type === 'string' ? cond.type : '';
  const nested = prefix !== '';
  const typeLabel = nested ? `part ${prefix} type` : label;
  const own = problems.filter((p) => samePath(p.path, [...path, 'type']) || samePath(p.path, path)).map((p) => p.message);
  const typeError = [error, ...own].filter(Boolean).join('; ') || undefined;
  const known = (CONDITION_TYPES as readonly string[]).includes(type);
  const args = type ? conditionArgs(type) : [];
  return (
    <div className={nested ? 'condition-part nested' : 'condition-part'} role={nested ? 'group' : undefined} aria-label={nested ? `part ${prefix}` : undefined}>
      <Row label={nested ? `part ${prefix}` : label} help={nested ? undefined : help} error={typeError}>
        {(id, d) => (
          <span className="inline">
            <select id={id} aria-label={typeLabel} aria-describedby={d} value={type} onChange={(e) => set(path, e.target.value ? newCondition(e.target.value, nodes, cond) : undefined)}>
              {!nested && <option value="">{defaultText}</option>}
              {type && !known && <option value={type}>{type} (unknown)</option>}
              {CONDITION_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            {onRemove && (
              <button type="button" className="small" aria-label={`Remove part ${prefix}`} title="Remove this condition" onClick={onRemove}>
                ✕
              </button>
            )}
          </span>
        )}
      </Row>
      {isObject(cond) &&
        args.map((arg) => (
          <ArgField key={arg.name} arg={arg} type={type} cond={cond} root={root} path={path} prefix={prefix} nodes={nodes} problems={problems} set={set} label={label} />
        ))}
    </div>
  );
}

interface ArgProps {
  arg: ArgInfo;
  type: string;
  cond: Record<string, unknown>;
  root: unknown;
  path: ConditionPath;
  prefix: string;
  label: string;
  nodes: readonly string[];
  problems: ConditionProblem[];
  set: (path: ConditionPath, value: unknown) => void;
}

/** One argument of a condition, with an input of its kind. */
function ArgField({ arg, type, cond, root, path, prefix, label, nodes, problems, set }: ArgProps) {
  const [local, setLocal] = useState<string | null>(null);
  const name = prefix ? `part ${prefix} ${arg.name}` : arg.name;
  const at = [...path, arg.name];
  const value = cond[arg.name];
  const problem = problems.filter((p) => p.path.length >= at.length && samePath(p.path.slice(0, at.length), at)).map((p) => p.message).join('; ') || undefined;
  const error = local ?? problem;
  const commit = (v: unknown) => {
    setLocal(null);
    set(at, v);
  };
  // nested parts stay compact: their help is the tooltip of the field
  const help = prefix ? undefined : `${arg.help}${arg.optional ? ' Optional.' : ''}`;
  const childPrefix = (seg: string) => (prefix ? `${prefix}.${seg}` : seg);

  switch (arg.kind) {
    case 'node':
      return (
        <Row label={name} help={help} title={arg.help} error={error}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={typeof value === 'string' ? value : ''} onChange={(e) => commit(e.target.value)}>
              {(typeof value !== 'string' || !nodes.includes(value)) && <option value={typeof value === 'string' ? value : ''}>{typeof value === 'string' && value ? `${value} (missing)` : 'choose a node'}</option>}
              {nodes.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          )}
        </Row>
      );
    case 'nodes': {
      const chosen = new Set(Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
      const toggle = (n: string, on: boolean) => {
        const next = nodes.filter((x) => (x === n ? on : chosen.has(x)));
        commit(next.length === 0 && arg.optional ? undefined : next);
      };
      return (
        <fieldset className="node-checks" aria-label={name}>
          <legend title={arg.help}>{name}</legend>
          {nodes.map((n) => (
            <label key={n} className="inline">
              <input type="checkbox" checked={chosen.has(n)} onChange={(e) => toggle(n, e.target.checked)} />
              {n}
            </label>
          ))}
          {help && <small className="field-help">{help}</small>}
          {error && (
            <small className="field-error" role="alert">
              {error}
            </small>
          )}
        </fieldset>
      );
    }
    case 'timeScale':
    case 'comparator':
    case 'boolean': {
      const choices: readonly string[] = arg.kind === 'timeScale' ? TIME_SCALES : arg.kind === 'comparator' ? THRESHOLD_COMPARATORS : ['true', 'false'];
      const shown = value === undefined ? '' : String(value);
      return (
        <Row label={name} help={help} title={arg.help} error={error}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={shown} onChange={(e) => commit(e.target.value === '' ? undefined : arg.kind === 'boolean' ? e.target.value === 'true' : e.target.value)}>
              <option value="">default</option>
              {choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
        </Row>
      );
    }
    case 'condition':
      return (
        <div className="condition-children">
          <ConditionPart root={root} path={at} prefix={childPrefix('inner')} label={label} nodes={nodes} problems={problems} set={set} />
        </div>
      );
    case 'conditions': {
      const list = Array.isArray(value) ? value : [];
      return (
        <div className="condition-children" role="group" aria-label={`${name}`}>
          {list.length === 0 && <p className="hint">No conditions yet ({type === 'All' ? 'an empty All is always true' : 'an empty Any is never true'}).</p>}
          {list.map((_, i) => (
            <ConditionPart key={i} root={root} path={[...at, i]} prefix={childPrefix(String(i + 1))} label={label} nodes={nodes} problems={problems} set={set} onRemove={() => set([...at, i], undefined)} />
          ))}
          <button type="button" className="small" aria-label={`Add a condition to ${prefix ? `part ${prefix}` : label}`} onClick={() => set(at, [...list, newCondition('Always', nodes)])}>
            + condition
          </button>
        </div>
      );
    }
    default: {
      // count, number, text, indices: typed as text, checked against the schema before committing
      const text = value === undefined ? '' : Array.isArray(value) ? value.join(', ') : String(value);
      const parse = (t: string): { ok: true; v: unknown } | { ok: false; message: string } => {
        const s = t.trim();
        if (s === '') return arg.optional ? { ok: true, v: undefined } : { ok: false, message: 'required' };
        if (arg.kind === 'text') return { ok: true, v: s };
        const parts = arg.kind === 'indices' ? s.split(/[\s,]+/).filter(Boolean) : [s];
        const nums = parts.map(Number);
        if (nums.some((n) => !Number.isFinite(n))) return { ok: false, message: arg.kind === 'indices' ? 'a whole number or a list like 0, 2' : 'must be a number' };
        return { ok: true, v: arg.kind === 'indices' && nums.length > 1 ? nums : nums[0] };
      };
      return (
        <Row label={name} help={help} title={arg.help} error={error}>
          {(id, d) => (
            <DraftInput
              id={id}
              describedBy={d}
              value={text}
              placeholder={arg.optional ? 'default' : ''}
              onCommit={(t) => {
                const r = parse(t);
                if (!r.ok) return setLocal(r.message);
                const why = r.v === undefined ? null : argProblem(type, arg.name, r.v);
                if (why) return setLocal(why);
                commit(r.v);
              }}
            />
          )}
        </Row>
      );
    }
  }
}
