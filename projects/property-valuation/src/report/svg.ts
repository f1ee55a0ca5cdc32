// Small SVG/HTML string builders for the report: escaping, number formats, elements, axes. Every text that
// reaches the page goes through escapeXml (attributes included), so a category name cannot inject markup.
import type { Scale } from './scale.js';

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

/** Two decimals at most for coordinates: keeps the file small without visible loss. */
const px = (v: number): string => String(Math.round(v * 100) / 100);

type Attrs = Record<string, string | number | undefined>;

/** `<tag a="…">children</tag>`; numbers are rounded to 0.01, strings escaped, undefined dropped. */
export const el = (tag: string, attrs: Attrs, children = ''): string => {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? px(v) : escapeXml(v!)}"`)
    .join('');
  return children === '' && tag !== 'text' && tag !== 'title' ? `<${tag}${a}/>` : `<${tag}${a}>${children}</${tag}>`;
};

export const text = (x: number, y: number, content: string, attrs: Attrs = {}): string =>
  el('text', { x, y, ...attrs }, escapeXml(content));

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12,345 (no decimals), for UF amounts. */
export const formatInt = (v: number): string => grouped.format(v);

/** 0.1234 → "12.3%". */
export const formatPercent = (v: number, digits = 1): string => `${(v * 100).toFixed(digits)}%`;

/** Tick labels: 100 → "100", 10000 → "10k", 0.5 → "0.5", -0.25 → "−0.25". */
export const formatTick = (v: number): string => {
  const a = Math.abs(v);
  const s = a >= 1e6 ? `${a / 1e6}M` : a >= 1e3 ? `${a / 1e3}k` : String(Number(a.toPrecision(6)));
  return v < 0 ? `\u2212${s}` : s;
};

/** The root element: a viewBox with an accessible title (inline in HTML, so no xmlns is needed). */
export const svgRoot = (width: number, height: number, title: string, body: string): string =>
  el(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': title },
    el('title', {}, escapeXml(title)) + body,
  );

export interface Frame {
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** Horizontal axis at the frame's bottom, with tick labels and light vertical grid lines. */
export const axisBottom = (
  scale: Scale,
  frame: Frame,
  ticks: readonly number[],
  label: string,
  format = formatTick,
): string =>
  ticks
    .map((t) => {
      const x = scale(t);
      return (
        el('line', { x1: x, x2: x, y1: frame.top, y2: frame.bottom, class: 'grid' }) +
        text(x, frame.bottom + 16, format(t), { 'text-anchor': 'middle', class: 'tick' })
      );
    })
    .join('') +
  el('line', { x1: frame.left, x2: frame.right, y1: frame.bottom, y2: frame.bottom, class: 'axis' }) +
  text((frame.left + frame.right) / 2, frame.bottom + 36, label, { 'text-anchor': 'middle', class: 'label' });

/** Vertical axis at the frame's left, with tick labels and light horizontal grid lines. */
export const axisLeft = (
  scale: Scale,
  frame: Frame,
  ticks: readonly number[],
  label: string,
  format = formatTick,
): string =>
  ticks
    .map((t) => {
      const y = scale(t);
      return (
        el('line', { x1: frame.left, x2: frame.right, y1: y, y2: y, class: 'grid' }) +
        text(frame.left - 6, y + 4, format(t), { 'text-anchor': 'end', class: 'tick' })
      );
    })
    .join('') +
  el('line', { x1: frame.left, x2: frame.left, y1: frame.top, y2: frame.bottom, class: 'axis' }) +
  text(16, (frame.top + frame.bottom) / 2, label, {
    'text-anchor': 'middle',
    class: 'label',
    transform: `rotate(-90 16 ${px((frame.top + frame.bottom) / 2)})`,
  });
