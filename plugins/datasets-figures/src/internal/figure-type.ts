// The `figure` dataset type: a Format (spec -> SVG, PNG or HTML bytes; bytes -> string or Buffer) on core's
// fileDatasetType, so versioning, every storage (s3:// included) and atomic saves come from core.
// The output format is settled per entry when the catalog is built, so a bad path fails before a run.

import { existsSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import {
  CatalogError,
  fileDatasetType,
  type DatasetContext,
  type DatasetType,
  type FileOptions,
  type Format,
} from '@dagrun/core';
import { htmlPage } from './html.js';
import { renderPng, type FontSettings } from './png.js';
import { renderSvg } from './render.js';
import { checkSpec, specTitle, type FigureSpec } from './spec.js';

export const FIGURE_FORMATS = ['svg', 'png', 'html'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];

/** What `load()` gives back: the SVG or HTML text, or the PNG bytes. */
export type Figure = string | Buffer;

export interface FigureOptions {
  /** Default: from the path's extension (.svg, .png, .html or .htm). */
  readonly format?: FigureFormat;
  /** PNG pixels per SVG pixel (default 2). */
  readonly scale?: number;
  /** HTML page title (default: the chart's title, else the dataset's name). */
  readonly title?: string;
}

export type FigureEntryOptions = FileOptions & FigureOptions;

export const DEFAULT_SCALE = 2;

const EXTENSIONS: Readonly<Record<string, FigureFormat>> = {
  '.svg': 'svg',
  '.png': 'png',
  '.html': 'html',
  '.htm': 'html',
};

const optionsError = (name: string, detail: string, hint?: string): CatalogError =>
  new CatalogError('DAGRUN_ERR_CATALOG_OPTIONS', `Catalog entry '${name}' (figure): ${detail}`, { hint });

/** The entry's output format: `format`, else the path's extension; throws naming the entry when neither gives one. */
export const resolveFormat = (options: FigureEntryOptions, name: string): FigureFormat => {
  const ext = posix.extname(options.path).toLowerCase();
  const fromPath = EXTENSIONS[ext];
  const format = options.format ?? fromPath;
  if (!format) {
    throw optionsError(
      name,
      `expected a path ending in .svg, .png or .html, or a \`format\` option, but got '${options.path}'.`,
      'Hint: change the extension, or add `format: svg`, `format: png` or `format: html` to the entry.',
    );
  }
  if (fromPath && fromPath !== format) {
    throw optionsError(name, `expected a path ending in .${format} for format ${format}, but got '${options.path}'.`);
  }
  if (options.scale !== undefined && format !== 'png')
    throw optionsError(name, `expected option 'scale' only with format png, but got format ${format}.`);
  if (options.title !== undefined && format !== 'html')
    throw optionsError(name, `expected option 'title' only with format html, but got format ${format}.`);
  return format;
};

const figureFormat = (
  format: FigureFormat,
  ctx: DatasetContext,
  fonts: FontSettings,
): Format<unknown, FigureEntryOptions> => ({
  name: `figure-${format}`,
  check: checkSpec,
  async encode(data, o) {
    const spec = data as FigureSpec;
    const svg = await renderSvg(spec, { baseDir: ctx.projectDir });
    if (format === 'svg') return Buffer.from(svg);
    if (format === 'png') return renderPng(svg, o.scale ?? DEFAULT_SCALE, fonts);
    const chartTitle = specTitle(spec);
    const description = typeof spec.description === 'string' ? spec.description : undefined;
    return Buffer.from(
      htmlPage(svg, {
        title: o.title ?? chartTitle ?? ctx.name,
        heading: o.title !== undefined && o.title !== chartTitle,
        description,
      }),
    );
  },
  decode: (bytes) => (format === 'png' ? bytes : bytes.toString('utf8')),
});

const FIGURE_PROPERTIES = {
  format: { enum: [...FIGURE_FORMATS], description: 'svg, png or html; default: from the extension of path.' },
  scale: {
    type: 'number',
    exclusiveMinimum: 0,
    maximum: 10,
    description: 'png only: pixels per SVG pixel (default 2).',
  },
  title: {
    type: 'string',
    minLength: 1,
    description: "html only: the page title (default: the chart's title, else the dataset name).",
  },
} as const;

/** The schema, versioning and storage handling core gives every file type, around one entry's format. */
const fileType = (format: Format<unknown, FigureEntryOptions>) =>
  fileDatasetType<unknown, FigureEntryOptions>({
    name: 'figure',
    description: '',
    format,
    properties: FIGURE_PROPERTIES,
  });

/**
 * What core declares for every file type (schema with path, versioned, storage_options; versioning; atomic
 * saves). The format here only fills the slot: create() picks the real one per entry.
 */
const BASE = fileType({ name: 'figure', check: checkSpec, decode: (bytes) => bytes, encode: () => Buffer.alloc(0) });

/** The `figure` dataset type, drawing text with `fonts` in PNGs. */
export const figureType = (fonts: FontSettings): DatasetType<FigureEntryOptions> => ({
  ...BASE,
  description:
    'A chart: a node returns a Vega-Lite (or Vega) spec, saved as SVG, PNG or a self-contained HTML page; ' +
    'loads as the SVG or HTML text, or the PNG bytes.',
  create(options, ctx) {
    const format = resolveFormat(options, ctx.name);
    const resolved: FontSettings = {
      ...fonts,
      files: fonts.files.map((f) => resolve(ctx.projectDir, f)),
      dirs: fonts.dirs.map((d) => resolve(ctx.projectDir, d)),
    };
    // resvg skips a font path that is not there without a word; say so while the catalog is built.
    const absent = [...resolved.files, ...resolved.dirs].find((f) => !existsSync(f));
    if (absent)
      throw optionsError(
        ctx.name,
        `expected every font_files and font_dirs path of the plugin's options to exist, ` +
          `but got no such file or folder: ${absent}.`,
        'Hint: relative paths start at the project folder.',
      );
    return fileType(figureFormat(format, ctx, resolved)).create(options, ctx);
  },
});
