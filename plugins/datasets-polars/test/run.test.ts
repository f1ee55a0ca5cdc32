// End to end through the dagrun CLI, as a user runs it: a project that lists this plugin reads a csv and
// an Excel sheet and writes parquet, excel and json tables; the same project without it is told, before
// anything runs, which plugin to add. Also keeps the plugin's options tables in docs/catalog-yaml.md
// equal to its schemas. Spawns the built CLI: needs `npx tsc -b`.

import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';
import pl from 'nodejs-polars';
import { listFiles, makeProject } from '../../../core/test/helpers/project.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

// Children get a user's environment: no tap loader in NODE_OPTIONS, no tap variables.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)));
const node = (args: readonly string[], cwd: string) => {
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const dagrun = (args: readonly string[], cwd: string) => node([join(ROOT, 'bin/dagrun.js'), ...args], cwd);

const NODES = `import pl, { type DataFrame } from 'nodejs-polars';

export const join = (orders: DataFrame, prices: DataFrame): DataFrame =>
  orders.join(prices, { on: 'sku' }).withColumns(pl.col('qty').mul(pl.col('price')).alias('revenue'));

export const summarise = (lines: DataFrame): DataFrame =>
  lines.groupBy('region').agg(pl.col('revenue').sum().alias('revenue')).sort('region');
`;

const FILES = {
  'package.json': '{ "type": "module", "private": true }\n',
  'src/nodes.ts': NODES,
  'pipeline.yaml': [
    '__default__:',
    '  nodes:',
    '    - { name: join, func: src/nodes.ts#join, inputs: [orders, prices], outputs: lines }',
    '    - { name: summarise, func: src/nodes.ts#summarise, inputs: lines, outputs: summary }',
    '    - { name: report, func: src/nodes.ts#summarise, inputs: lines, outputs: report }',
    '    - { name: records, func: src/nodes.ts#summarise, inputs: lines, outputs: summary_json }',
    '',
  ].join('\n'),
  'conf/base/catalog.yaml': [
    'orders: { type: csv, path: data/01_raw/orders.csv }',
    'prices: { type: excel, path: data/01_raw/prices.xlsx, sheet: Prices }',
    'lines: { type: parquet, path: data/02_intermediate/lines.parquet }',
    'summary: { type: excel, path: data/08_reporting/summary.xlsx, sheet: Revenue, versioned: true }',
    'report: { type: csv, path: data/08_reporting/report.csv }',
    'summary_json: { type: json, path: data/08_reporting/summary.json, table: true }',
    '',
  ].join('\n'),
  'data/01_raw/orders.csv': 'region,sku,qty\nnorth,A,3\nsouth,B,1\nnorth,B,2\n',
};

/** A project folder resolving core, the CLI's plugins and polars from the workspace, as an installed project would. */
const project = async (t: Parameters<Parameters<typeof t.test>[1]>[0], plugins: string) => {
  const dir = makeProject(t, { ...FILES, 'dagrun.yaml': `name: shop\nplugins: ${plugins}\n` });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const book = new ExcelJS.Workbook();
  book.addWorksheet('Notes').addRow(['Prices as of 2026-12-01']);
  const prices = book.addWorksheet('Prices');
  prices.addRows([
    ['sku', 'price'],
    ['A', 2.5],
    ['B', 10],
  ]);
  await book.xlsx.writeFile(join(dir, 'data/01_raw/prices.xlsx'));
  return dir;
};

t.test('a project listing the plugin runs csv, excel, parquet and json tables through the CLI', async (t) => {
  const dir = await project(t, '["@dagrun/datasets-polars"]');
  const r = dagrun(['run', '--log-format', 'text'], dir);
  t.equal(r.code, 0, r.stderr);
  const want = [
    { region: 'north', revenue: 27.5 },
    { region: 'south', revenue: 10 },
  ];
  t.same(pl.readParquet(join(dir, 'data/02_intermediate/lines.parquet')).sort('qty').toRecords(), [
    { region: 'south', sku: 'B', qty: 1, price: 10, revenue: 10 },
    { region: 'north', sku: 'B', qty: 2, price: 10, revenue: 20 },
    { region: 'north', sku: 'A', qty: 3, price: 2.5, revenue: 7.5 },
  ]);
  t.same(pl.readCSV(join(dir, 'data/08_reporting/report.csv')).toRecords(), want);
  t.same(JSON.parse(readFileSync(join(dir, 'data/08_reporting/summary.json'), 'utf8')), want);
  const saved = listFiles(join(dir, 'data/08_reporting')).filter((f) => f.startsWith('summary.xlsx/'));
  t.equal(saved.length, 1, 'one version of the excel report');
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(join(dir, 'data/08_reporting', saved[0]!));
  t.same(
    book.worksheets.map((w) => w.name),
    ['Revenue'],
  );
  t.same((book.worksheets[0]!.getRow(2).values as unknown[]).slice(1), ['north', 27.5]);

  const list = dagrun(['catalog', 'list'], dir);
  t.equal(list.code, 0, list.stderr);
  t.match(list.stdout, /prices\s+excel\s+data\/01_raw\/prices\.xlsx/);
});

t.test('without the plugin, every table entry is reported before anything runs, naming the plugin', async (t) => {
  const dir = await project(t, '[]');
  const r = dagrun(['run'], dir);
  t.equal(r.code, 2, 'the exit code of a check failure');
  for (const [line, name, type] of [
    [1, 'orders', 'csv'],
    [2, 'prices', 'excel'],
    [3, 'lines', 'parquet'],
  ] as const) {
    t.match(r.stderr, `conf/base/catalog.yaml:${line}:`);
    t.match(
      r.stderr,
      `[DAGRUN_ERR_CATALOG_UNKNOWN_TYPE] Type of catalog entry '${name}': expected a registered dataset type, ` +
        `but got '${type}'.`,
    );
    t.match(r.stderr, `Hint: type '${type}' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.`);
  }
  t.match(
    r.stderr,
    "[DAGRUN_ERR_CATALOG_OPTIONS] Catalog entry 'summary_json' (json), field 'table': " +
      'expected a registered plugin that loads tables, but got none.',
  );
  t.match(
    r.stderr,
    "Hint: `table: true` on type 'json' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.",
  );
  t.same(listFiles(join(dir, 'data')), ['01_raw/orders.csv', '01_raw/prices.xlsx'], 'nothing was written');
});

t.test("docs/catalog-yaml.md holds this plugin's options tables, generated from its schemas", async (t) => {
  const r = node(
    ['--import', 'tsx', join(ROOT, 'core/scripts/catalog-docs.ts'), '--plugin', '@dagrun/datasets-polars', '--check'],
    ROOT,
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `catalog-docs: ${join(ROOT, 'docs/catalog-yaml.md')} is up to date.\n`);
});
