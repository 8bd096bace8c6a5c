/**
 * The Sweep panel: pick one or two node parameters of the model and their ranges, the trials and
 * a statistic; run the grid on the host (`sweep.start`, streamed back point by point) with a
 * progress bar and Stop; see a line plot (one parameter) or a heatmap (two) and the table, and
 * export them (CSV; PNG/SVG) through the host like the other exports. Runs in the toolbar's mode.
 */
import { useMemo, useState } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { MAX_SWEEP_POINTS, SWEEPABLE_PARAM_KINDS, type Catalog, type ModelDocument, type SweepRange } from '../../shared/ipc/protocol.js';
import { describeSweepCompiles, sweepCsvText } from '../../shared/ipc/sweep-table.js';
import { useModelState, useRunState, useStudio } from '../context.js';
import { isObject, nodeEntries, outputPortNames } from '../model/document.js';
import { functionInfo, mechanismInfo } from '../store/catalog-store.js';
import { MAX_PANEL_PARAMS, sweepStoreFor, tableRows } from '../store/sweep-store.js';
import { exportStem, saveExport } from '../files/exports.js';
import { formatValue } from './ResultsPanel.js';
import { SweepHeatmap, SweepLinePlot } from './SweepPlot.js';
import './SweepPanel.css';

/** Rows shown in the panel's table (the export has them all). */
const TABLE_ROWS = 200;
const DEFAULT_POINTS = 11;

interface TargetOption {
  target: string;
  /** The parameter's value in the model (or its default), when it is a number. */
  value: number | undefined;
  integer: boolean;
}

/** Every node parameter a sweep can set, grouped by node (mechanism's first, then its function's). */
function sweepTargets(model: ModelDocument, catalog: Catalog | null): { node: string; options: TargetOption[] }[] {
  return nodeEntries(model).map(([node, spec]) => {
    const mech = mechanismInfo(catalog, spec.type);
    const fnSpec = isObject(spec.function) ? spec.function : {};
    const fn = functionInfo(catalog, typeof fnSpec.type === 'string' ? fnSpec.type : (mech?.defaultFunction ?? ''));
    const sweepable = <T extends { kind: string }>(ps: readonly T[] | undefined) => (ps ?? []).filter((p) => SWEEPABLE_PARAM_KINDS.includes(p.kind));
    const mechParams = sweepable(mech?.params);
    const option = (name: string, kind: string, v: unknown, prefix: string): TargetOption => ({ target: `${node}.${prefix}${name}`, value: typeof v === 'number' ? v : undefined, integer: kind === 'integer' });
    return {
      node,
      options: [
        ...mechParams.map((p) => option(p.name, p.kind, spec[p.name] ?? p.default, '')),
        ...sweepable(fn?.params).map((p) => option(p.name, p.kind, fnSpec[p.name] ?? p.default, mechParams.some((m) => m.name === p.name) ? 'function.' : '')),
      ],
    };
  });
}

/** A first range around the parameter's current value. */
function defaultRange(o: TargetOption): SweepRange {
  const v = o.value ?? 0;
  if (o.integer) return { target: o.target, start: v, stop: v + DEFAULT_POINTS - 1, n: DEFAULT_POINTS };
  return v === 0 ? { target: o.target, start: 0, stop: 1, n: DEFAULT_POINTS } : { target: o.target, start: v * 0.5, stop: v * 1.5, n: DEFAULT_POINTS };
}

/** Statistic choices: per output port mean/final/std, and rt/accuracy for DDM nodes. */
function statOptions(model: ModelDocument): { value: string; label: string }[] {
  return nodeEntries(model).flatMap(([node, spec]) => [
    ...(spec.type === 'DDM' ? [{ value: `${node}:rt`, label: `${node}: RT (mean)` }, { value: `${node}:accuracy`, label: `${node}: accuracy` }] : []),
    ...outputPortNames(spec).flatMap((port) => ['mean', 'final', 'std'].map((k) => ({ value: `${node}.${port}:${k}`, label: `${node}.${port}: ${k}` }))),
  ]);
}

export function SweepPanel() {
  const studio = useStudio();
  const store = useMemo(() => sweepStoreFor(studio), [studio]);
  const [open, setOpen] = useState(false);
  const [column, setColumn] = useState(0);
  const model = useModelState((s) => s.model);
  const mode = useRunState((s) => s.mode);
  const catalog = useStore(studio.catalog, (s) => s.catalog);
  const s = useStore(
    store,
    useShallow((x) => ({ ranges: x.ranges, trials: x.trials, stat: x.stat, status: x.status, header: x.header, axes: x.axes, total: x.total, done: x.done, version: x.version, error: x.error, warnings: x.warnings, executedModes: x.executedModes, pointsPerS: x.pointsPerS, perPoint: x.perPoint, runId: x.runId })),
  );
  const targets = useMemo(() => sweepTargets(model, catalog), [model, catalog]);
  const stats = useMemo(() => statOptions(model), [model]);
  const flat = targets.flatMap((t) => t.options);
  const busy = s.status === 'running' || s.status === 'starting';
  const points = s.ranges.reduce((a, r) => a * r.n, 1);
  const st = store.getState();
  const rows = tableRows(st);
  const statNames = s.header.slice(s.axes.length);
  const exportName = `${typeof model.name === 'string' && model.name ? model.name : 'model'}-sweep`;
  const exportCsv = () =>
    saveExport(studio, `${exportStem(exportName)}.csv`, sweepCsvText(s.header, rows)).then(
      (path) => path && studio.files.getState().setNotice(`Exported the sweep to ${path}`),
      (e: Error) => studio.files.getState().setNotice(`Export failed: ${e.message}`),
    );

  const addRange = () => {
    const used = new Set(s.ranges.map((r) => r.target));
    const next = flat.find((o) => !used.has(o.target));
    if (next) st.addRange(defaultRange(next));
  };
  const numberField = (i: number, key: 'start' | 'stop' | 'n', label: string, value: number) => (
    <label className="field">
      {label}
      <input
        type="number"
        aria-label={`${label} (${s.ranges[i]!.target})`}
        value={value}
        step={key === 'n' ? 1 : 'any'}
        min={key === 'n' ? 1 : undefined}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v) && (key !== 'n' || (Number.isInteger(v) && v >= 1))) st.setRange(i, { [key]: v });
        }}
      />
    </label>
  );

  return (
    <section className={`panel sweep${open ? ' open' : ''}`} role="region" aria-label="Sweep" data-status={s.status} data-done={s.done} data-total={s.total}>
      <h2>
        <button type="button" className="panel-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? '▾' : '▸'} Sweep
        </button>
        {s.total > 0 && (
          <span className="panel-meta">
            {s.done} / {s.total} points
          </span>
        )}
      </h2>
      {open && (
        <div className="sweep-body">
          {s.ranges.map((r, i) => (
            <fieldset key={i} className="sweep-range" aria-label={`Swept parameter ${i + 1}`}>
              <select aria-label={`Parameter ${i + 1}`} value={r.target} onChange={(e) => st.setRange(i, defaultRange(flat.find((o) => o.target === e.target.value)!))}>
                {!flat.some((o) => o.target === r.target) && <option value={r.target}>{r.target}</option>}
                {targets.map((t) => (
                  <optgroup key={t.node} label={t.node}>
                    {t.options.map((o) => (
                      <option key={o.target} value={o.target}>
                        {o.target}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
              {numberField(i, 'start', 'From', r.start)}
              {numberField(i, 'stop', 'To', r.stop)}
              {numberField(i, 'n', 'Points', r.n)}
              <button type="button" className="small" aria-label={`Remove ${r.target}`} onClick={() => st.removeRange(i)}>
                ×
              </button>
            </fieldset>
          ))}
          {s.ranges.length === 0 && <p className="hint">Add a parameter to sweep: the model runs once per value (two parameters: every combination).</p>}
          <div className="sweep-controls">
            {s.ranges.length < MAX_PANEL_PARAMS && (
              <button type="button" onClick={addRange} disabled={flat.length === 0}>
                + Parameter
              </button>
            )}
            <label className="field">
              Trials
              <input type="number" aria-label="Sweep trials" min={1} value={s.trials} onChange={(e) => st.setTrials(Number(e.target.value))} />
            </label>
            <label className="field">
              Statistic
              <select aria-label="Statistic" value={s.stat} onChange={(e) => st.setStat(e.target.value)}>
                <option value="">mean and final of every output</option>
                {stats.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="sweep-controls">
            <button type="button" className="primary" disabled={busy || s.ranges.length === 0 || points > MAX_SWEEP_POINTS} onClick={() => void st.start(studio.host, model, mode)} title={`${points} points in ${mode} mode`}>
              Run sweep
            </button>
            <button type="button" disabled={!busy} onClick={() => void st.cancel(studio.host)}>
              Stop sweep
            </button>
            <progress aria-label="Sweep progress" max={Math.max(1, s.total)} value={s.done} />
            <span className="run-status">{statusText(s, points)}</span>
          </div>
          {s.error && (
            <p className="error" role="alert">
              {s.error.message}
            </p>
          )}
          {s.perPoint && s.status === 'done' && (
            <p className="hint" data-testid="sweep-per-point">
              Per point: compile {s.perPoint.compile_ms.toFixed(1)} ms, run {s.perPoint.run_ms.toFixed(1)} ms.
              {compiledText(s.perPoint, s.executedModes)}
            </p>
          )}
          {s.warnings.map((w) => (
            <p key={w} className="hint">
              {w}
            </p>
          ))}
          {s.header.length > 0 && (s.done > 0 || busy) && s.axes.length === 1 && <SweepLinePlot key={s.runId} store={store} header={s.header} name={exportName} />}
          {s.header.length > 0 && (s.done > 0 || busy) && s.axes.length === 2 && (
            <>
              <label className="field">
                Colour
                <select aria-label="Heatmap statistic" value={column} onChange={(e) => setColumn(Number(e.target.value))}>
                  {statNames.map((n, i) => (
                    <option key={n} value={i}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <SweepHeatmap key={s.runId} store={store} header={s.header} column={Math.min(column, statNames.length - 1)} name={exportName} />
            </>
          )}
          {rows.length > 0 && (
            <>
              <div className="sweep-controls">
                <button type="button" onClick={() => void exportCsv()}>
                  Export CSV
                </button>
              </div>
              <div className="table-wrap">
                {rows.length > TABLE_ROWS && <p className="hint">Showing the first {TABLE_ROWS} of {rows.length} points (the CSV has them all).</p>}
                <table aria-label="Sweep table">
                  <thead>
                    <tr>
                      {s.header.map((h) => (
                        <th scope="col" key={h}>
                          {h}
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.slice(0, TABLE_ROWS).map((row, k) => (
                      <tr key={k}>
                        {row.map((v, c) => (
                          <td key={c} data-value={v === null ? 'null' : String(v)}>
                            {formatValue(v)}
                          </td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </div>
      )}
    </section>
  );
}

/** How the sweep's compiled code was made: once for every point, once for some, or per point. */
function compiledText(p: { compile_ms: number; run_ms: number; compiled_once: number; compiled_codes: number; points: number }, modes: readonly string[]): string {
  if (modes.includes('Interpreted')) return '';
  const made = describeSweepCompiles(p.compiled_once, p.compiled_codes, p.points);
  const rest = p.compiled_once > 0 && p.compiled_once < p.points ? '; the rest compile per point' : '';
  const some = ` ${made[0]!.toUpperCase()}${made.slice(1)}${rest}.`;
  if (p.compiled_once === p.points) return some;
  return p.compile_ms > 5 * p.run_ms ? `${some} Each such point compiles its own code; for runs this short, Mode Interpreted may be faster.` : some;
}

function statusText(s: { status: string; executedModes: readonly string[]; pointsPerS: number | null; done: number; total: number }, points: number): string {
  switch (s.status) {
    case 'idle':
      return `${points} point${points === 1 ? '' : 's'}`;
    case 'starting':
    case 'running':
      return 'running…';
    case 'done':
      return `done (${s.executedModes.join('/')}${s.pointsPerS !== null ? `, ${s.pointsPerS.toFixed(1)} points/s` : ''})`;
    case 'cancelled':
      return `stopped after ${s.done} of ${s.total} points`;
    default:
      return s.status;
  }
}
