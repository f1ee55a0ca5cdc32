// The report's charts as SVG strings: a log-log scatter with the y = x line, horizontal box plots, and
// horizontal bars. Each takes plain arrays (no DataFrame) and returns one <svg> element.
import { linearScale, logScale } from './scale.js';
import { axisBottom, axisLeft, el, formatInt, formatPercent, svgRoot, text, type Frame } from './svg.js';

/** Linear-interpolated quantile (numpy's default) of an ascending array. */
export const quantile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
};

/** At most `max` indices of [0, n), evenly spaced: the same rows on every run, spread over the file. */
export const sampleIndices = (n: number, max: number): number[] =>
  n <= max ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: max }, (_, j) => Math.floor((j * n) / max));

export interface ScatterPoint {
  readonly actual: number;
  readonly predicted: number;
  /** Index into the chart's series names (colour). */
  readonly series: number;
}

/** Predicted against actual on log10 axes, one colour per series, with the y = x line. Points must be > 0. */
export const scatterLogLog = (
  points: readonly ScatterPoint[],
  seriesNames: readonly string[],
  title: string,
  unit: string,
): string => {
  const width = 560;
  const height = 500;
  const frame: Frame = { left: 70, right: width - 20, top: 20, bottom: height - 60 };
  const values = points.flatMap((p) => [p.actual, p.predicted]);
  // A margin of 25% beyond the extreme points, not whole decades: no empty decade wastes the plot.
  const lo = Math.min(...values) / 1.25;
  const hi = Math.max(...values) * 1.25;
  const x = logScale([lo, hi], [frame.left, frame.right]);
  const y = logScale([lo, hi], [frame.bottom, frame.top]);
  const ticks = x.ticks();
  const dots = points
    .map((p) => el('circle', { cx: x(p.actual), cy: y(p.predicted), r: 1.8, class: `s${p.series}` }))
    .join('');
  const diagonal = el('line', { x1: x(lo), y1: y(lo), x2: x(hi), y2: y(hi), class: 'identity' });
  const legend = seriesNames
    .map(
      (name, i) =>
        el('circle', { cx: frame.left + 16, cy: frame.top + 14 + i * 18, r: 5, class: `s${i} solid` }) +
        text(frame.left + 28, frame.top + 18 + i * 18, name, { class: 'legend' }),
    )
    .join('');
  // Labelled at its lower-left end, below the line, where no prediction falls in practice.
  const identityLabel = text(x(lo * 3) + 10, y(lo * 3) + 4, 'predicted = actual', { class: 'note' });
  return svgRoot(
    width,
    height,
    title,
    axisBottom(x, frame, ticks, `actual ${unit} (log scale)`) +
      axisLeft(y, frame, ticks, `predicted ${unit} (log scale)`) +
      el('g', { class: 'dots' }, dots) +
      diagonal +
      identityLabel +
      legend,
  );
};

export interface BoxGroup {
  readonly name: string;
  readonly values: readonly number[];
}

/**
 * One horizontal box per group: box = quartiles, inner line = median, whiskers = 5th and 95th percentiles
 * (values beyond them are not drawn, so a few absurd prices do not squash the scale). A dashed line marks 0.
 */
export const boxPlot = (groups: readonly BoxGroup[], title: string, axisLabel: string): string => {
  const rowHeight = 34;
  const width = 500;
  const frame: Frame = { left: 110, right: width - 165, top: 10, bottom: 10 + rowHeight * groups.length };
  const height = frame.bottom + 48;
  const stats = groups.map((g) => {
    const s = [...g.values].sort((a, b) => a - b);
    return {
      name: g.name,
      n: s.length,
      p05: quantile(s, 0.05),
      q1: quantile(s, 0.25),
      med: quantile(s, 0.5),
      q3: quantile(s, 0.75),
      p95: quantile(s, 0.95),
    };
  });
  const shown = stats.filter((s) => s.n > 0);
  const bound = Math.max(0.1, ...shown.map((s) => Math.max(Math.abs(s.p05), Math.abs(s.p95))));
  const x = linearScale([-bound * 1.05, bound * 1.05], [frame.left, frame.right]);
  const rows = stats
    .map((s, i) => {
      const cy = frame.top + rowHeight * (i + 0.5);
      const label = text(frame.left - 8, cy + 4, s.name, { 'text-anchor': 'end', class: 'cat' });
      if (s.n === 0) return label + text(frame.left + 8, cy + 4, 'no rows', { class: 'note' });
      const box =
        el('line', { x1: x(s.p05), x2: x(s.p95), y1: cy, y2: cy, class: 'whisker' }) +
        el('line', { x1: x(s.p05), x2: x(s.p05), y1: cy - 6, y2: cy + 6, class: 'whisker' }) +
        el('line', { x1: x(s.p95), x2: x(s.p95), y1: cy - 6, y2: cy + 6, class: 'whisker' }) +
        el('rect', { x: x(s.q1), y: cy - 11, width: Math.max(1, x(s.q3) - x(s.q1)), height: 22, class: 'box' }) +
        el('line', { x1: x(s.med), x2: x(s.med), y1: cy - 11, y2: cy + 11, class: 'median' });
      const summary = text(
        frame.right + 10,
        cy + 4,
        `median ${s.med >= 0 ? '+' : '\u2212'}${Math.abs(s.med).toFixed(3)} · n ${formatInt(s.n)}`,
        { class: 'note' },
      );
      return label + box + summary;
    })
    .join('');
  const zero = el('line', { x1: x(0), x2: x(0), y1: frame.top, y2: frame.bottom, class: 'zero' });
  return svgRoot(width, height, title, axisBottom(x, frame, x.ticks(6), axisLabel) + zero + rows);
};

export interface Bar {
  readonly name: string;
  readonly value: number;
}

/** Horizontal bars, largest first, each labelled with its share (values are fractions of 1). */
export const barChart = (bars: readonly Bar[], title: string, axisLabel: string): string => {
  const rowHeight = 26;
  const width = 500;
  const sorted = [...bars].sort((a, b) => b.value - a.value || a.name.localeCompare(b.name));
  const frame: Frame = { left: 140, right: width - 70, top: 10, bottom: 10 + rowHeight * sorted.length };
  const height = frame.bottom + 48;
  const max = Math.max(...sorted.map((b) => b.value), 1e-12);
  const x = linearScale([0, max], [frame.left, frame.right]);
  const rows = sorted
    .map((b, i) => {
      const cy = frame.top + rowHeight * (i + 0.5);
      return (
        text(frame.left - 8, cy + 4, b.name, { 'text-anchor': 'end', class: 'cat' }) +
        el('rect', {
          x: frame.left,
          y: cy - 8,
          width: Math.max(0.5, x(b.value) - frame.left),
          height: 16,
          class: 'bar',
        }) +
        text(x(b.value) + 6, cy + 4, formatPercent(b.value), { class: 'note' })
      );
    })
    .join('');
  return svgRoot(width, height, title, axisBottom(x, frame, x.ticks(5), axisLabel, (v) => formatPercent(v, 0)) + rows);
};
