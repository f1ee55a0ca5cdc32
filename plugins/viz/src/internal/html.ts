// The self-contained HTML page: skeleton, inline CSS, the graph model as inline JSON, the bundled
// page script. Nothing is fetched: it opens from disk, offline. When served (`--serve`), the page
// also polls the server's /version and reloads on a change.

import type { Layout } from './layout.js';
import type { GraphModel } from './model.js';
import type { PageBundle } from './bundle.js';
import { ARROW_DEFS, escapeXml } from './markup.js';
import { GRAPH_CSS } from './style.js';

/** What the page script reads from <script id="dagrun-data">. */
export interface PageData {
  readonly model: GraphModel;
  /** The layout of the view the page opens on, computed in Node, and the state key it belongs to. */
  readonly initial: { readonly key: string; readonly layout: Layout };
  /** Set when served: the page polls `url` and reloads when the version changes. */
  readonly live?: { readonly url: string; readonly version: number } | undefined;
}

/** JSON that is safe inside <script>: no `</script>`, `<!--` or line separators can end it early. */
export const inlineJson = (value: unknown): string =>
  JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

/** A script that is safe inline: `</script` cannot appear in it. */
const inlineScript = (js: string): string => js.replace(/<\/script/gi, '<\\/script');

const SEARCH_INPUT =
  '<input id="search" type="search" placeholder="Search nodes, datasets, parameters" autocomplete="off" ' +
  'aria-label="Search">';

const ZOOM_BUTTONS =
  '<div class="zoom"><button id="zoom-in" title="Zoom in">+</button>' +
  '<button id="zoom-out" title="Zoom out">−</button><button id="zoom-fit" title="Fit to screen">⤢</button></div>';

export const renderHtml = (data: PageData, bundle: PageBundle): string => {
  const title = `${data.model.project} · dagrun viz`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@dagrun/viz">
<title>${escapeXml(title)}</title>
<link rel="icon" href="data:,">
<style>${bundle.css}${GRAPH_CSS}</style>
</head>
<body>
<header>
  <h1>${escapeXml(data.model.project)} <small>dagrun viz</small></h1>
  <label>Pipeline <select id="pipeline"></select></label>
  ${SEARCH_INPUT}
  <span id="search-count"></span>
  <details class="menu" id="tag-menu"><summary>Tags</summary><div class="list" id="tag-list"></div></details>
  <details class="menu" id="ns-menu"><summary>Namespaces</summary><div class="list" id="ns-list"></div></details>
  <label><input id="show-params" type="checkbox" checked> Parameters</label>
  <label id="run-toggle"><input id="show-run" type="checkbox" checked> Last run</label>
  <span class="counts" id="counts"></span>
</header>
<div id="run-summary" hidden></div>
<main>
  <svg id="canvas" class="graph" role="img" aria-label="pipeline graph">${ARROW_DEFS}<g id="viewport"></g></svg>
  ${ZOOM_BUTTONS}
  <div id="legend"></div>
  <aside id="panel" hidden></aside>
</main>
<script id="dagrun-data" type="application/json">${inlineJson(data)}</script>
<script>${inlineScript(bundle.js)}</script>
</body>
</html>
`;
};
