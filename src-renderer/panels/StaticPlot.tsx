/** A uPlot line plot of fixed data (run comparison, values over passes), with PNG and SVG export. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { useStudio } from '../context.js';
import { canvasPngBase64, exportStem, plotSvg, saveExport, type SvgSeries } from '../files/exports.js';

/** Tick steps of a count axis (trials, passes): whole numbers only. */
export const COUNT_STEPS = Array.from({ length: 21 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

export function StaticPlot({ title, xLabel, xs, series, label }: { title: string; xLabel: string; xs: readonly number[]; series: readonly SvgSeries[]; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const plot = new uPlot(
      {
        width: Math.max(240, el.clientWidth),
        height: 180,
        legend: { show: true },
        scales: { x: { time: false } },
        axes: [{ label: xLabel, size: 32, labelSize: 14, incrs: COUNT_STEPS }, { size: 56 }],
        series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, ...(s.dashed ? { dash: [6, 4] } : {}), points: { show: xs.length < 60 } }))],
      },
      [[...xs], ...series.map((s) => [...s.values])] as uPlot.AlignedData,
      el,
    );
    el.dataset.points = String(xs.length);
    return () => plot.destroy();
  }, [xs, series, xLabel]);
  return (
    <figure className="plot">
      <figcaption>
        {title}
        <PlotExports name={title} canvasOf={() => host.current?.querySelector('canvas') ?? null} svg={() => plotSvg({ title, xLabel, xs, series })} />
      </figcaption>
      <div ref={host} className="plot-canvas" role="img" aria-label={label} />
    </figure>
  );
}

/** PNG and SVG buttons of a plot: the PNG is uPlot's canvas, the SVG is drawn from the same data. */
export function PlotExports({ name, canvasOf, svg }: { name: string; canvasOf: () => HTMLCanvasElement | null; svg: () => string }) {
  const studio = useStudio();
  const save = (file: string, content: string, encoding: 'utf8' | 'base64') =>
    saveExport(studio, file, content, encoding).then(
      (path) => path && studio.files.getState().setNotice(`Exported the plot to ${path}`),
      (e: Error) => studio.files.getState().setNotice(`Export failed: ${e.message}`),
    );
  const stem = exportStem(name);
  return (
    <span className="plot-exports">
      <button
        type="button"
        className="small"
        aria-label={`Export ${name} as PNG`}
        onClick={() => {
          const canvas = canvasOf();
          if (canvas) void save(`${stem}.png`, canvasPngBase64(canvas), 'base64');
        }}
      >
        PNG
      </button>
      <button type="button" className="small" aria-label={`Export ${name} as SVG`} onClick={() => void save(`${stem}.svg`, svg(), 'utf8')}>
        SVG
      </button>
    </span>
  );
}
