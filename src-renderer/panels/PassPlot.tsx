/**
 * Values over passes within one trial (integrators take many passes per trial): the user picks a
 * node and a trial; the host re-runs the model up to that trial in Interpreted mode recording the
 * node after every step it ran in (the numbers a compiled run passes through too).
 */
import { useMemo, useState } from 'react';
import type { PassTrace } from '../../shared/ipc/protocol.js';
import { useModelState, useRunState, useStudio } from '../context.js';
import { formatValue } from './ResultsPanel.js';
import { SERIES_COLORS } from './ResultsPlot.js';
import { ModalDialog } from './ModalDialog.js';
import { StaticPlot } from './StaticPlot.js';

/** Elements of a node's value drawn at most. */
const MAX_LINES = 8;

export function PassesDialog({ onClose }: { onClose: () => void }) {
  const studio = useStudio();
  const nodeSpecs = useModelState((s) => s.model.nodes);
  const nodes = useMemo(() => Object.keys(nodeSpecs), [nodeSpecs]);
  const firstOutput = useRunState((s) => s.columns[0]?.node);
  const trialsRun = useRunState((s) => s.results.length);
  const [node, setNode] = useState(firstOutput && nodes.includes(firstOutput) ? firstOutput : (nodes[0] ?? ''));
  const [trial, setTrial] = useState(1);
  const [trace, setTrace] = useState<PassTrace | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      setTrace(await studio.host.call({ method: 'run.passes', model: studio.model.getState().model, node, trial: trial - 1 }));
    } catch (e) {
      setTrace(null);
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  const plot = useMemo(() => {
    if (!trace || trace.values.length === 0) return null;
    const xs = trace.values.map((_, i) => i + 1);
    const width = Math.min(trace.values[0]!.length, MAX_LINES);
    const series = Array.from({ length: width }, (_, e) => ({ label: `[${e}]`, color: SERIES_COLORS[e % SERIES_COLORS.length]!, values: trace.values.map((v) => v[e] ?? null) }));
    return { xs, series };
  }, [trace]);

  return (
    <ModalDialog label="Values over passes" className="passes-dialog" onClose={onClose}>
      <p className="hint">
        A node’s value after each pass it ran in, within one trial. The model is re-run from its start up to that trial in Interpreted mode; its numbers equal
        those of any compiled mode.
      </p>
      <div className="passes-form">
        <label className="field">
          Node
          <select value={node} onChange={(e) => setNode(e.target.value)}>
            {nodes.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Trial
          <input type="number" min={1} step={1} value={trial} onChange={(e) => setTrial(Math.max(1, Math.floor(Number(e.target.value)) || 1))} />
        </label>
        {trialsRun > 0 && <span className="hint">(the last run had {trialsRun} trials)</span>}
        <button type="button" className="primary" disabled={busy || !node} onClick={() => void show()}>
          {busy ? 'Running…' : 'Show passes'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {trace && (
        <section role="region" aria-label="Passes" data-steps={trace.steps}>
          <p className="hint">
            {trace.node} ran in {trace.steps} step(s) of trial {trace.trial + 1}
            {trace.truncated ? `; the first ${trace.values.length} are shown` : ''}. Last value:{' '}
            <span data-testid="last-pass-value">{trace.values.at(-1)?.map(formatValue).join(', ') ?? '—'}</span>
          </p>
          {plot && (
            <StaticPlot
              title={`${trace.node} in trial ${trace.trial + 1}`}
              xLabel="pass"
              xs={plot.xs}
              series={plot.series}
              label={`Plot of ${trace.node} over passes in trial ${trace.trial + 1}`}
            />
          )}
        </section>
      )}
    </ModalDialog>
  );
}
