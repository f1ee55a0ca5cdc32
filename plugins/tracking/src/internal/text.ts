// Plain-text rendering for the commands: aligned tables, times, durations, metric direction.

import type { Run } from './model.js';

/** Columns padded to their widest cell; `indent` before each line. */
export const table = (head: readonly string[], rows: readonly (readonly string[])[], indent = ''): string => {
  const cells = [head, ...rows].map((r) => r.map((c) => c.replace(/\s*\n\s*/g, ' ')));
  const widths = head.map((_, i) => Math.min(60, Math.max(...cells.map((r) => [...(r[i] ?? '')].length))));
  const line = (r: readonly string[]) =>
    indent +
    r
      .map((c, i) => (i === r.length - 1 ? c : clip(c, widths[i]!).padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return cells.map(line).join('\n');
};

const clip = (s: string, w: number): string => ([...s].length > w ? `${[...s].slice(0, w - 1).join('')}…` : s);

export const when = (ms: number | null): string =>
  ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

export const duration = (r: Pick<Run, 'startTime' | 'endTime' | 'status'>): string => {
  if (r.startTime === null) return '—';
  if (r.endTime === null) return r.status === 'RUNNING' ? 'running' : '—';
  const s = (r.endTime - r.startTime) / 1000;
  return s < 60
    ? `${s.toFixed(1)} s`
    : s < 3600
      ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`
      : `${(s / 3600).toFixed(1)} h`;
};

/** Metrics where a higher value is better; every other metric (errors, losses) is better lower. */
export const higherIsBetter = (key: string): boolean => /r2|accuracy|auc|precision|recall|f1/i.test(key);

/** A metric value for a table: whole numbers as they are, others to 4 significant digits (1 decimal from 100 up). */
export const fmtNum = (v: number): string =>
  Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);

const HEADLINE = ['mae', 'rmse', 'r2', 'accuracy', 'f1', 'auc', 'loss'];

/** Metric names for table columns: a project's own first, dagrun's bookkeeping (`dagrun.*`) last. */
export const metricColumns = (keys: Iterable<string>, first?: string, max = 5): string[] => {
  const all = [...new Set(keys)];
  // The usual headline metrics first, then the rest by name.
  const rank = (k: string): number => {
    const i = HEADLINE.indexOf(k);
    return i < 0 ? HEADLINE.length : i;
  };
  const own = all.filter((k) => !k.startsWith('dagrun.')).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const ours = all.filter((k) => k.startsWith('dagrun.')).sort();
  return [...new Set([...(first ? [first] : []), ...own, ...ours])].slice(0, max);
};
