/** The Results region: a live plot per output port and a table of the latest trials. */
import { useShallow } from 'zustand/react/shallow';
import { useState } from 'react';
import { useHistoryState, useRunState } from '../context.js';
import { ResultsPlot } from './ResultsPlot.js';
import { RunHistoryDialog } from './RunHistory.js';
import { PassesDialog } from './PassPlot.js';

/** Trials shown in the table (the latest ones). */
export const TABLE_ROWS = 50;

export function formatValue(v: number | null): string {
  if (v === null) return 'non-finite';
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e5 || a < 1e-4 ? v.toExponential(4) : v.toFixed(5).replace(/\.?0+$/, '');
}

export function ResultsPanel() {
  // results grow in place; the version says when to re-render
  const { columns, results, total, status, runId } = useRunState(
    useShallow((s) => ({ columns: s.columns, results: s.results, version: s.resultsVersion, total: s.total, status: s.status, runId: s.runId })),
  );
  const historyCount = useHistoryState((s) => s.runs.length);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [passesOpen, setPassesOpen] = useState(false);
  const first = Math.max(0, results.length - TABLE_ROWS);
  const shown = results.slice(first);
  return (
    <section className="panel results" role="region" aria-label="Results" data-status={status} data-trials={results.length}>
      <h2>
        Results
        <span className="panel-meta">
          {columns.length > 0 && `${results.length} / ${total} trials `}
          <button type="button" className="small" onClick={() => setPassesOpen(true)} title="A node’s value at each pass of one trial">
            Passes
          </button>{' '}
          <button type="button" className="small" onClick={() => setHistoryOpen(true)} aria-label="Run history">
            History ({historyCount})
          </button>
        </span>
      </h2>
      {historyOpen && <RunHistoryDialog onClose={() => setHistoryOpen(false)} />}
      {passesOpen && <PassesDialog onClose={() => setPassesOpen(false)} />}
      {columns.length === 0 && <p className="hint">Press Run (Ctrl+Enter) to see the output ports over trials.</p>}
      <div className="plots">
        {columns.map((c, i) => (
          <ResultsPlot key={`${runId}:${c.node}.${c.port}`} column={c} index={i} />
        ))}
      </div>
      {results.length > 0 && (
        <div className="table-wrap">
          {first > 0 && <p className="hint">Showing the last {shown.length} of {results.length} trials.</p>}
          <table aria-label="Results table">
            <thead>
              <tr>
                <th scope="col">trial</th>
                {columns.map((c, ci) =>
                  Array.from({ length: c.size }, (_, e) => (
                    <th scope="col" key={`${ci}:${e}`}>
                      {c.node}.{c.port}
                      {c.size > 1 ? `[${e}]` : ''}
                    </th>
                  )),
                )}
              </tr>
            </thead>
            <tbody>
              {shown.map((row, k) => (
                <tr key={first + k} data-trial={first + k}>
                  <th scope="row">{first + k + 1}</th>
                  {row.map((values, ci) =>
                    values.map((v, e) => (
                      <td key={`${ci}:${e}`} data-column={ci} data-element={e} data-value={v === null ? 'null' : String(v)}>
                        {formatValue(v)}
                      </td>
                    )),
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
