// Render time of a typical chart (a 20-bin histogram of 1,000 prices, axis titles, a title) for each format,
// through the figure type's save path without the disk: the first call apart (it imports Vega, ~0.3 s), then
// the median of 30 calls. Run: node --import tsx plugins/datasets-figures/bench/render.bench.ts

import { DEFAULT_FONT_FAMILY, htmlPage, renderPng, renderSvg } from '../src/index.js';

const RUNS = 30;
// A fixed pseudo-random sample, so every run draws the same chart.
let seed = 7;
const next = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
const prices = Array.from({ length: 1000 }, () => ({ price: Math.round(50 + 250 * next() * next()) }));
const histogram = {
  title: 'Unit prices',
  width: 480,
  height: 280,
  data: { values: prices },
  mark: 'bar',
  encoding: {
    x: { field: 'price', type: 'quantitative', bin: { maxbins: 20 }, title: 'Price (EUR)' },
    y: { aggregate: 'count', type: 'quantitative', title: 'Orders' },
  },
};
const fonts = { family: DEFAULT_FONT_FAMILY, files: [], dirs: [], system: true };
const ctx = { baseDir: process.cwd() };

const formats: Record<string, () => Promise<unknown>> = {
  svg: () => renderSvg(histogram, ctx),
  png: async () => renderPng(await renderSvg(histogram, ctx), 2, fonts),
  html: async () => htmlPage(await renderSvg(histogram, ctx), { title: 'Unit prices', heading: false }),
};

const time = async (fn: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(`node ${process.version}, ${RUNS} runs after the first`);
const first = await time(formats.svg!);
console.log(`first call (imports Vega and Vega-Lite, renders SVG): ${first.toFixed(0)} ms`);
// resvg is imported and the fonts probed on the first PNG: timed apart too.
console.log(`first PNG (imports resvg, probes the fonts): ${(await time(formats.png!)).toFixed(0)} ms`);
for (const [name, fn] of Object.entries(formats)) {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await time(fn));
  console.log(
    `${name.padEnd(4)} median ${median(runs).toFixed(1)} ms  (min ${Math.min(...runs).toFixed(1)}, ` +
      `max ${Math.max(...runs).toFixed(1)})`,
  );
}
