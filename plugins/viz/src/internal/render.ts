// The three outputs of `dagrun viz`: the HTML page, a standalone SVG of the view the page opens on,
// and the graph model as JSON.

import { pageBundle } from './bundle.js';
import { renderHtml, type PageData } from './html.js';
import { layoutView, type Layout } from './layout.js';
import { standaloneSvg } from './markup.js';
import type { GraphModel } from './model.js';
import { computeView, defaultState, indexModel, type View } from './view.js';

export const FORMATS = ['html', 'svg', 'json'] as const;
export type Format = (typeof FORMATS)[number];

/** The view the page opens on (the default pipeline, no filter, all expanded) and its layout. */
export const initialView = (model: GraphModel): { view: View; layout: Layout } => {
  const view = computeView(model, indexModel(model), defaultState(model));
  return { view, layout: layoutView(view) };
};

export const renderGraph = async (model: GraphModel, format: Format, live?: PageData['live']): Promise<string> => {
  if (format === 'json') return `${JSON.stringify(model, null, 2)}\n`;
  const { view, layout } = initialView(model);
  if (format === 'svg') return standaloneSvg(model, view, layout);
  return renderHtml({ model, initial: { key: view.key, layout }, live }, await pageBundle());
};
