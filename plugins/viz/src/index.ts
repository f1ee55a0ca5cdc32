// @dagrun/viz: a dagrun project's pipelines as one self-contained, interactive HTML page, or as SVG
// or JSON. List it under `plugins:` in dagrun.yaml; then `dagrun viz`.

import { vizPlugin } from './internal/plugin.js';

export default vizPlugin;
export { vizPlugin };
export { vizCommand, runViz, type VizCommandOptions } from './internal/command.js';
export { projectGraph, type ProjectGraph, type ProjectGraphOptions } from './internal/project-graph.js';
export { buildGraphModel, type GraphSource, type DatasetFacts } from './internal/graph.js';
export { renderGraph, initialView, FORMATS, type Format } from './internal/render.js';
export { startVizServer, type VizServer, type VizServerOptions } from './internal/serve.js';
export { computeView, defaultState, indexModel, type View, type ViewState } from './internal/view.js';
export { layoutView, type Layout } from './internal/layout.js';
export type * from './internal/model.js';
