// The graph viewer benchmark (`npm run bench:viz`; not a test): a generated pipeline of 500 nodes in
// 5 namespaces, written as a page by `@dagrun/viz` (the built package), opened in headless Chromium.
// Measures the build in Node (model, layout, page), the file size against its budget (1 MB + 0.5 KB
// per node), the time until the page is drawn and listening, a click's response, and in-page relayouts.
// Writes the figures between the bench:viz markers of docs/benchmarks.md.
//
//   npm run build && npm run bench:viz                    # 500 nodes, 7 runs per figure
//   npm run bench:viz -- --nodes 1000 --runs 9 --no-write  # print only

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRunRecord, type NodeRecord } from '@dagrun/core';
import { initialView, projectGraph, renderGraph } from '@dagrun/viz';
import { launch, openPage } from '../e2e/browser.js';
import {
  loadAverage as load,
  machine as baseMachine,
  replaceBetween,
  stats,
  type Stats,
} from '../../../core/bench/report.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const OUT = join(ROOT, 'bench-out/viz');
const DOC = join(ROOT, 'docs/benchmarks.md');
const COMMAND = 'npm run bench:viz';
const SECTION = '## Graph viewer (npm run bench:viz)';

const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const NODES = Number(flag('--nodes') ?? 500);
const RUNS = Number(flag('--runs') ?? 7);
const WRITE = !argv.includes('--no-write');
const STAGES = 5;
const WIDTH = 10;
if (!Number.isInteger(NODES) || NODES % (STAGES * WIDTH) !== 0 || NODES < 50) {
  process.stderr.write(
    `--nodes: expected a multiple of ${STAGES * WIDTH} of at least 50, but got ${flag('--nodes')}.\n`,
  );
  process.exit(2);
}
if (!Number.isInteger(RUNS) || RUNS < 3) {
  process.stderr.write(`--runs: expected a whole number of at least 3, but got ${flag('--runs')}.\n`);
  process.exit(2);
}
const LIMIT = 1_000_000 + 500 * NODES;

// ---------------------------------------------------------------- figures

interface Row {
  readonly what: string;
  readonly stats: Stats;
  readonly unit: 'ms' | 'KB';
  readonly goal?: string;
  readonly pass?: boolean;
}
const rows: Row[] = [];
const fmt = (v: number, unit: Row['unit']): string =>
  unit === 'KB'
    ? `${(v / 1000).toLocaleString('en', { maximumFractionDigits: 1 })} KB`
    : v < 100
      ? `${v.toFixed(1)} ms`
      : `${v.toFixed(0)} ms`;
const log = (s: string) => process.stdout.write(`${s}\n`);
const report = (row: Row) => {
  rows.push(row);
  const { median, min, max, runs } = row.stats;
  const spread = runs > 1 ? ` (min ${fmt(min, row.unit)}, max ${fmt(max, row.unit)}, ${runs} runs)` : '';
  log(
    `  ${row.what}: ${fmt(median, row.unit)}${spread}${row.goal ? `  goal ${row.goal}` : ''}` +
      `${row.pass === undefined ? '' : row.pass ? '  PASS' : '  FAIL'}`,
  );
};
const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const v = await fn();
  return [v, performance.now() - t0];
};

// ---------------------------------------------------------------- the generated project

/**
 * NODES nodes: one `stage` pipeline of NODES / 5 nodes (layers of 10, each node reading two outputs of
 * the layer before and one parameter) included 5 times under namespaces s0…s4, each stage reading the
 * last layer of the one before. Raw inputs are csv, each stage's outputs parquet / json, the rest memory.
 */
const generate = (dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'conf/base'), { recursive: true });
  const layers = NODES / STAGES / WIDTH;
  const last = layers - 1;
  const stage: string[] = ['stage:', '  nodes:'];
  for (let l = 0; l < layers; l++) {
    for (let i = 0; i < WIDTH; i++) {
      const from = (k: number) => (l === 0 ? `in_${k}` : `d_${l - 1}_${k}`);
      stage.push(
        `    - { name: n_${l}_${i}, func: src/nodes.ts#step, ` +
          `inputs: [${from(i)}, ${from((i + 3) % WIDTH)}, "params:p${i % 5}"], outputs: d_${l}_${i}, ` +
          `tags: [${l % 2 ? 'odd' : 'even'}${i === 0 ? ', first' : ''}] }`,
      );
    }
  }
  const includes = Array.from({ length: STAGES }, (_, k) => {
    const inputs = Array.from(
      { length: WIDTH },
      (_, i) => `in_${i}: ${k === 0 ? `raw_${i}` : `s${k - 1}.d_${last}_${i}`}`,
    ).join(', ');
    return `    - { pipeline: stage, namespace: s${k}, inputs: { ${inputs} } }`;
  });
  writeFileSync(join(dir, 'pipeline.yaml'), [...stage, '', '__default__:', '  pipelines:', ...includes, ''].join('\n'));
  writeFileSync(join(dir, 'dagrun.yaml'), 'name: viz-bench\n');
  writeFileSync(join(dir, 'src/nodes.ts'), 'export const step = (...inputs: unknown[]): number => inputs.length;\n');
  writeFileSync(
    join(dir, 'conf/base/parameters.yaml'),
    Array.from(
      { length: STAGES },
      (_, k) => `s${k}: { p0: 1, p1: 0.5, p2: [a, b], p3: { depth: ${k} }, p4: text }`,
    ).join('\n') + '\n',
  );
  const catalog: string[] = [];
  for (let i = 0; i < WIDTH; i++) catalog.push(`raw_${i}: { type: csv, path: data/raw_${i}.csv }`);
  for (let k = 0; k < STAGES; k++) {
    for (let i = 0; i < WIDTH; i++)
      catalog.push(
        `s${k}.d_${last}_${i}: { type: ${k % 2 ? 'json' : 'parquet'}, ` +
          `path: data/s${k}/out_${i}.${k % 2 ? 'json' : 'parquet'}, versioned: ${i === 0} }`,
      );
  }
  writeFileSync(join(dir, 'conf/base/catalog.yaml'), `${catalog.join('\n')}\n`);
};

/** A run record where every node ran (ok, 1–40 ms), so the page draws the overlay too. */
const writeRun = async (dir: string, nodeNames: readonly string[]): Promise<void> => {
  const nodes: NodeRecord[] = nodeNames.map((name, i) => ({
    name,
    func: 'src/nodes.ts#step',
    status: 'ok',
    durationMs: 1 + ((i * 37) % 40),
  }));
  await writeRunRecord(join(dir, '.dagrun/runs'), {
    formatVersion: 1,
    runId: '2026-01-01T00.00.00.000Z',
    project: 'viz-bench',
    pipeline: '__default__',
    env: ['base', 'local'],
    status: 'ok',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:09.000Z',
    durationMs: nodes.reduce((s, n) => s + (n.durationMs ?? 0), 0),
    params: {},
    filters: {},
    saveVersion: '2026-01-01T00.00.00.000Z',
    loadVersions: {},
    nodes,
    datasets: [],
  });
};

// ---------------------------------------------------------------- machine and document

const machine = () => ({
  ...baseMachine(),
  chromium:
    spawnSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n').pop() ?? 'unknown',
});

// ---------------------------------------------------------------- main

const when = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const m = machine();
const loadBefore = load();
log(
  `dagrun viz benchmark: ${NODES} nodes; ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}, ${m.chromium}; ` +
    `load average (1/5/15 min) ${loadBefore}`,
);

const dir = join(OUT, `gen-${NODES}`);
generate(dir);
const opts = { projectDir: dir, pipeline: '__default__' };
// Warm-up: compiles src/nodes.ts into the project's cache and bundles the page script once.
const warm = await projectGraph(opts);
const nodeItems = warm.model.items.filter((i) => i.kind === 'node');
if (nodeItems.length !== NODES)
  throw new Error(`generated pipeline: expected ${NODES} nodes, but got ${nodeItems.length}`);
await writeRun(
  dir,
  nodeItems.map((n) => n.name),
);
await renderGraph((await projectGraph(opts)).model, 'html');

// In Node: the model (openProject, catalog facts, run record), the initial layout, the whole page.
const modelMs: number[] = [];
const layoutMs: number[] = [];
const pageMs: number[] = [];
let html = '';
let model = warm.model;
for (let r = 0; r < RUNS; r++) {
  const [graph, t1] = await time(() => projectGraph(opts));
  model = graph.model;
  modelMs.push(t1);
  layoutMs.push((await time(() => initialView(model)))[1]);
  const [page, t3] = await time(() => renderGraph(model, 'html'));
  html = page;
  pageMs.push(t1 + t3);
}
const file = join(OUT, `viz-${NODES}.html`);
writeFileSync(file, html);
const size = statSync(file).size;
const count = (kind: string) => model.items.filter((i) => i.kind === kind).length;
const { view } = initialView(model);
log(
  `${relative(ROOT, file)}: ${count('node')} nodes, ${count('dataset')} datasets, ` +
    `${count('parameter')} parameters, ${model.edges.length} edges; ${view.items.length} items drawn on open`,
);
log('In Node (@dagrun/viz, built):');
report({ what: 'graph model (openProject, catalog facts, run record)', stats: stats(modelMs), unit: 'ms' });
report({
  what: `layout of the view the page opens on (dagre, ${view.items.length} items)`,
  stats: stats(layoutMs),
  unit: 'ms',
});
report({ what: '`dagrun viz` work end to end (model + layout + page)', stats: stats(pageMs), unit: 'ms' });
report({
  what: `HTML file size (${NODES} nodes)`,
  stats: stats([size]),
  unit: 'KB',
  goal: `< ${fmt(LIMIT, 'KB')} (1 MB + 0.5 KB × ${NODES})`,
  pass: size < LIMIT,
});
const bundleBytes = Buffer.byteLength(/<script>(?!.*dagrun-data)([\s\S]*?)<\/script>\n<\/body>/.exec(html)?.[1] ?? '');
const dataBytes = Buffer.byteLength(
  /<script id="dagrun-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '',
);
report({ what: '  of which the page script (dagre included, minified)', stats: stats([bundleBytes]), unit: 'KB' });
report({ what: '  of which the model and initial layout (JSON)', stats: stats([dataBytes]), unit: 'KB' });

// In Chromium: open → drawn and listening; a click's response; relayouts in the page.
log('In headless Chromium:');
const browser = await launch();
const ready: number[] = [];
const readyWall: number[] = [];
const click: number[] = [];
const relayoutTag: number[] = [];
const relayoutParams: number[] = [];
const relayoutCollapse: number[] = [];
const relayoutFull: number[] = [];
let problems: string[] = [];
try {
  for (let r = 0; r < RUNS + 1; r++) {
    const opened = await openPage(browser, file, { width: 1600, height: 900 });
    const { page } = opened;
    const drawn = await page.locator('#viewport .item[data-kind="node"]').count();
    if (drawn !== NODES) throw new Error(`page: expected ${NODES} nodes drawn, but got ${drawn}`);
    const mark = await page.evaluate(() => performance.getEntriesByName('dagrun-viz-ready')[0]?.startTime ?? NaN);
    // A click on a node until its panel shows, measured in the page (one task: the listener renders synchronously).
    const clickMs = await page.evaluate(() => {
      const t0 = performance.now();
      document
        .querySelector<SVGGElement>('#viewport .item[data-kind="node"]')!
        .dispatchEvent(new MouseEvent('click', { bubbles: true }));
      if (document.getElementById('panel')!.hidden) throw new Error('the panel did not open');
      return performance.now() - t0;
    });
    if (r === 0) await page.screenshot({ path: join(OUT, `viz-${NODES}.png`) });
    const toggle = (selector: string) =>
      page.evaluate((sel) => {
        const t0 = performance.now();
        document.querySelector<HTMLElement>(sel)!.click();
        return performance.now() - t0;
      }, selector);
    const tagMs = await toggle('#tag-list input[data-tag="first"]');
    await toggle('#tag-list input[data-tag="first"]');
    const paramsMs = await toggle('#show-params');
    await toggle('#show-params');
    // Both tags: every node again, but a state the page has no layout for, so all of it is laid out here.
    await toggle('#tag-list input[data-tag="even"]');
    const fullMs = await toggle('#tag-list input[data-tag="odd"]');
    await toggle('#tag-list .actions button');
    const collapseMs = await toggle('#ns-list .actions button');
    if (r === 0) {
      await page.screenshot({ path: join(OUT, `viz-${NODES}-collapsed.png`) });
    } else {
      ready.push(mark);
      readyWall.push(opened.readyMs);
      click.push(clickMs);
      relayoutTag.push(tagMs);
      relayoutParams.push(paramsMs);
      relayoutCollapse.push(collapseMs);
      relayoutFull.push(fullMs);
    }
    problems = [...problems, ...opened.errors, ...opened.blocked.map((u) => `request: ${u}`)];
    await page.context().close();
  }
} finally {
  await browser.close();
}
report({
  what: 'open → drawn and listening (performance mark in the page, from navigation start)',
  stats: stats(ready),
  unit: 'ms',
  goal: '< 2000 ms',
  pass: stats(ready).median < 2000,
});
report({
  what: '  the same, seen from the test driver (goto → body[data-ready])',
  stats: stats(readyWall),
  unit: 'ms',
  goal: '< 2000 ms',
  pass: stats(readyWall).median < 2000,
});
report({ what: 'click on a node → side panel shown', stats: stats(click), unit: 'ms' });
report({
  what: `relayout in the page: tag filter "first" (${NODES / WIDTH} nodes left)`,
  stats: stats(relayoutTag),
  unit: 'ms',
});
report({
  what: `relayout in the page: parameters hidden (${count('node') + count('dataset')} items)`,
  stats: stats(relayoutParams),
  unit: 'ms',
});
report({ what: `relayout in the page: collapse all ${STAGES} namespaces`, stats: stats(relayoutCollapse), unit: 'ms' });
report({
  what: `relayout in the page: every node again under a new filter (tags even + odd, ${view.items.length} items)`,
  stats: stats(relayoutFull),
  unit: 'ms',
});
if (problems.length) log(`problems seen in the page: ${problems.join('; ')}`);
const loadAfter = load();
log(`load average at the end: ${loadAfter}`);

if (WRITE) {
  const table = [
    '| measurement | median | min | max | runs | goal | result |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.what.replace(/^ {2}/, '↳ ')} | ${fmt(r.stats.median, r.unit)} ` +
        `| ${r.stats.runs > 1 ? fmt(r.stats.min, r.unit) : ''} | ${r.stats.runs > 1 ? fmt(r.stats.max, r.unit) : ''} ` +
        `| ${r.stats.runs} | ${r.goal ?? ''} | ${r.pass === undefined ? '' : r.pass ? 'pass' : '**FAIL**'} |`,
    ),
  ].join('\n');
  const body = [
    `Command: \`${COMMAND}\` (script: \`plugins/viz/bench/viz.bench.ts\`; ` +
      'needs `npm run build` first: it measures the built `@dagrun/viz`).',
    `Run on ${when}: ${m.nproc} × ${m.model}, ${m.memory}, Node ${m.node}, ${m.chromium} ` +
      `(headless, \`/usr/bin/chromium\` via playwright-core); ${RUNS} timed runs per figure after one warm-up.`,
    `Load average (1 / 5 / 15 min): ${loadBefore} at the start, ${loadAfter} at the end; ` +
      'other work on the machine slows every figure.',
    '',
    `Graph: a generated pipeline of ${count('node')} nodes, ${count('dataset')} datasets, ` +
      `${count('parameter')} parameters and ${model.edges.length} edges (\`bench-out/viz/gen-${NODES}/\`):`,
    `one 100-node pipeline (layers of ${WIDTH}, each node reading two outputs of the layer before and a parameter) ` +
      `included ${STAGES} times under namespaces s0…s4,`,
    'csv, parquet and json datasets in the catalog, the rest in memory, and a run record with every node ok.',
    '',
    table,
    '',
    'What each figure measures:',
    '',
    "- **In Node**: `projectGraph` (openProject, the catalog's facts and versions, the run record) " +
      "and `renderGraph(model, 'html')`",
    '  from the built package, in one process after a warm-up ' +
      '(the page script is bundled by esbuild once per process; later pages reuse it).',
    '  The layout of the view the page opens on is computed here and embedded, ' +
      `so the page does not lay out ${view.items.length} items before drawing;`,
    '  beyond 150 items dagre ranks with tight-tree (network-simplex takes 8–12 s on ~1,000 items on this machine).',
    '- **open → drawn and listening**: a fresh page (new browser context) loads the file from disk; ' +
      'the figure is the time of the',
    "  page's `dagrun-viz-ready` performance mark, " +
      'set after the JSON is parsed, the SVG drawn and every listener attached',
    '  (navigation start = 0). The driver-side figure adds the round trips of playwright. ' +
      'No request leaves the page (each is checked).',
    "- **click**: a node's click handler until its side panel is built. " +
      '**relayout**: a filter change until the new view is laid out',
    '  (dagre, in the page) and drawn, all synchronous in one task; the page stays busy that long. ' +
      "Each view's layout is kept, so",
    '  going back to a view already seen only redraws it. The last row is the worst case: ' +
      'every item laid out in the page.',
    `- Artefacts: \`bench-out/viz/viz-${NODES}.html\` and screenshots \`bench-out/viz/viz-${NODES}.png\` ` +
      `(as opened, a node clicked) and \`viz-${NODES}-collapsed.png\`.`,
  ].join('\n');
  writeFileSync(DOC, replaceBetween(readFileSync(DOC, 'utf8'), 'viz', body, SECTION));
  log(`figures written to ${relative(ROOT, DOC)}`);
}
if (!existsSync(file)) process.exitCode = 1;
