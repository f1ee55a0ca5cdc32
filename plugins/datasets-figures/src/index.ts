// @dagrun/datasets-figures: the public API. The plugin (default export) registers the `figure` dataset
// type: a node returns a Vega-Lite (or Vega) spec, saved rendered on the server as SVG, PNG or a
// self-contained HTML page. `load()` gives the SVG or HTML text (a string) or the PNG bytes (a Buffer).
//
//   # dagrun.yaml
//   plugins: ["@dagrun/datasets-figures"]
//
//   # conf/base/catalog.yaml
//   price_histogram:
//     type: figure
//     path: data/08_reporting/price_histogram.png    # .svg, .png or .html picks the format
//     versioned: true
//     scale: 2                                       # png only: pixels per SVG pixel
//
//   // src/nodes.ts
//   import type { DataFrame } from 'nodejs-polars';
//   export const priceHistogram = (sales: DataFrame) => ({
//     title: 'Unit prices',
//     data: { values: sales.select('price').toRecords() },
//     mark: 'bar',
//     encoding: {
//       x: { field: 'price', type: 'quantitative', bin: { maxbins: 20 }, title: 'Price (EUR)' },
//       y: { aggregate: 'count', type: 'quantitative', title: 'Orders' },
//     },
//   });

import { figuresPlugin } from './internal/plugin.js';

export { figuresPlugin, PLUGIN_NAME, type FiguresPluginOptions } from './internal/plugin.js';
export {
  figureType,
  resolveFormat,
  FIGURE_FORMATS,
  DEFAULT_SCALE,
  type Figure,
  type FigureFormat,
  type FigureOptions,
  type FigureEntryOptions,
} from './internal/figure-type.js';
export { renderSvg, type RenderContext } from './internal/render.js';
export { renderPng, DEFAULT_FONT_FAMILY, type FontSettings } from './internal/png.js';
export { htmlPage, type PageText } from './internal/html.js';
export { checkSpec, isVegaSpec, type FigureSpec } from './internal/spec.js';

export default figuresPlugin;
