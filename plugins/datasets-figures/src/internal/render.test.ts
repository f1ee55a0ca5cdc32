// Real renders through Vega-Lite and Vega: what the SVG holds, data read from the project folder, and the
// save errors a broken spec gives (each naming Vega's problem once).

import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatasetError } from '@dagrun/core';
import { renderSvg } from './render.js';
import { barSpec } from '../../test/helpers/figures.js';
import { caught } from '../../../../core/test/helpers/caught.js';

const ctx = { baseDir: tmpdir() };
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
const barLabels = (svg: string) => [...svg.matchAll(/<path aria-label="([^"]*)"/g)].map((m) => m[1]);

t.test('a Vega-Lite bar chart renders to SVG with its bars, axis titles and title', async (t) => {
  const svg = await renderSvg(barSpec(), ctx);
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* width="\d+" height="\d+"/);
  t.match(svg, /<g class="mark-rect role-mark marks"/, 'a group of rect marks');
  t.same(
    barLabels(svg),
    ['Region: North; Sales (EUR): 28', 'Region: South; Sales (EUR): 55', 'Region: East; Sales (EUR): 43'],
    'one bar per row, with its data',
  );
  const words = texts(svg);
  for (const w of ['Region', 'Sales (EUR)', 'Sales by region', 'East', 'North', 'South'])
    t.ok(words.includes(w), `text '${w}'`);
  t.notMatch(svg, /<script/);
});

t.test('a full Vega spec, told apart by its $schema, renders as it is', async (t) => {
  const svg = await renderSvg(
    {
      $schema: 'https://vega.github.io/schema/vega/v6.json',
      width: 120,
      height: 40,
      padding: 0,
      marks: [
        {
          type: 'rect',
          encode: {
            enter: {
              x: { value: 10 },
              y: { value: 5 },
              width: { value: 50 },
              height: { value: 20 },
              fill: { value: '#c00' },
            },
          },
        },
      ],
    },
    ctx,
  );
  t.match(svg, /width="120" height="40"/);
  t.match(svg, /<path d="M10,5h50v20h-50Z" fill="#c00"/);
});

t.test('a relative data.url is read from the project folder, not the working directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-figures-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'sales.csv'), 'region,sales\nWest,12\nCentre,30\n');
  const svg = await renderSvg(barSpec({ data: { url: 'sales.csv' } }), { baseDir: dir });
  t.same(barLabels(svg), ['Region: West; Sales (EUR): 12', 'Region: Centre; Sales (EUR): 30']);

  const err = await caught(() => renderSvg(barSpec({ data: { url: 'missing.csv' } }), { baseDir: dir }));
  t.ok(err instanceof DatasetError);
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    err.message,
    `[DAGRUN_ERR_DATASET_SAVE] Figure spec: expected a Vega-Lite chart that renders, but got: ` +
      `Loading failed missing.csv ENOENT: no such file or directory, open '${join(dir, 'missing.csv')}'.`,
    'a failed load is an error, not an empty chart',
  );
});

const MARKS =
  'arc, area, bar, image, line, point, rect, rule, text, tick, trail, circle, square, geoshape, boxplot, ' +
  'errorbar, errorband';

t.test('an unknown mark names the mark and where it is, instead of the TypeError Vega-Lite crashes with', async (t) => {
  const err = await caught(() => renderSvg(barSpec({ mark: 'bars' }), ctx));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    err.message,
    `[DAGRUN_ERR_DATASET_SAVE] Figure spec, mark: expected a Vega-Lite mark type (${MARKS}), but got 'bars'.\n` +
      `  Hint: did you mean: 'bar', 'arc'?`,
  );

  const layered = await caught(() =>
    renderSvg({ data: { values: [] }, layer: [{ mark: 'bar' }, { mark: { type: 'lines', point: true } }] }, ctx),
  );
  t.equal(
    layered.message,
    `[DAGRUN_ERR_DATASET_SAVE] Figure spec, layer[1].mark: expected a Vega-Lite mark type (${MARKS}), ` +
      `but got 'lines'.\n  Hint: did you mean: 'line'?`,
  );

  const vega = await caught(() =>
    renderSvg(
      {
        $schema: 'https://vega.github.io/schema/vega/v6.json',
        marks: [{ type: 'group', marks: [{ type: 'rectangle' }] }],
      },
      ctx,
    ),
  );
  t.equal(
    vega.message,
    '[DAGRUN_ERR_DATASET_SAVE] Figure spec, marks[0].marks[0].type: expected a Vega mark type (arc, area, ' +
      "group, image, line, path, rect, rule, shape, symbol, text, trail), but got 'rectangle'.\n" +
      "  Hint: did you mean: 'rect'?",
  );
});

t.test("Vega-Lite's and Vega's own errors, thrown or only logged, are named once", async (t) => {
  const parse = await caught(() =>
    renderSvg(barSpec({ transform: [{ calculate: 'datum.sales +* 2', as: 'double' }] }), ctx),
  );
  t.equal(
    parse.message,
    '[DAGRUN_ERR_DATASET_SAVE] Figure spec: expected a Vega-Lite chart that renders, but got: Unexpected token *.',
  );

  const fn = await caught(() =>
    renderSvg(barSpec({ transform: [{ calculate: 'tripple(datum.sales)', as: 'x3' }] }), ctx),
  );
  t.equal(
    fn.message,
    '[DAGRUN_ERR_DATASET_SAVE] Figure spec: expected a Vega-Lite chart that renders, but got: ' +
      'Unrecognized function: tripple.',
  );

  // Vega only logs this one and still hands back an SVG: it must not be saved.
  const logged = await caught(() =>
    renderSvg(
      {
        $schema: 'https://vega.github.io/schema/vega/v6.json',
        marks: [{ type: 'rect', encode: { enter: { x: { scale: 'xscale', value: 0 } } } }],
      },
      ctx,
    ),
  );
  t.equal(
    logged.message,
    '[DAGRUN_ERR_DATASET_SAVE] Figure spec: expected a Vega chart that renders, but got: _.%xscale is not a function.',
  );
});

t.test('a long message from Vega-Lite (it quotes the spec, data included) keeps its start and its end', async (t) => {
  const values = Array.from({ length: 200 }, (_, i) => ({ region: `r${i}`, sales: i }));
  const err = await caught(() => renderSvg({ data: { values }, encoding: {} }, ctx));
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.match(
    err.message,
    new RegExp(
      /^\[DAGRUN_ERR_DATASET_SAVE\] Figure spec: expected a Vega-Lite chart that renders, but got: /.source +
        /Invalid specification \{"data":\{"values":\[\{"region":"r0","sales":0\},.* … /.source +
        /.*Make sure the specification includes at least one of the following properties: /.source +
        /"mark", "layer", "facet", "hconcat", "vconcat", "concat", or "repeat"\.$/.source,
    ),
  );
  t.ok(err.message.length < 500, `${err.message.length} characters`);
});
