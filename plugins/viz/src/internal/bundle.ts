// The page's script and stylesheet (src/page), bundled with esbuild when a page is first written in
// this process and kept for the next ones (`--serve` rebuilds). Bundling at HTML build time rather
// than at package build time keeps `tsc -b` the only build step, and the page always matches its source.

import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export interface PageBundle {
  readonly js: string;
  readonly css: string;
}

/** src/page, from src/internal (run with tsx) as from dist/internal (built). */
const PAGE_DIR = fileURLToPath(new URL('../../src/page/', import.meta.url));

let cached: Promise<PageBundle> | undefined;

export const pageBundle = (): Promise<PageBundle> => (cached ??= bundle());

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
        `esbuild: expected a ${ext} output for ${PAGE_DIR}, ` +
          `but got ${result.outputFiles.map((f) => f.path).join(', ')}`,
      );
    return file.text;
  };
  return { js: find('.js'), css: find('.css') };
};
