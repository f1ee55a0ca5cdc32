// Small DOM helpers and value formatting for the page: no framework, elements built directly, text always
// set as text (run names, params and tags come from whoever logged them).

import type { Num } from '../internal/ui-api.js';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

const fill = <E extends Element>(el: E, attrs: Attrs | null, children: Child[]): E => {
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v !== undefined) el.setAttribute(k, String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
};

/** `h('td', { class: 'x' }, 'text', child)`: an element with attributes (on* keys become listeners) and children. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] => fill(document.createElement(tag), attrs, children);

const SVG_NS = 'http://www.w3.org/2000/svg';
export const s = <K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Attrs | null = null,
  ...children: Child[]
): SVGElementTagNameMap[K] => fill(document.createElementNS(SVG_NS, tag), attrs, children);

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dagrun ui: expected an element #${id} in the page, but got none`);
  return el as T;
};

/** A select with its options (a value, or `[value, label]`); `value` picked when present. */
export const select = (
  options: ReadonlyArray<string | readonly [string, string]>,
  value: string | undefined,
  onChange: (v: string) => void,
  attrs: Attrs = {},
): HTMLSelectElement => {
  const pairs = options.map((o) => (typeof o === 'string' ? ([o, o] as const) : o));
  const el = h(
    'select',
    { ...attrs, onchange: () => onChange(el.value) },
    ...pairs.map(([v, label]) => h('option', { value: v }, label)),
  );
  if (value !== undefined && pairs.some(([v]) => v === value)) el.value = value;
  return el;
};

/** A metric value as a number for plots: NaN / ±Infinity arrive as strings. */
export const toNumber = (v: Num | null | undefined): number | undefined => {
  if (v === null || v === undefined) return undefined;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** A metric value for reading: six significant digits, without exponent noise for usual magnitudes. */
export const fmtNum = (v: Num | null | undefined): string => {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e9)) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
};

const pad = (n: number): string => String(n).padStart(2, '0');

/** Local time, `2025-05-01 14:03:22`. */
export const fmtTime = (ms: number | null | undefined): string => {
  if (ms === null || ms === undefined) return '';
  const d = new Date(ms);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
};

/** `850ms`, `12.4s`, `3m 05s`, `2h 10m`. */
export const fmtDuration = (start: number | null, end: number | null): string => {
  if (start === null || end === null) return '';
  const ms = end - start;
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  if (m < 60) return `${m}m ${pad(Math.floor((ms % 60_000) / 1000))}s`;
  return `${Math.floor(m / 60)}h ${pad(m % 60)}m`;
};

export const fmtBytes = (n: number): string =>
  n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 ** 2).toFixed(1)} MB`;

export const statusBadge = (status: string): HTMLElement =>
  h('span', { class: `status st-${status.toLowerCase()}` }, status);

/** The URL of a run's artifact file (each path segment encoded). */
export const artifactUrl = (runId: string, path: string): string =>
  `/artifacts/${runId}/${path.split('/').map(encodeURIComponent).join('/')}`;

/** `key: value` rows; an empty note when there are none. */
export const kvTable = (
  rows: ReadonlyArray<readonly [string, Node | string]>,
  testid: string,
  empty = 'None.',
): HTMLElement =>
  rows.length === 0
    ? h('p', { class: 'muted', 'data-testid': testid }, empty)
    : h(
        'table',
        { class: 'kv', 'data-testid': testid },
        h('tbody', null, ...rows.map(([k, v]) => h('tr', { 'data-key': k }, h('th', null, k), h('td', null, v)))),
      );
