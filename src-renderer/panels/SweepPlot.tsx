/**
 * A sweep's results drawn as they arrive: a line plot over the swept parameter (uPlot, one line
 * per statistic) for one parameter, a heatmap of one statistic (a canvas) for two. Both redraw
 * once per frame from the sweep store and hand their canvas to the panel for PNG export.
 */
import { useEffect, useRef, type MutableRefObject } from 'react';
import uPlot from 'uplot';
import type { SweepState, SweepStore } from '../store/sweep-store.js';
import { SERIES_COLORS } from './ResultsPlot.js';
import { formatValue } from './ResultsPanel.js';

const PLOT_HEIGHT = 220;

/** Calls `draw` now and once per animation frame after the store's rows change (the latest `draw` each time). */
function useRedraw(store: SweepStore, draw: (s: SweepState) => void, key: unknown): void {
  const latest = useRef(draw);
  latest.current = draw;
  useEffect(() => {
    let frame = 0;
    latest.current(store.getState());
    const unsubscribe = store.subscribe((s, prev) => {
      if (s.version === prev.version || frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        latest.current(store.getState());
      });
    });
    return () => {
      unsubscribe();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [store, key]);
}

interface PlotProps {
  store: SweepStore;
  header: readonly string[];
  /** Set to the plot's canvas while it is shown (for PNG export). */
  canvasRef: MutableRefObject<HTMLCanvasElement | null>;
}

export function SweepLinePlot({ store, header, canvasRef }: PlotProps) {
  const host = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const stats = header.slice(1);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: PLOT_HEIGHT,
      legend: { show: true },
      scales: { x: { time: false } },
      axes: [{ label: header[0], size: 32, labelSize: 14 }, { size: 56 }],
      series: [{ label: header[0] }, ...stats.map((name, i) => ({ label: name, stroke: SERIES_COLORS[i % SERIES_COLORS.length]!, width: 1.5, points: { show: true, size: 4 } }))],
    };
    const plot = new uPlot(opts, [[], ...stats.map(() => [])] as uPlot.AlignedData, el);
    canvasRef.current = plot.ctx.canvas;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: PLOT_HEIGHT }));
    resize.observe(el);
    plotRef.current = plot;
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
      canvasRef.current = null;
    };
  }, [header, stats.length, canvasRef]);

  useRedraw(
    store,
    (s) => {
      const plot = plotRef.current;
      if (!plot) return;
      // uPlot wants x ascending; a range may run from high to low
      const rows = s.rows.filter((r) => r !== undefined).sort((a, b) => a.values[0]! - b.values[0]!);
      plot.setData([rows.map((r) => r.values[0]!), ...stats.map((_, i) => rows.map((r) => r.stats[i] ?? null))] as uPlot.AlignedData);
      if (host.current) host.current.dataset.points = String(rows.length);
    },
    header,
  );

  return <div ref={host} className="plot-canvas" role="img" aria-label={`Line plot of ${stats.join(', ')} over ${header[0]}`} data-plot="sweep-line" />;
}

/** viridis, sampled: perceptually even and readable in grey. */
const VIRIDIS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'].map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));

function colour(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i]!, VIRIDIS[i + 1]!];
  return `rgb(${a.map((v, k) => Math.round(v + (b[k]! - v) * f)).join(',')})`;
}

const MARGIN = { left: 64, right: 72, top: 10, bottom: 44 };

/** Two swept parameters: the first along x, the second along y; cell colour = the chosen statistic. */
export function SweepHeatmap({ store, header, column, canvasRef }: PlotProps & { column: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    canvasRef.current = canvas.current;
    return () => {
      canvasRef.current = null;
    };
  }, [canvasRef]);

  const draw = (s: SweepState) => {
    const c = canvas.current;
    if (!c) return;
    const width = Math.max(240, c.parentElement?.clientWidth ?? 360);
    const height = PLOT_HEIGHT + 40;
    const dpr = window.devicePixelRatio || 1;
    c.width = width * dpr;
    c.height = height * dpr;
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const rows = s.rows;
    const [xs = [], ys = []] = s.axes;
    const nx = Math.max(1, xs.length);
    const ny = Math.max(1, ys.length);
    const values = rows.map((r) => r?.stats[column] ?? null).filter((v): v is number => v !== null);
    const lo = values.reduce((a, b) => Math.min(a, b), Infinity);
    const hi = values.reduce((a, b) => Math.max(a, b), -Infinity);
    const w = width - MARGIN.left - MARGIN.right;
    const h = height - MARGIN.top - MARGIN.bottom;
    const cw = w / nx;
    const ch = h / ny;
    for (let i = 0; i < s.total; i++) {
      const ix = Math.floor(i / ny);
      const iy = i % ny;
      const v = rows[i]?.stats[column];
      ctx.fillStyle = v === undefined || v === null ? '#e5e7eb' : colour(hi > lo ? (v - lo) / (hi - lo) : 0.5);
      ctx.fillRect(MARGIN.left + ix * cw, MARGIN.top + h - (iy + 1) * ch, Math.ceil(cw), Math.ceil(ch));
    }
    ctx.fillStyle = '#374151';
    ctx.font = '11px system-ui, sans-serif';
    // ticks: every value of a short axis, else about six of them (the ends included)
    const every = (n: number) => Math.max(1, Math.ceil((n - 1) / 5));
    ctx.textAlign = 'center';
    xs.forEach((x, i) => {
      if (i % every(nx) === 0 || i === nx - 1) ctx.fillText(formatValue(x), MARGIN.left + (i + 0.5) * cw, MARGIN.top + h + 14);
    });
    ctx.textAlign = 'right';
    ys.forEach((y, i) => {
      if (i % every(ny) === 0 || i === ny - 1) ctx.fillText(formatValue(y), MARGIN.left - 4, MARGIN.top + h - (i + 0.5) * ch + 4);
    });
    ctx.textAlign = 'center';
    ctx.fillText(header[0] ?? '', MARGIN.left + w / 2, height - 8);
    ctx.save();
    ctx.translate(12, MARGIN.top + h / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(header[1] ?? '', 0, 0);
    ctx.restore();
    // colour bar with the statistic's range
    const bx = width - MARGIN.right + 12;
    for (let k = 0; k < h; k++) {
      ctx.fillStyle = colour(1 - k / h);
      ctx.fillRect(bx, MARGIN.top + k, 12, 1);
    }
    ctx.fillStyle = '#374151';
    ctx.textAlign = 'left';
    if (values.length) {
      ctx.fillText(formatValue(hi), bx + 15, MARGIN.top + 9);
      ctx.fillText(formatValue(lo), bx + 15, MARGIN.top + h);
    }
    c.dataset.cells = String(values.length);
  };
  useRedraw(store, draw, `${column}|${header.join('|')}`);

  return <canvas ref={canvas} className="sweep-heatmap" role="img" aria-label={`Heatmap of ${header[2 + column] ?? ''} over ${header[0]} and ${header[1]}`} data-plot="sweep-heatmap" />;
}
