// The figure type through core's DataCatalog, built from catalog.yaml with the plugin registered by
// core's PluginHost: real renders saved and loaded back, versions, refused values, broken specs and
// failed saves that leave the earlier file as it was, and entry options that fail when the catalog is built.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigLoader, DataCatalog, PluginHost, Registry, type DagrunError } from '@dagrun/core';
import figuresPlugin, { type FiguresPluginOptions } from '../src/index.js';
import { barSpec, PNG_SIGNATURE, pngSize } from './helpers/figures.js';
import { caught, listFiles, makeProject, type TapTest } from '../../../core/test/helpers/project.js';

const V1 = '2026-01-05T09.00.00.000Z';
const V2 = '2026-01-12T09.00.00.000Z';

interface Built {
  readonly dir: string;
  readonly catalog: DataCatalog;
  readonly errors: DagrunError[];
  /** A catalog over the same folder, saving under `save` and loading the pinned versions. */
  readonly reopen: (o?: { save?: string; load?: Record<string, string> }) => DataCatalog;
}

const build = async (t: TapTest, catalogYaml: string, options?: FiguresPluginOptions): Promise<Built> => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': catalogYaml });
  const registry = new Registry();
  await new PluginHost(registry).register(figuresPlugin, options);
  const config = new ConfigLoader({ projectDir: dir, environ: {} }).load('catalog', 'replace-top-level');
  const open = (o: { save?: string; load?: Record<string, string> } = {}) =>
    DataCatalog.create({
      config,
      credentials: undefined,
      params: {},
      registry,
      projectDir: dir,
      saveVersion: o.save ?? V1,
      loadVersions: new Map(Object.entries(o.load ?? {})),
    });
  const { catalog, errors } = open();
  return { dir, catalog, errors, reopen: (o) => open(o).catalog };
};

const valid = async (t: TapTest, catalogYaml: string, options?: FiguresPluginOptions): Promise<Built> => {
  const built = await build(t, catalogYaml, options);
  t.same(
    built.errors.map((e) => e.message),
    [],
    'the catalog is valid',
  );
  return built;
};

t.test('a spec saves as SVG, PNG or HTML by the extension (or `format`) and loads back as text or bytes', async (t) => {
  const { dir, catalog } = await valid(
    t,
    [
      'chart_svg: { type: figure, path: data/08_reporting/sales.svg }',
      'chart_png: { type: figure, path: data/08_reporting/sales.png, scale: 3 }',
      'chart_html: { type: figure, path: data/08_reporting/sales.html, title: Weekly sales }',
      'chart_plain: { type: figure, path: data/08_reporting/sales_chart, format: svg }',
      '',
    ].join('\n'),
  );
  for (const name of ['chart_svg', 'chart_png', 'chart_html', 'chart_plain'])
    t.same(await catalog.save(name, barSpec()), {
      location: `data/08_reporting/${name === 'chart_plain' ? 'sales_chart' : `sales.${name.slice(6)}`}`,
      version: undefined,
    });

  const svg = await catalog.load('chart_svg');
  t.type(svg, 'string');
  t.equal(svg, readFileSync(join(dir, 'data/08_reporting/sales.svg'), 'utf8'));
  t.match(svg as string, /^<svg [^>]*width="(\d+)" height="(\d+)"/);
  t.match(svg as string, /<path aria-label="Region: South; Sales \(EUR\): 55"/);
  t.match(svg as string, />Sales \(EUR\)<\/text>/);
  t.equal(await catalog.load('chart_plain'), svg, 'an extensionless path with format: svg');

  const png = await catalog.load('chart_png');
  t.ok(Buffer.isBuffer(png), 'PNG loads as a Buffer');
  t.same((png as Buffer).subarray(0, 8), PNG_SIGNATURE);
  const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg as string)!.map(Number);
  t.same(pngSize(png as Buffer), { width: w! * 3, height: h! * 3 }, 'the SVG size times scale: 3');

  const html = (await catalog.load('chart_html')) as string;
  t.type(html, 'string');
  t.match(html, /<title>Weekly sales<\/title>/);
  t.match(html, /<h1>Weekly sales<\/h1>/);
  t.ok(html.includes(svg as string), 'the same SVG, inlined');
  t.notMatch(html, /<script/i);

  t.same(catalog.describe('chart_png'), {
    type: 'figure',
    path: 'data/08_reporting/sales.png',
    versioned: false,
    storage: 'file',
  });
});

t.test("an HTML page without `title` takes the chart's title (shown once), else the dataset's name", async (t) => {
  const { catalog } = await valid(t, 'report: { type: figure, path: out/report.html }\n');
  await catalog.save('report', barSpec());
  const page = (await catalog.load('report')) as string;
  t.match(page, /<title>Sales by region<\/title>/);
  t.notMatch(page, /<h1>/, 'the chart draws that title itself');
  await catalog.save('report', barSpec({ title: undefined }));
  t.match((await catalog.load('report')) as string, /<title>report<\/title>/);
});

t.test('versioned: true keeps every save under path/<version>/ and loads the newest or a pinned one', async (t) => {
  const { dir, catalog, reopen } = await valid(
    t,
    'hist:\n  type: figure\n  path: data/08_reporting/hist.png\n  versioned: true\n',
  );
  t.same(await catalog.save('hist', barSpec({ title: 'Week 1' })), {
    location: `data/08_reporting/hist.png/${V1}/hist.png`,
    version: V1,
  });
  const later = reopen({ save: V2 });
  t.same(await later.save('hist', barSpec({ title: 'Week 2', width: 500 })), {
    location: `data/08_reporting/hist.png/${V2}/hist.png`,
    version: V2,
  });
  t.same(listFiles(join(dir, 'data')), [
    `08_reporting/hist.png/${V1}/hist.png`,
    `08_reporting/hist.png/${V2}/hist.png`,
  ]);

  const newest = (await reopen({ save: V2 }).load('hist')) as Buffer;
  const pinned = (await reopen({ load: { hist: V1 } }).load('hist')) as Buffer;
  t.ok(
    pngSize(newest).width > pngSize(pinned).width + 300,
    `the newest (${pngSize(newest).width} px wide) is the wider week 2 chart; the pinned one ` +
      `is ${pngSize(pinned).width} px`,
  );
  t.same(newest, readFileSync(join(dir, `data/08_reporting/hist.png/${V2}/hist.png`)));
});

t.test('a value that is not a spec is refused before anything is written', async (t) => {
  const { dir, catalog } = await valid(t, 'chart: { type: figure, path: data/chart.svg }\n');
  const before = listFiles(dir);
  const refused = [
    [[{ mark: 'bar' }], 'an array of 1'],
    ['{"mark":"bar"}', `a string '{"mark":"bar"}'`],
    [
      new (class DataFrame {
        columns = ['price'];
        writeCSV() {}
      })(),
      'a polars DataFrame',
    ],
  ] as const;
  for (const [value, kind] of refused) {
    const err = await caught(() => catalog.save('chart', value));
    t.equal(err.code, 'DAGRUN_ERR_DATASET_TYPE_MISMATCH');
    t.equal(
      err.message,
      `[DAGRUN_ERR_DATASET_TYPE_MISMATCH] Dataset 'chart' (figure): expected a chart specification ` +
        `(a Vega-Lite or Vega object), but got ${kind}.`,
    );
  }
  const noView = await caught(() => catalog.save('chart', { data: { values: [] }, encoding: {} }));
  t.equal(
    noView.message,
    "[DAGRUN_ERR_DATASET_TYPE_MISMATCH] Dataset 'chart' (figure): expected a Vega-Lite specification " +
      '(an object with one of mark, layer, facet, repeat, concat, hconcat, vconcat), but got an object with keys ' +
      'data, encoding.',
  );
  t.equal(
    (await caught(() => catalog.prepareSave('chart', [1, 2]))).code,
    'DAGRUN_ERR_DATASET_TYPE_MISMATCH',
    'found by prepareSave(), before any output of the node is saved',
  );
  t.same(listFiles(dir), before, 'nothing written');
});

t.test('a broken spec is a save error naming the problem once, and the earlier file stays as it was', async (t) => {
  const { dir, catalog } = await valid(t, 'chart: { type: figure, path: data/chart.png }\n');
  await catalog.save('chart', barSpec());
  const earlier = readFileSync(join(dir, 'data/chart.png'));

  const unknownMark = await caught(() => catalog.save('chart', barSpec({ mark: 'bars' })));
  t.equal(unknownMark.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    unknownMark.message,
    "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'chart' (figure at data/chart.png): Figure spec, mark: " +
      'expected a Vega-Lite mark type (arc, area, bar, image, line, point, rect, rule, text, tick, trail, circle, ' +
      "square, geoshape, boxplot, errorbar, errorband), but got 'bars'. What was saved before is intact.\n" +
      "  Hint: did you mean: 'bar', 'arc'?",
  );

  const badExpr = await caught(() =>
    catalog.save('chart', barSpec({ transform: [{ calculate: 'datum.sales *', as: 'x' }] })),
  );
  t.equal(
    badExpr.message,
    "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'chart' (figure at data/chart.png): Figure spec: " +
      'expected a Vega-Lite chart that renders, but got: Unexpected end of input. What was saved before is intact.',
  );
  t.equal(badExpr.message.split('Unexpected end of input').length, 2, 'named once');

  t.same(readFileSync(join(dir, 'data/chart.png')), earlier, 'the earlier PNG, byte for byte');
  t.same(listFiles(join(dir, 'data')), ['chart.png'], 'no temporary file left behind');
});

t.test('a PNG save with no font to draw its text fails and leaves the earlier version alone', async (t) => {
  const { dir, catalog, reopen } = await valid(t, 'chart: { type: figure, path: data/chart.png, versioned: true }\n', {
    system_fonts: false,
  });
  const marksOnly = {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width: 20,
    height: 10,
    marks: [
      { type: 'rect', encode: { enter: { width: { value: 10 }, height: { value: 10 }, fill: { value: 'black' } } } },
    ],
  };
  await catalog.save('chart', marksOnly);
  const err = await caught(() => reopen({ save: V2 }).save('chart', barSpec()));
  t.equal(
    err.message,
    "[DAGRUN_ERR_DATASET_SAVE] Failed to save dataset 'chart' (figure at data/chart.png): PNG of figure: " +
      'expected a font to draw its text with, but got none (system fonts off, 0 font files or folders given). ' +
      'What was saved before is intact.\n  Hint: install a font package (Debian: apt-get install ' +
      "fonts-dejavu-core), or list .ttf/.otf files under the plugin's font_files option in dagrun.yaml.",
  );
  t.same(listFiles(join(dir, 'data')), [`chart.png/${V1}/chart.png`], 'no second version');
});

t.test('font files from the plugin options draw the text, system fonts off', async (t) => {
  const { catalog } = await valid(t, 'chart: { type: figure, path: data/chart.png }\n', {
    system_fonts: false,
    font_dirs: ['/usr/share/fonts/truetype/dejavu'],
  });
  await catalog.save('chart', barSpec());
  t.same(((await catalog.load('chart')) as Buffer).subarray(0, 8), PNG_SIGNATURE);
});

t.test('entry options that cannot work fail when the catalog is built, naming the entry and its line', async (t) => {
  const { errors } = await build(
    t,
    [
      'jpeg: { type: figure, path: data/chart.jpg }',
      'bare: { type: figure, path: data/chart }',
      'clash: { type: figure, path: data/chart.svg, format: png }',
      'scaled: { type: figure, path: data/chart.svg, scale: 2 }',
      'titled: { type: figure, path: data/chart.png, title: Sales }',
      'tiny: { type: figure, path: data/chart.png, scale: 0 }',
      'gif: { type: figure, path: data/chart.svg, format: gif }',
      'ok_htm: { type: figure, path: data/CHART.HTM }',
      '',
    ].join('\n'),
  );
  const hint = '\n  Hint: change the extension, or add `format: svg`, `format: png` or `format: html` to the entry.';
  t.same(
    errors.map((e) => e.message),
    [
      "conf/base/catalog.yaml:6:52 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'tiny' (figure), field 'scale': " +
        'expected a value that must be > 0, but got number 0.',
      "conf/base/catalog.yaml:7:52 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'gif' (figure), " +
        'field \'format\': expected one of "svg", "png", "html", but got string "gif".',
      `conf/base/catalog.yaml:1:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'jpeg' (figure): ` +
        `expected a path ending in .svg, .png or .html, or a \`format\` option, but got 'data/chart.jpg'.${hint}`,
      `conf/base/catalog.yaml:2:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'bare' (figure): ` +
        `expected a path ending in .svg, .png or .html, or a \`format\` option, but got 'data/chart'.${hint}`,
      "conf/base/catalog.yaml:3:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'clash' (figure): " +
        "expected a path ending in .png for format png, but got 'data/chart.svg'.",
      "conf/base/catalog.yaml:4:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'scaled' (figure): " +
        "expected option 'scale' only with format png, but got format svg.",
      "conf/base/catalog.yaml:5:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'titled' (figure): " +
        "expected option 'title' only with format html, but got format png.",
    ],
  );
});

t.test('plugin options are checked at registration; a font path that is not there fails each entry', async (t) => {
  const registry = new Registry();
  const err = await caught(() =>
    new PluginHost(registry).register(figuresPlugin, { font_family: '', fonts: [] } as FiguresPluginOptions),
  );
  t.equal(err.code, 'DAGRUN_ERR_CONFIG_SCHEMA');
  // Every problem together; the engine adds the plugin's line in dagrun.yaml when it registers plugins from there.
  t.equal(
    err.message,
    "[DAGRUN_ERR_CONFIG_SCHEMA] Options of plugin '@dagrun/datasets-figures': expected valid options, " +
      "but got 2 problems:\n  1) Options of plugin '@dagrun/datasets-figures': expected only known options, " +
      "but got unknown option 'fonts'. Hint: did you mean: 'system_fonts'?\n" +
      "  2) Options of plugin '@dagrun/datasets-figures', field 'font_family': expected a value that must NOT " +
      'have fewer than 1 characters, but got string "".',
  );

  const { dir, errors } = await build(t, 'chart: { type: figure, path: data/chart.png }\n', {
    font_files: ['fonts/Brand.ttf'],
  });
  t.same(
    errors.map((e) => e.message),
    [
      `conf/base/catalog.yaml:1:1 [DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'chart' (figure): ` +
        `expected every font_files and font_dirs path of the plugin's options to exist, ` +
        `but got no such file or folder: ${join(dir, 'fonts/Brand.ttf')}.\n` +
        `  Hint: relative paths start at the project folder.`,
    ],
  );
});
