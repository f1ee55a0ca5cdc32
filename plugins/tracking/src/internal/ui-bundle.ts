// The `dagrun ui` page: its script and stylesheet (src/page) bundled with esbuild on the first request of
// the process and kept, around a small HTML skeleton. As in `dagrun viz`, bundling at request time keeps
// `tsc -b` the only build step; the page loads nothing from elsewhere (no CDN), all data comes from /api.

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface PageBundle {
  readonly js: string;
  readonly css: string;
}

/** src/page, from src/internal (run with tsx) as from dist/internal (built). */
const PAGE_DIR = fileURLToPath(new URL('../../src/page/', import.meta.url));

let cached: Promise<PageBundle> | undefined;
let cachedHtml: Promise<string> | undefined;

export const uiBundle = (): Promise<PageBundle> => (cached ??= bundle());

/** The page's HTML, built once per process; a failed build is not kept, so the next request tries again. */
export const uiHtml = (): Promise<string> => {
  if (!cachedHtml) {
    cachedHtml = uiBundle().then(renderHtml);
    cachedHtml.catch(() => {
      cached = undefined;
      cachedHtml = undefined;
    });
  }
  return cachedHtml;
};

const bundle = async (): Promise<PageBundle> => {
  const result = await build({
    entryPoints: [`${PAGE_DIR}main.ts`, `${PAGE_DIR}page.css`],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    write: false,
    outdir: 'out',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const find = (ext: string): string => {
    const file = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!file)
      throw new Error(
        `esbuild output for '${PAGE_DIR}': expected a ${ext} file, ` +
          `but got ${result.outputFiles.map((f) => f.path).join(', ') || 'none'}.`,
      );
    return file.text;
  };
  return { js: find('.js'), css: find('.css') };
};

/** A script that is safe inline: `</script` cannot appear in it. */
const inlineScript = (js: string): string => js.replace(/<\/script/gi, '<\\/script');

export const renderHtml = (b: PageBundle): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@dagrun/tracking">
<title>dagrun ui</title>
<link rel="icon" href="data:,">
<style>${b.css}</style>
</head>
<body>
<header>
  <h1><a href="#/">dagrun <small>ui</small></a></h1>
  <nav>
    <a href="#/" data-nav="runs" data-testid="nav-runs">Runs</a>
    <a href="#/models" data-nav="models" data-testid="nav-models">Models</a>
  </nav>
  <span class="store mono" id="store-root"></span>
</header>
<div id="problems" data-testid="problems-banner" hidden></div>
<main id="view" data-testid="view"></main>
<script>${inlineScript(b.js)}</script>
</body>
</html>
`;
