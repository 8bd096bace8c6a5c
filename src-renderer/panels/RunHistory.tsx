/**
 * Run history: the session's runs (newest first) with mode requested → executed, trials, time,
 * model name and hash. A run can be shown again in Results; two ticked runs are compared: both
 * overlaid per port, and the largest absolute difference per port.
 */
import { useMemo, useState } from 'react';
import { useHistoryState, useStudio } from '../context.js';
import { compareRuns, type RunRecord } from '../store/run-history.js';
import { formatValue } from './ResultsPanel.js';
import { SERIES_COLORS } from './ResultsPlot.js';
import { ModalDialog } from './ModalDialog.js';
import { StaticPlot } from './StaticPlot.js';
import type { SvgSeries } from '../files/exports.js';

const time = (ms: number) => new Date(ms).toLocaleTimeString();

export function RunHistoryDialog({ onClose }: { onClose: () => void }) {
  const studio = useStudio();
  const runs = useHistoryState((s) => s.runs);
  const compare = useHistoryState((s) => s.compare);
  const [comparing, setComparing] = useState(false);
  const pair = compare.map((seq) => runs.find((r) => r.seq === seq)).filter((r): r is RunRecord => !!r);

  const show = (r: RunRecord) => {
    // the run's results back in the Results panel (a finished run: no more events arrive for it)
    studio.run.setState({
      status: r.status,
      runId: r.runId,
      columns: r.columns,
      results: r.results,
      resultsVersion: studio.run.getState().resultsVersion + 1,
      total: r.trials,
      diagnostics: r.diagnostics,
      timings: r.timings,
      error: null,
    });
    onClose();
  };

  return (
    <ModalDialog label="Run history" className="history-dialog" onClose={onClose}>
      {runs.length === 0 ? (
        <p className="hint">No runs yet in this session.</p>
      ) : (
        <table className="history" aria-label="Runs">
          <thead>
            <tr>
              <th scope="col">compare</th>
              <th scope="col">#</th>
              <th scope="col">time</th>
              <th scope="col">model</th>
              <th scope="col">mode → executed</th>
              <th scope="col">trials</th>
              <th scope="col">took</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.seq} data-run={r.seq}>
                <td>
                  <input type="checkbox" aria-label={`Compare run ${r.seq}`} checked={compare.includes(r.seq)} onChange={() => studio.history.getState().toggleCompare(r.seq)} />
                </td>
                <th scope="row">{r.seq}</th>
                <td>{time(r.startedAt)}</td>
                <td title={`model hash ${r.modelHash}`}>
                  {r.modelName} <code className="hash">{r.modelHash}</code>
                </td>
                <td>
                  {r.mode} → {r.executedMode ?? '?'}
                </td>
                <td>
                  {r.trials}
                  {r.status === 'cancelled' ? ' (stopped)' : ''}
                </td>
                <td>{r.timings ? `${r.timings.total_ms.toFixed(0)} ms` : '—'}</td>
                <td>
                  <button type="button" className="small" onClick={() => show(r)} aria-label={`Show run ${r.seq}`}>
                    Show
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="dialog-buttons">
        <span className="hint">{pair.length === 2 ? `Run ${pair[0]!.seq} vs run ${pair[1]!.seq}` : 'Tick two runs to compare them.'}</span>
        <button type="button" className="primary" disabled={pair.length !== 2} onClick={() => setComparing(true)}>
          Compare
        </button>
      </div>
      {comparing && pair.length === 2 && <RunComparison a={pair[0]!} b={pair[1]!} />}
    </ModalDialog>
  );
}

function RunComparison({ a, b }: { a: RunRecord; b: RunRecord }) {
  const diffs = useMemo(() => compareRuns(a, b), [a, b]);
  const same = a.modelHash === b.modelHash;
  return (
    <section className="comparison" role="region" aria-label="Comparison">
      <p className={same ? 'hint' : 'warnings'}>
        {same ? 'Same model (equal hashes).' : `Different models: ${a.modelName} ${a.modelHash} vs ${b.modelName} ${b.modelHash}.`} Trials compared:{' '}
        {Math.min(a.results.length, b.results.length)}.
      </p>
      <table aria-label="Largest absolute difference per port">
        <thead>
          <tr>
            <th scope="col">port</th>
            <th scope="col">max |run {a.seq} − run {b.seq}|</th>
          </tr>
        </thead>
        <tbody>
          {diffs.map((d) => (
            <tr key={`${d.node}.${d.port}`} data-port={`${d.node}.${d.port}`} data-diff={d.maxAbsDiff === null ? 'missing' : String(d.maxAbsDiff)}>
              <th scope="row">
                {d.node}.{d.port}
              </th>
              <td>{d.maxAbsDiff === null ? `not in run ${b.seq}` : d.maxAbsDiff === Infinity ? 'non-finite in one run' : formatValue(d.maxAbsDiff)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="plots">
        {a.columns.map((col, ia) => {
          const ib = b.columns.findIndex((c) => c.node === col.node && c.port === col.port);
          if (ib < 0) return null;
          const trials = Math.min(a.results.length, b.results.length);
          const xs = Array.from({ length: trials }, (_, t) => t + 1);
          // element 0 of each run, and more elements when the port is small
          const elements = Math.min(col.size, 2);
          const series: SvgSeries[] = [];
          for (let e = 0; e < elements; e++) {
            // the second run dashed, so that equal runs still show both lines
            series.push({ label: `run ${a.seq} [${e}]`, color: SERIES_COLORS[(2 * e) % SERIES_COLORS.length]!, values: xs.map((_, t) => a.results[t]![ia]?.[e] ?? null) });
            series.push({ label: `run ${b.seq} [${e}]`, color: SERIES_COLORS[(2 * e + 1) % SERIES_COLORS.length]!, values: xs.map((_, t) => b.results[t]![ib]?.[e] ?? null), dashed: true });
          }
          return <StaticPlot key={`${col.node}.${col.port}`} title={`${col.node}.${col.port}: run ${a.seq} vs ${b.seq}`} xLabel="trial" xs={xs} series={series} label={`Overlay of ${col.node}.${col.port}`} />;
        })}
      </div>
    </section>
  );
}
