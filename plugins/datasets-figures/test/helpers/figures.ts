// Test helpers: the charts the tests render, and a PNG decoder (resvg draws the PNG inside an SVG and hands
// back its pixels), so tests can look at what a PNG shows rather than only at its header.

import { Resvg } from '@resvg/resvg-js';

/** A bar chart whose marks, axis titles and chart title the tests look for. */
export const barSpec = (extra: Record<string, unknown> = {}) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: 'Sales by region',
  width: 300,
  height: 200,
  data: {
    values: [
      { region: 'North', sales: 28 },
      { region: 'South', sales: 55 },
      { region: 'East', sales: 43 },
    ],
  },
  mark: 'bar',
  encoding: {
    x: { field: 'region', type: 'nominal', title: 'Region' },
    y: { field: 'sales', type: 'quantitative', title: 'Sales (EUR)' },
  },
  ...extra,
});

/** The same chart sized to exactly width × height pixels, axes and title inside (autosize fit). */
export const fittedSpec = (width: number, height: number) =>
  barSpec({ width, height, autosize: { type: 'fit', contains: 'padding' } });

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the PNG's IHDR chunk. */
export const pngSize = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

export interface Pixels {
  readonly width: number;
  readonly height: number;
  /** Whether the pixel at (x, y) is dark (text, axis lines): every channel under 100, opaque. */
  dark(x: number, y: number): boolean;
  /** Dark pixels inside a box. */
  darkIn(x0: number, y0: number, x1: number, y1: number): number;
}

export const pngPixels = (png: Buffer): Pixels => {
  const { width, height } = pngSize(png);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  const data = new Resvg(svg, { font: { loadSystemFonts: false } }).render().pixels;
  const dark = (x: number, y: number) => {
    const i = (y * width + x) * 4;
    return data[i]! < 100 && data[i + 1]! < 100 && data[i + 2]! < 100 && data[i + 3]! > 200;
  };
  const darkIn = (x0: number, y0: number, x1: number, y1: number) => {
    let n = 0;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (dark(x, y)) n++;
    return n;
  };
  return { width, height, dark, darkIn };
};
