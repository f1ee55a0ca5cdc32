// Real PNGs through resvg: the signature, the pixel size the spec and scale give, and text actually drawn
// (dark pixels where the title is), with the machine's fonts or with font files alone.

import t from 'tap';
import { DatasetError } from '@dagrun/core';
import { DEFAULT_FONT_FAMILY, renderPng, type FontSettings } from './png.js';
import { renderSvg } from './render.js';
import { barSpec, fittedSpec, PNG_SIGNATURE, pngPixels, pngSize } from '../../test/helpers/figures.js';
import { caught } from '../../../../core/test/helpers/caught.js';

const SYSTEM: FontSettings = { family: DEFAULT_FONT_FAMILY, files: [], dirs: [], system: true };
const DEJAVU = '/usr/share/fonts/truetype/dejavu';
const ctx = { baseDir: '.' };

t.test('a PNG has the PNG signature and the SVG size times the scale', async (t) => {
  const svg = await renderSvg(barSpec(), ctx);
  const [, w, h] = /width="(\d+)" height="(\d+)"/.exec(svg)!.map(Number) as [number, number, number];
  for (const scale of [1, 2, 3]) {
    const png = await renderPng(svg, scale, SYSTEM);
    t.same(png.subarray(0, 8), PNG_SIGNATURE, `scale ${scale}: PNG signature`);
    t.same(pngSize(png), { width: w * scale, height: h * scale }, `scale ${scale}: ${w * scale}×${h * scale}`);
  }
});

t.test('a spec sized with autosize fit gives exactly its width and height times the scale', async (t) => {
  const svg = await renderSvg(fittedSpec(400, 300), ctx);
  t.same(pngSize(await renderPng(svg, 2, SYSTEM)), { width: 800, height: 600 });
  t.same(pngSize(await renderPng(svg, 1.5, SYSTEM)), { width: 600, height: 450 });
});

/** Dark pixels in the band at the top where the chart's title (and nothing else) is drawn. */
const titleInk = (png: Buffer, scale: number): number => {
  const px = pngPixels(png);
  return px.darkIn(Math.round(px.width * 0.25), 0, Math.round(px.width * 0.75), 18 * scale);
};

t.test('text is drawn: the title band holds dark pixels, with system fonts or font files alone', async (t) => {
  const svg = await renderSvg(fittedSpec(400, 300), ctx);
  const withSystem = titleInk(await renderPng(svg, 2, SYSTEM), 2);
  t.ok(withSystem > 300, `${withSystem} dark pixels in the title band (system fonts)`);

  const filesOnly: FontSettings = {
    family: 'DejaVu Sans',
    files: [`${DEJAVU}/DejaVuSans.ttf`, `${DEJAVU}/DejaVuSans-Bold.ttf`],
    dirs: [],
    system: false,
  };
  const withFiles = titleInk(await renderPng(svg, 2, filesOnly), 2);
  t.ok(withFiles > 300, `${withFiles} dark pixels in the title band (font files only)`);

  // The band is not dark by accident: the same chart without its title leaves it white.
  const untitled = await renderSvg({ ...fittedSpec(400, 300), title: undefined }, ctx);
  t.equal(titleInk(await renderPng(untitled, 2, SYSTEM), 2), 0, 'no title, no ink');
});

t.test('a chart with text and no font to draw it is a save error, not a PNG without words', async (t) => {
  const svg = await renderSvg(barSpec(), ctx);
  const none: FontSettings = { family: DEFAULT_FONT_FAMILY, files: [], dirs: [], system: false };
  const err = await caught(() => renderPng(svg, 2, none));
  t.ok(err instanceof DatasetError);
  t.equal(err.code, 'DAGRUN_ERR_DATASET_SAVE');
  t.equal(
    err.message,
    '[DAGRUN_ERR_DATASET_SAVE] PNG of figure: expected a font to draw its text with, ' +
      'but got none (system fonts off, 0 font files or folders given).\n' +
      '  Hint: install a font package (Debian: apt-get install fonts-dejavu-core), or list .ttf/.otf files under ' +
      "the plugin's font_files option in dagrun.yaml.",
  );

  // A chart without text needs no font.
  const marksOnly = await renderSvg(
    {
      $schema: 'https://vega.github.io/schema/vega/v6.json',
      width: 10,
      height: 10,
      padding: 0,
      marks: [
        { type: 'rect', encode: { enter: { width: { value: 5 }, height: { value: 5 }, fill: { value: 'black' } } } },
      ],
    },
    ctx,
  );
  const png = await renderPng(marksOnly, 2, none);
  t.same(pngSize(png), { width: 20, height: 20 });
  t.ok(pngPixels(png).dark(2, 2), 'the rect is drawn');
});
