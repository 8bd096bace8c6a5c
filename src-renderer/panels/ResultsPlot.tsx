/**
 * A live line plot of one output port over trials (one line per element), drawn by uPlot
 * outside React's render cycle: it reads the run store directly and redraws once per frame.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { OutputColumn } from '../../shared/ipc/protocol.js';
import { useStudio } from '../context.js';
import type { RunState } from '../store/run-store.js';
import { plotSvg } from '../files/exports.js';
import { COUNT_STEPS, PlotExports } from './StaticPlot.js';

export const SERIES_COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
/** Elements drawn per port at most (a port of 1,000 units would be unreadable as lines). */
const MAX_LINES = 8;

export function ResultsPlot({ column, index }: { column: OutputColumn; index: number }) {
  const studio = useStudio();
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const lines = Math.min(column.size, MAX_LINES);
    const xs: number[] = [];
    const ys: (number | null)[][] = Array.from({ length: lines }, () => []);
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: 150,
      legend: { show: lines > 1 },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false } },
      axes: [{ label: 'trial', size: 32, labelSize: 14, incrs: COUNT_STEPS }, { size: 52 }],
      series: [{ label: 'trial' }, ...Array.from({ length: lines }, (_, e) => ({ label: `[${e}]`, stroke: SERIES_COLORS[e % SERIES_COLORS.length]!, width: 1.5, points: { show: false } }))],
    };
    const plot = new uPlot(opts, [xs, ...ys] as uPlot.AlignedData, el);
    let frame = 0;
    const sync = (s: RunState) => {
      if (s.results.length < xs.length) {
        xs.length = 0;
        for (const y of ys) y.length = 0;
      }
      for (let t = xs.length; t < s.results.length; t++) {
        xs.push(t + 1);
        const values = s.results[t]![index] ?? [];
        for (let e = 0; e < lines; e++) ys[e]!.push(values[e] ?? null);
      }
      plot.setData([xs, ...ys] as uPlot.AlignedData);
      el.dataset.points = String(xs.length);
    };
    sync(studio.run.getState());
    const unsubscribe = studio.run.subscribe((s, prev) => {
      if (s.resultsVersion === prev.resultsVersion || frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        sync(studio.run.getState());
      });
    });
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: 150 }));
    resize.observe(el);
    return () => {
      unsubscribe();
      resize.disconnect();
      if (frame) cancelAnimationFrame(frame);
      plot.destroy();
    };
  }, [studio, column.size, index]);

  const svg = () => {
    const results = studio.run.getState().results;
    const lines = Math.min(column.size, MAX_LINES);
    return plotSvg({
      title: `${column.node}.${column.port}`,
      xLabel: 'trial',
      xs: results.map((_, t) => t + 1),
      series: Array.from({ length: lines }, (_, e) => ({ label: `[${e}]`, color: SERIES_COLORS[e % SERIES_COLORS.length]!, values: results.map((r) => r[index]?.[e] ?? null) })),
    });
  };

  return (
    <figure className="plot">
      <figcaption>
        {column.node}.{column.port}
        <PlotExports name={`${column.node}.${column.port}`} canvasOf={() => host.current?.querySelector('canvas') ?? null} svg={svg} />
      </figcaption>
      <div ref={host} className="plot-canvas" role="img" aria-label={`Plot of ${column.node}.${column.port} over trials`} data-plot={`${column.node}.${column.port}`} />
    </figure>
  );
}
