// The page's charts as inline SVG, drawn by hand (no chart library): a scatter (one circle.mark per run),
// bars (one rect.bar per run), lines by step (one path.line per run) and the run page's sparklines.
// Each chart has its axes with rounded ticks and a <title> per mark for the exact value.

import { fmtNum, s } from './dom.js';

export const PALETTE = [
  '#1f6feb',
  '#d97706',
  '#2e7d32',
  '#c62828',
  '#6a1b9a',
  '#00838f',
  '#ad1457',
  '#5d4037',
  '#546e7a',
  '#9e9d24',
];
export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]!;

const W = 440;
const H = 260;
const M = { left: 58, right: 14, top: 14, bottom: 44 };

interface Scale {
  (v: number): number;
  readonly ticks: number[];
}

const niceStep = (raw: number): number => {
  const e = 10 ** Math.floor(Math.log10(raw));
  const f = raw / e;
  return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * e;
};

/** A linear scale from [lo, hi] (widened to round ticks) onto [a, b]. */
const linear = (values: readonly number[], a: number, b: number, withZero = false): Scale => {
  let lo = Math.min(...values, ...(withZero ? [0] : []));
  let hi = Math.max(...values, ...(withZero ? [0] : []));
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const step = niceStep((hi - lo) / 5);
  [lo, hi] = [Math.floor(lo / step) * step, Math.ceil(hi / step) * step];
  const ticks: number[] = [];
  for (let t = lo; t <= hi + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  const f = ((v: number) => a + ((v - lo) / (hi - lo)) * (b - a)) as Scale;
  return Object.assign(f, { ticks });
};

const frame = (label: string): SVGSVGElement =>
  s('svg', { class: 'plot', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });

const short = (text: string, n = 14): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);
/** Cut in the middle: run names often differ only at their end (a timestamp). */
const middle = (text: string, n: number): string =>
  text.length > n
    ? `${text.slice(0, Math.ceil((n - 1) / 2))}…${text.slice(text.length - Math.floor((n - 1) / 2))}`
    : text;

const yAxis = (svg: SVGSVGElement, y: Scale, label: string): void => {
  const g = s('g', { class: 'axis y' });
  for (const t of y.ticks) {
    g.append(s('line', { class: 'grid', x1: M.left, x2: W - M.right, y1: y(t), y2: y(t) }));
    g.append(s('text', { x: M.left - 6, y: y(t) + 4, 'text-anchor': 'end' }, fmtNum(t)));
  }
  g.append(
    s(
      'text',
      { class: 'label', transform: `translate(12 ${(M.top + H - M.bottom) / 2}) rotate(-90)`, 'text-anchor': 'middle' },
      short(label, 36),
    ),
  );
  svg.append(g);
};

const xAxisNumeric = (svg: SVGSVGElement, x: Scale, label: string): void => {
  const g = s('g', { class: 'axis x' });
  g.append(s('line', { class: 'base', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }));
  for (const t of x.ticks) g.append(s('text', { x: x(t), y: H - M.bottom + 16, 'text-anchor': 'middle' }, fmtNum(t)));
  g.append(
    s('text', { class: 'label', x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, short(label, 48)),
  );
  svg.append(g);
};

/** Category positions: the centre of each band. */
const bands = (labels: readonly string[]): ((i: number) => number) & { width: number } => {
  const width = (W - M.left - M.right) / Math.max(1, labels.length);
  return Object.assign((i: number) => M.left + width * (i + 0.5), { width });
};

const xAxisBands = (svg: SVGSVGElement, labels: readonly string[], at: (i: number) => number, label: string): void => {
  const g = s('g', { class: 'axis x' });
  g.append(s('line', { class: 'base', x1: M.left, x2: W - M.right, y1: H - M.bottom, y2: H - M.bottom }));
  // As many characters as fit the band (about 6.5 px each at 11px), so neighbouring labels never overlap.
  const n = Math.max(3, Math.floor((W - M.left - M.right) / Math.max(1, labels.length) / 6.5));
  for (const [i, l] of labels.entries())
    g.append(s('text', { x: at(i), y: H - M.bottom + 16, 'text-anchor': 'middle' }, middle(l, n), s('title', null, l)));
  g.append(
    s('text', { class: 'label', x: (M.left + W - M.right) / 2, y: H - 6, 'text-anchor': 'middle' }, short(label, 48)),
  );
  svg.append(g);
};

const empty = (svg: SVGSVGElement, text: string): SVGSVGElement => {
  svg.append(s('text', { class: 'empty', x: W / 2, y: H / 2, 'text-anchor': 'middle' }, text));
  return svg;
};

export interface ScatterPoint {
  readonly runId: string;
  readonly label: string;
  readonly color: string;
  /** A number for a numeric axis; strings make the axis categorical. */
  readonly x: number | string;
  readonly y: number;
}

/** One circle.mark per point: the metric (y) against the param (x), numeric when every x is a number. */
export const scatterPlot = (points: readonly ScatterPoint[], xLabel: string, yLabel: string): SVGSVGElement => {
  const svg = frame(`${yLabel} against ${xLabel}`);
  if (points.length === 0) return empty(svg, 'No run has both values.');
  const y = linear(
    points.map((p) => p.y),
    H - M.bottom,
    M.top,
  );
  yAxis(svg, y, yLabel);
  let xOf: (p: ScatterPoint) => number;
  if (points.every((p) => typeof p.x === 'number')) {
    const x = linear(
      points.map((p) => p.x as number),
      M.left + 12,
      W - M.right - 12,
    );
    xAxisNumeric(svg, x, xLabel);
    xOf = (p) => x(p.x as number);
  } else {
    const cats = [...new Set(points.map((p) => String(p.x)))].sort();
    const at = bands(cats);
    xAxisBands(svg, cats, at, xLabel);
    xOf = (p) => at(cats.indexOf(String(p.x)));
  }
  const g = s('g', { class: 'marks' });
  for (const p of points) {
    g.append(
      s(
        'circle',
        { class: 'mark', cx: xOf(p), cy: y(p.y), r: 6, fill: p.color, 'data-run-id': p.runId },
        s(
          'title',
          null,
          `${p.label}\n${xLabel} = ${typeof p.x === 'number' ? fmtNum(p.x) : p.x}\n${yLabel} = ${fmtNum(p.y)}`,
        ),
      ),
    );
  }
  svg.append(g);
  return svg;
};

export interface Bar {
  readonly runId: string;
  readonly label: string;
  readonly color: string;
  readonly value: number;
  readonly best: boolean;
}

/** One rect.bar per run, from zero; the best value outlined. */
export const barChart = (bars: readonly Bar[], yLabel: string): SVGSVGElement => {
  const svg = frame(`${yLabel} per run`);
  if (bars.length === 0) return empty(svg, 'No run has this metric.');
  const y = linear(
    bars.map((b) => b.value),
    H - M.bottom,
    M.top,
    true,
  );
  yAxis(svg, y, yLabel);
  const at = bands(bars.map((b) => b.label));
  xAxisBands(
    svg,
    bars.map((b) => b.label),
    at,
    'run',
  );
  const g = s('g', { class: 'marks' });
  const w = Math.min(48, at.width * 0.7);
  bars.forEach((b, i) => {
    const [y0, y1] = [y(0), y(b.value)];
    g.append(
      s(
        'rect',
        {
          class: `bar${b.best ? ' best' : ''}`,
          x: at(i) - w / 2,
          y: Math.min(y0, y1),
          width: w,
          height: Math.max(1, Math.abs(y1 - y0)),
          fill: b.color,
          'data-run-id': b.runId,
        },
        s('title', null, `${b.label}: ${fmtNum(b.value)}`),
      ),
    );
  });
  svg.append(g);
  return svg;
};

export interface LineSeries {
  readonly runId: string;
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<{ readonly x: number; readonly y: number }>;
}

/** One path.line per run with points, by step; points marked when few. */
export const lineChart = (series: readonly LineSeries[], xLabel: string, yLabel: string): SVGSVGElement => {
  const svg = frame(`${yLabel} by ${xLabel}`);
  const drawn = series.filter((l) => l.points.length > 0);
  if (drawn.length === 0) return empty(svg, 'No history for this metric.');
  const all = drawn.flatMap((l) => l.points);
  const y = linear(
    all.map((p) => p.y),
    H - M.bottom,
    M.top,
  );
  const x = linear(
    all.map((p) => p.x),
    M.left + 8,
    W - M.right - 8,
  );
  yAxis(svg, y, yLabel);
  xAxisNumeric(svg, x, xLabel);
  const g = s('g', { class: 'marks' });
  for (const l of drawn) {
    const d = l.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join('');
    g.append(s('path', { class: 'line', d, stroke: l.color, 'data-run-id': l.runId }, s('title', null, l.label)));
    if (l.points.length <= 60)
      for (const p of l.points)
        g.append(
          s(
            'circle',
            { class: 'pt', cx: x(p.x), cy: y(p.y), r: 2.5, fill: l.color },
            s('title', null, `${l.label}\n${xLabel} ${fmtNum(p.x)}: ${fmtNum(p.y)}`),
          ),
        );
  }
  svg.append(g);
  return svg;
};

/** A small line of a metric's history (run page), with the last value dotted. */
export const sparkline = (values: readonly number[], w = 96, hgt = 22): SVGSVGElement => {
  const svg = s('svg', { class: 'spark', width: w, height: hgt, viewBox: `0 0 ${w} ${hgt}`, 'aria-hidden': 'true' });
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const yOf = (v: number) => (hi === lo ? hgt / 2 : hgt - 3 - ((v - lo) / (hi - lo)) * (hgt - 6));
  const xOf = (i: number) => 2 + (i / Math.max(1, values.length - 1)) * (w - 4);
  svg.append(
    s('path', { d: values.map((v, i) => `${i === 0 ? 'M' : 'L'}${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`).join('') }),
  );
  svg.append(s('circle', { cx: xOf(values.length - 1), cy: yOf(values.at(-1)!), r: 2 }));
  return svg;
};
