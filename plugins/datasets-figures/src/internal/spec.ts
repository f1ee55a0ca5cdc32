// What counts as a chart specification: a plain Vega-Lite object, or a full Vega one told apart by its
// `$schema`. Also names the marks a spec uses, to explain the crash Vega-Lite gives on an unknown mark.

import { describeValue } from '@dagrun/core';

/** A Vega-Lite (or, with a Vega `$schema`, a Vega) specification, as a node returns it. */
export type FigureSpec = Readonly<Record<string, unknown>>;

/** The keys one of which makes an object a Vega-Lite view (vega-lite's own "Invalid specification" list). */
const VIEW_KEYS = ['mark', 'layer', 'facet', 'repeat', 'concat', 'hconcat', 'vconcat'] as const;

/** `https://vega.github.io/schema/vega/v6.json` (Vega) as opposed to `…/schema/vega-lite/v6.json`. */
export const isVegaSpec = (spec: FigureSpec): boolean =>
  typeof spec.$schema === 'string' && /\/vega\/v\d[^/]*$/.test(spec.$schema);

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
};

/** The Format's check: a sentence saying why `data` is no spec, or undefined when it is one. */
export const checkSpec = (data: unknown): string | undefined => {
  if (!isPlainObject(data))
    return `expected a chart specification (a Vega-Lite or Vega object), but got ${describeValue(data)}`;
  if (isVegaSpec(data) || VIEW_KEYS.some((k) => k in data)) return undefined;
  const keys = Object.keys(data);
  const got =
    keys.length > 0
      ? `an object with keys ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', …' : ''}`
      : 'an empty object';
  return `expected a Vega-Lite specification (an object with one of ${VIEW_KEYS.join(', ')}), but got ${got}`;
};

export interface MarkUse {
  readonly type: string;
  /** Where in the spec, e.g. `layer[1].mark`. */
  readonly at: string;
}

/** Every mark type a Vega-Lite spec names, through layers, concatenations, facets and repeats. */
export const vegaLiteMarks = (spec: unknown, at = ''): MarkUse[] => {
  if (!isPlainObject(spec)) return [];
  const out: MarkUse[] = [];
  const mark = spec.mark;
  const type = typeof mark === 'string' ? mark : isPlainObject(mark) ? mark.type : undefined;
  if (typeof type === 'string') out.push({ type, at: `${at}mark` });
  for (const key of ['layer', 'concat', 'hconcat', 'vconcat'] as const) {
    const list = spec[key];
    if (Array.isArray(list)) for (const [i, s] of list.entries()) out.push(...vegaLiteMarks(s, `${at}${key}[${i}].`));
  }
  if (isPlainObject(spec.spec)) out.push(...vegaLiteMarks(spec.spec, `${at}spec.`));
  return out;
};

/** Every mark type a Vega spec names, group marks' children included. */
export const vegaMarks = (spec: unknown, at = ''): MarkUse[] => {
  if (!isPlainObject(spec) || !Array.isArray(spec.marks)) return [];
  return spec.marks.flatMap((m, i) => {
    if (!isPlainObject(m)) return [];
    const here = `${at}marks[${i}]`;
    return [...(typeof m.type === 'string' ? [{ type: m.type, at: `${here}.type` }] : []), ...vegaMarks(m, `${here}.`)];
  });
};

/** A spec's title as plain text (`title: "…"`, `title: ["…", "…"]` or `title: { text }`), if any. */
export const specTitle = (spec: FigureSpec): string | undefined => {
  const title = isPlainObject(spec.title) ? spec.title.text : spec.title;
  const text = Array.isArray(title) ? title.filter((l) => typeof l === 'string').join(' ') : title;
  return typeof text === 'string' && text.trim() !== '' ? text.trim() : undefined;
};
