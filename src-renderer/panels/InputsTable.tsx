/**
 * The inputs editor of one input node: a table with a row per trial and a column per input
 * element, checked against the node's input size. Cells commit like other fields (Enter or
 * leaving the cell); a block of numbers pasted into a cell fills the table from there; "Paste CSV"
 * takes CSV text. Each change is one `setRunInputs` command, so undo/redo work as everywhere.
 */
import { useId, useState, type ClipboardEvent, type KeyboardEvent } from 'react';
import { useModelState, useRunState, useStudio } from '../context.js';
import { isObject, type NodeSpec } from '../model/document.js';
import { columnNames, inputLayout, inputRows, inputShapeProblems, parseCell, parseCsvRows, pasteBlock, rowsToCsv, rowsToInputs, splitCsv } from '../model/inputs.js';
import { setRunInputs } from '../store/commands.js';
import { DraftInput } from './fields.js';

/** Trials shown as rows at most (a long run's inputs are edited as CSV beyond this; the DOM stays small). */
export const MAX_TABLE_ROWS = 200;

/** Enter in a cell moves to the cell below, as in a spreadsheet (the commit happens on blur). */
function focusCellBelow(e: KeyboardEvent<HTMLTableElement>) {
  if (e.key !== 'Enter' || !(e.target instanceof HTMLInputElement)) return;
  const cell = e.target.closest('td');
  const row = cell?.parentElement;
  const below = row?.nextElementSibling?.children[Array.prototype.indexOf.call(row.children, cell)];
  below?.querySelector('input')?.focus();
}

export function InputsTable({ node }: { node: string }) {
  const studio = useStudio();
  const spec = useModelState((s) => s.model.nodes[node]) as NodeSpec | undefined;
  const inputs = useModelState((s) => {
    const run = (s.model as { run?: unknown }).run;
    return isObject(run) && isObject(run.inputs) ? run.inputs[node] : undefined;
  });
  const trials = useRunState((s) => s.trials);
  const hostIssue = useRunState((s) => (s.validation?.issues ?? []).filter((i) => i.path.startsWith('run.inputs') && (i.path.includes(`.${node}`) || i.path.includes(JSON.stringify(node)))).map((i) => i.message).join('; '));
  const [local, setLocal] = useState<string | null>(null);
  const [csv, setCsv] = useState<string | null>(null);
  const errorId = useId();
  if (!spec || !isObject(spec)) return null;

  const layout = inputLayout(spec);
  const columns = columnNames(layout);
  const rows = inputRows(inputs);
  const problems = inputShapeProblems(node, inputs, layout);
  // an edit writes every row in the node's shape: missing values become 0, extra ones go
  const numeric = () => rows.map((r) => columns.map((_, j) => (typeof r[j] === 'number' ? (r[j] as number) : 0)));
  const commit = (next: number[][] | undefined) => {
    setLocal(null);
    studio.model.getState().execute(setRunInputs(node, next && next.length ? rowsToInputs(next, layout) : undefined));
  };
  const setCell = (t: number, j: number, text: string) => {
    const n = parseCell(text);
    if (n === null) return setLocal(`trial ${t + 1}, ${columns[j]}: ${JSON.stringify(text)} is not a number`);
    const next = numeric();
    next[t]![j] = n;
    commit(next);
  };
  /** A block of numbers pasted into a cell fills the table from that cell. */
  const pasteAt = (t: number, j: number) => (e: ClipboardEvent<HTMLInputElement>) => {
    const text = e.clipboardData.getData('text/plain');
    if (!/[\n,;\t]/.test(text.trim())) return; // one value: the cell takes it as typed text
    e.preventDefault();
    const cells = splitCsv(text);
    const bad = cells.flat().find((c) => parseCell(c) === null);
    if (bad !== undefined) return setLocal(`cannot paste: ${JSON.stringify(bad)} is not a number`);
    const r = pasteBlock(numeric(), { row: t, col: j }, cells.map((line) => line.map((c) => parseCell(c)!)), columns.length);
    if ('error' in r) return setLocal(`cannot paste: ${r.error}`);
    commit(r);
  };
  const applyCsv = () => {
    const r = parseCsvRows(csv ?? '', columns.length, node);
    if ('errors' in r) return setLocal(r.errors.join('; '));
    commit(r.rows);
    setCsv(null);
  };
  const message = local ?? (problems.join('; ') || hostIssue || null);

  return (
    <fieldset className="params inputs-editor" aria-label={`Inputs of ${node}`}>
      <legend>
        Inputs of {node} <span className="hint">({layout.width} per trial)</span>
      </legend>
      {rows.length === 0 ? (
        <p className="hint">No inputs: {node} gets zeros every trial.</p>
      ) : (
        <div className="table-wrap">
          <table className="inputs-table" aria-label={`Input table of ${node}`} onKeyDown={focusCellBelow}>
            <thead>
              <tr>
                <th scope="col">trial</th>
                {columns.map((c) => (
                  <th key={c} scope="col">
                    {c}
                  </th>
                ))}
                <th scope="col">
                  <span className="visually-hidden">remove</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(0, MAX_TABLE_ROWS).map((r, t) => (
                <tr key={t}>
                  <th scope="row">{t + 1}</th>
                  {columns.map((c, j) => (
                    <td key={c}>
                      <DraftInput
                        value={r[j] === undefined ? '' : String(r[j])}
                        label={`${node} trial ${t + 1} ${c}`}
                        invalid={typeof r[j] !== 'number'}
                        onCommit={(text) => setCell(t, j, text)}
                        onPaste={pasteAt(t, j)}
                      />
                    </td>
                  ))}
                  <td>
                    <button type="button" className="small" aria-label={`Remove trial ${t + 1} of ${node}`} onClick={() => commit(numeric().filter((_, i) => i !== t))}>
                      ✕
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > MAX_TABLE_ROWS && (
        <p className="hint">
          … and {rows.length - MAX_TABLE_ROWS} more trial(s): Paste CSV shows and replaces them all.
        </p>
      )}
      {rows.length > 0 && rows.length !== trials && (
        <p className="hint">
          {rows.length} trial input(s); the run has {trials} trial(s){rows.length < trials ? ' (inputs repeat from the first)' : ''}.{' '}
          <button type="button" className="small" onClick={() => studio.run.getState().setTrials(rows.length)}>
            Run {rows.length} trial(s)
          </button>
        </p>
      )}
      <div className="presets">
        <button type="button" className="small" aria-label={`Add a trial to ${node}`} onClick={() => commit([...numeric(), columns.map(() => 0)])}>
          + trial
        </button>
        <button type="button" className="small" aria-expanded={csv !== null} onClick={() => setCsv(csv === null ? rowsToCsv(rows) : null)}>
          Paste CSV
        </button>
        {rows.length > 0 && (
          <button type="button" className="small" aria-label={`Clear inputs of ${node}`} onClick={() => commit(undefined)}>
            Clear
          </button>
        )}
      </div>
      {csv !== null && (
        <div className="csv-entry">
          <textarea
            aria-label={`CSV for ${node}`}
            aria-describedby={message ? errorId : undefined}
            aria-invalid={message ? true : undefined}
            rows={4}
            value={csv}
            placeholder={`one trial per line, ${layout.width} value(s) each, e.g.\n${columns.map((_, i) => i).join(', ')}`}
            onChange={(e) => setCsv(e.target.value)}
          />
          <div className="presets">
            <button type="button" className="small" onClick={applyCsv}>
              Apply CSV
            </button>
            <button type="button" className="small" onClick={() => (setCsv(null), setLocal(null))}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {message && (
        <p id={errorId} className="field-error" role="alert">
          {message}
        </p>
      )}
    </fieldset>
  );
}
