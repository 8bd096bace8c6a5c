/**
 * A sweep's results drawn as they arrive: a line plot over the swept parameter (uPlot, one line
 * per statistic) for one parameter, a heatmap of one statistic (a canvas) for two. Both redraw
 * once per frame from the sweep store, and export as PNG (the canvas) or SVG (drawn from the same data).
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { plotSvg, type SvgSeries } from '../files/exports.js';
import type { SweepState, SweepStore } from '../store/sweep-store.js';
import { SERIES_COLORS } from './ResultsPlot.js';
import { formatValue } from './ResultsPanel.js';
import { PlotExports } from './StaticPlot.js';

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
  /** The name exports are saved under. */
  name: string;
}

export function SweepLinePlot({ store, header, name }: PlotProps) {
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
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height: PLOT_HEIGHT }));
    resize.observe(el);
    plotRef.current = plot;
    return () => {
      resize.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [header, stats.length]);

  useRedraw(
    store,
    (s) => {
      const plot = plotRef.current;
      if (!plot) return;
      const { xs, series } = lineData(s, stats);
      plot.setData([xs, ...series.map((x) => x.values)] as uPlot.AlignedData);
      if (host.current) host.current.dataset.points = String(xs.length);
    },
    header,
  );

  const title = `${stats.join(', ')} over ${header[0]}`;
  return (
    <figure className="plot">
      <figcaption>
        {title}
        <PlotExports name={name} canvasOf={() => host.current?.querySelector('canvas') ?? null} svg={() => plotSvg({ title, xLabel: header[0] ?? '', ...lineData(store.getState(), stats) })} />
      </figcaption>
      <div ref={host} className="plot-canvas" role="img" aria-label={`Line plot of ${title}`} data-plot="sweep-line" />
    </figure>
  );
}

/** The finished points in x order (uPlot wants x ascending; a range may run from high to low), one series per statistic. */
function lineData(s: Pick<SweepState, 'rows'>, stats: readonly string[]): { xs: number[]; series: SvgSeries[] } {
  const rows = s.rows.filter((r) => r !== undefined).sort((a, b) => a.values[0]! - b.values[0]!);
  return {
    xs: rows.map((r) => r.values[0]!),
    series: stats.map((label, i) => ({ label, color: SERIES_COLORS[i % SERIES_COLORS.length]!, values: rows.map((r) => r.stats[i] ?? null) })),
  };
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
const INK = '#374151';
const EMPTY = '#e5e7eb';

interface Text {
  x: number;
  y: number;
  text: string;
  align: 'left' | 'center' | 'right';
  /** Rotated a quarter turn anticlockwise (the y axis title). */
  vertical?: boolean;
}

/** What a heatmap draws, in CSS pixels: the same for the canvas and the SVG export. */
interface HeatmapLayout {
  width: number;
  height: number;
  cells: { x: number; y: number; w: number; h: number; fill: string }[];
  texts: Text[];
  bar: { x: number; y: number; w: number; h: number };
  filled: number;
}

function heatmapLayout(s: Pick<SweepState, 'rows' | 'axes' | 'total'>, header: readonly string[], column: number, width: number, height: number): HeatmapLayout {
  const [xs = [], ys = []] = s.axes;
  const nx = Math.max(1, xs.length);
  const ny = Math.max(1, ys.length);
  const values = s.rows.map((r) => r?.stats[column] ?? null).filter((v): v is number => v !== null);
  const lo = values.reduce((a, b) => Math.min(a, b), Infinity);
  const hi = values.reduce((a, b) => Math.max(a, b), -Infinity);
  const w = width - MARGIN.left - MARGIN.right;
  const h = height - MARGIN.top - MARGIN.bottom;
  const cw = w / nx;
  const ch = h / ny;
  const cells = Array.from({ length: s.total }, (_, i) => {
    // grid order: the first parameter slowest (x), the second fastest (y, upwards)
    const ix = Math.floor(i / ny);
    const iy = i % ny;
    const v = s.rows[i]?.stats[column];
    const fill = v === undefined || v === null ? EMPTY : colour(hi > lo ? (v - lo) / (hi - lo) : 0.5);
    return { x: MARGIN.left + ix * cw, y: MARGIN.top + h - (iy + 1) * ch, w: cw, h: ch, fill };
  });
  // ticks: every value of a short axis, else about six of them (the ends included)
  const every = (n: number) => Math.max(1, Math.ceil((n - 1) / 5));
  const ticked = (n: number, i: number) => i % every(n) === 0 || i === n - 1;
  const texts: Text[] = [
    ...xs.flatMap((x, i) => (ticked(nx, i) ? [{ x: MARGIN.left + (i + 0.5) * cw, y: MARGIN.top + h + 14, text: formatValue(x), align: 'center' as const }] : [])),
    ...ys.flatMap((y, i) => (ticked(ny, i) ? [{ x: MARGIN.left - 4, y: MARGIN.top + h - (i + 0.5) * ch + 4, text: formatValue(y), align: 'right' as const }] : [])),
    { x: MARGIN.left + w / 2, y: height - 8, text: header[0] ?? '', align: 'center' },
    { x: 14, y: MARGIN.top + h / 2, text: header[1] ?? '', align: 'center', vertical: true },
  ];
  const bar = { x: width - MARGIN.right + 12, y: MARGIN.top, w: 12, h };
  if (values.length) {
    texts.push({ x: bar.x + 15, y: MARGIN.top + 9, text: formatValue(hi), align: 'left' }, { x: bar.x + 15, y: MARGIN.top + h, text: formatValue(lo), align: 'left' });
  }
  return { width, height, cells, texts, bar, filled: values.length };
}

function drawHeatmap(c: HTMLCanvasElement, l: HeatmapLayout): void {
  const dpr = window.devicePixelRatio || 1;
  c.width = l.width * dpr;
  c.height = l.height * dpr;
  c.style.width = `${l.width}px`;
  c.style.height = `${l.height}px`;
  const ctx = c.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  // opaque, so that the PNG export looks as it does here
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, l.width, l.height);
  for (const cell of l.cells) {
    ctx.fillStyle = cell.fill;
    ctx.fillRect(cell.x, cell.y, Math.ceil(cell.w), Math.ceil(cell.h));
  }
  for (let k = 0; k < l.bar.h; k++) {
    ctx.fillStyle = colour(1 - k / l.bar.h);
    ctx.fillRect(l.bar.x, l.bar.y + k, l.bar.w, 1);
  }
  ctx.fillStyle = INK;
  ctx.font = '11px system-ui, sans-serif';
  for (const t of l.texts) {
    ctx.save();
    ctx.textAlign = t.align;
    ctx.translate(t.x, t.y);
    if (t.vertical) ctx.rotate(-Math.PI / 2);
    ctx.fillText(t.text, 0, 0);
    ctx.restore();
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The heatmap as a standalone SVG document. */
function heatmapSvg(l: HeatmapLayout, title: string): string {
  const anchor = { left: 'start', center: 'middle', right: 'end' } as const;
  const stops = VIRIDIS.map((_, i) => `<stop offset="${i / (VIRIDIS.length - 1)}" stop-color="${colour(1 - i / (VIRIDIS.length - 1))}"/>`).join('');
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${l.width}" height="${l.height}" viewBox="0 0 ${l.width} ${l.height}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${l.width}" height="${l.height}" fill="#ffffff"/>`,
    `<defs><linearGradient id="bar" x1="0" y1="0" x2="0" y2="1">${stops}</linearGradient></defs>`,
    ...l.cells.map((c) => `<rect x="${c.x.toFixed(2)}" y="${c.y.toFixed(2)}" width="${c.w.toFixed(2)}" height="${c.h.toFixed(2)}" fill="${c.fill}"/>`),
    `<rect x="${l.bar.x}" y="${l.bar.y}" width="${l.bar.w}" height="${l.bar.h}" fill="url(#bar)"/>`,
    ...l.texts.map((t) => `<text x="${t.x.toFixed(2)}" y="${t.y.toFixed(2)}" text-anchor="${anchor[t.align]}" fill="${INK}"${t.vertical ? ` transform="rotate(-90 ${t.x.toFixed(2)} ${t.y.toFixed(2)})"` : ''}>${esc(t.text)}</text>`),
    `</svg>`,
  ].join('\n') + '\n';
}

/** Two swept parameters: the first along x, the second along y; cell colour = the chosen statistic. */
export function SweepHeatmap({ store, header, column, name }: PlotProps & { column: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const size = () => ({ width: Math.max(240, canvas.current?.parentElement?.clientWidth ?? 360), height: PLOT_HEIGHT + 40 });
  useRedraw(
    store,
    (s) => {
      const c = canvas.current;
      if (!c) return;
      const { width, height } = size();
      const layout = heatmapLayout(s, header, column, width, height);
      drawHeatmap(c, layout);
      c.dataset.cells = String(layout.filled);
    },
    `${column}|${header.join('|')}`,
  );
  const title = `${header[2 + column] ?? ''} over ${header[0]} and ${header[1]}`;
  return (
    <figure className="plot">
      <figcaption>
        {header[2 + column]}
        <PlotExports name={name} canvasOf={() => canvas.current} svg={() => heatmapSvg(heatmapLayout(store.getState(), header, column, size().width, size().height), title)} />
      </figcaption>
      <canvas ref={canvas} className="sweep-heatmap" role="img" aria-label={`Heatmap of ${title}`} data-plot="sweep-heatmap" />
    </figure>
  );
}
