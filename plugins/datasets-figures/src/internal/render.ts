// Spec -> SVG on the server: Vega-Lite compiles to Vega, a headless Vega View renders SVG text.
// Vega is imported on first render (about 0.3 s), so projects that never save a figure do not pay for it.
// Every problem Vega reports, thrown or only logged, becomes one save error naming it once.

import { DatasetError, didYouMean } from '@dagrun/core';
import { isVegaSpec, vegaLiteMarks, vegaMarks, type FigureSpec, type MarkUse } from './spec.js';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');
type Logger = ReturnType<Vega['logger']>;

let libs: Promise<{ vega: Vega; vl: VegaLite }> | undefined;
const loadLibs = () =>
  (libs ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl })));

export interface RenderContext {
  /** Relative `data.url`s in a spec are read from here (the project folder), whatever the working directory. */
  readonly baseDir: string;
}

/** Vega-Lite can quote a whole spec, data included, before saying what is missing: keep both ends of it. */
const MAX_PROBLEM = 400;
const clip = (s: string): string =>
  s.length > MAX_PROBLEM ? `${s.slice(0, MAX_PROBLEM / 2 - 1)} … ${s.slice(-MAX_PROBLEM / 2 + 2)}` : s;
const messageOf = (v: unknown): string => (v instanceof Error ? v.message : String(v));

/** Collects what Vega logs. Warnings stay quiet except a failed data load, which would draw an empty chart. */
const collectingLogger = (vega: Vega, problems: string[]): Logger =>
  vega.logger(vega.Warn, undefined, (_method, level, args) => {
    const text = args.map(messageOf).join(' ');
    if (level === 'ERROR' || text.startsWith('Loading failed')) problems.push(text);
  });

const specError = (lang: string, problems: readonly string[]): DatasetError => {
  const unique = [...new Set(problems.map((p) => clip(p.replace(/\.$/, ''))))];
  return new DatasetError(
    'DAGRUN_ERR_DATASET_SAVE',
    `Figure spec: expected a ${lang} chart that renders, but got: ${unique.join('; ')}.`,
  );
};

/** An unknown mark makes Vega-Lite and Vega crash with a TypeError; name the mark instead. */
const unknownMark = async (spec: FigureSpec, vega: Vega): Promise<DatasetError | undefined> => {
  let uses: MarkUse[];
  let known: string[];
  let lang: string;
  if (isVegaSpec(spec)) {
    uses = vegaMarks(spec);
    // vega exports its scenegraph's mark table at run time; its typings leave it out.
    known = Object.keys((vega as unknown as { Marks: Record<string, unknown> }).Marks);
    lang = 'Vega';
  } else {
    uses = vegaLiteMarks(spec);
    known = await vegaLiteMarkTypes();
    lang = 'Vega-Lite';
  }
  const bad = uses.find((u) => !known.includes(u.type));
  if (!bad) return undefined;
  const mean = didYouMean(bad.type, known);
  return new DatasetError(
    'DAGRUN_ERR_DATASET_SAVE',
    `Figure spec, ${bad.at}: expected a ${lang} mark type (${known.join(', ')}), but got '${bad.type}'.`,
    {
      hint: mean ? `Hint: ${mean}` : undefined,
    },
  );
};

/** The mark types from Vega-Lite's own JSON schema (primitive and composite), read only on this error path. */
const vegaLiteMarkTypes = async (): Promise<string[]> => {
  const schema = (await import('vega-lite/vega-lite-schema.json', { with: { type: 'json' } })).default as {
    definitions: Record<string, { enum?: string[]; const?: string }>;
  };
  const d = schema.definitions;
  return [...(d.Mark?.enum ?? []), ...['BoxPlot', 'ErrorBar', 'ErrorBand'].flatMap((k) => d[k]?.const ?? [])];
};

/** Renders `spec` to SVG text; throws DAGRUN_ERR_DATASET_SAVE naming what Vega-Lite or Vega reported. */
export const renderSvg = async (spec: FigureSpec, ctx: RenderContext): Promise<string> => {
  const { vega, vl } = await loadLibs();
  const problems: string[] = [];
  const logger = collectingLogger(vega, problems);
  const lang = isVegaSpec(spec) ? 'Vega' : 'Vega-Lite';
  let view: InstanceType<Vega['View']> | undefined;
  try {
    // vega-lite's types describe a spec in full; ours is checked for shape only, and vega-lite reports the rest.
    const vgSpec = isVegaSpec(spec)
      ? spec
      : vl.compile(spec as unknown as Parameters<VegaLite['compile']>[0], { logger }).spec;
    const loader = vega.loader({ baseURL: `${ctx.baseDir.replace(/\/$/, '')}/` });
    view = new vega.View(vega.parse(vgSpec as Parameters<Vega['parse']>[0]), {
      renderer: 'none',
      loader,
      logger,
      logLevel: vega.Warn,
    });
    const svg = await view.toSVG();
    if (problems.length > 0) throw specError(lang, problems);
    return svg;
  } catch (err) {
    if (err instanceof DatasetError) throw err;
    if (err instanceof TypeError) {
      const mark = await unknownMark(spec, vega);
      if (mark) throw mark;
    }
    // A thrown error is often also logged: specError names it once.
    throw specError(lang, [messageOf(err), ...problems]);
  } finally {
    view?.finalize();
  }
};
