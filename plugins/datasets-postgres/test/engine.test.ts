// Through the engine: a small project whose pipeline reads a postgres.table (filtered) and a
// postgres.query (params: from parameters.yaml) and writes a postgres.table back, run with core's
// public API; then the same project run by the `dagrun` CLI, which exits as soon as the run ends.

import { execFile } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { openProject } from '@dagrun/core';
import postgres from '../src/index.js';
import { openPools } from '../src/internal/pool.js';
import { makeProject } from './helpers/project.js';
import { testServer } from './helpers/server.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../../..');
const server = await testServer(t);
const S = server.schema;

await server.query(
  `CREATE TABLE ${S}.listings (id integer PRIMARY KEY, sector text, price double precision, active boolean)`,
);
await server.query(
  `INSERT INTO ${S}.listings VALUES (1, 'Las Condes', 100, true), (2, 'Las Condes', 300, true), (3, ` +
    `'Ñuñoa', 200, true), (4, 'Ñuñoa', 900, false)`,
);

const credentials = `warehouse:\n${Object.entries(server.credentials)
  .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
  .join('\n')}\n`;

const files = (table: string) => ({
  'conf/base/catalog.yaml': [
    'listings:',
    '  type: postgres.table',
    '  credentials: warehouse',
    `  schema: ${S}`,
    '  table: listings',
    '  columns: [sector, price]',
    '  filter: { active: true }',
    'expensive:',
    '  type: postgres.query',
    '  credentials: warehouse',
    `  sql: SELECT id, price FROM ${S}.listings WHERE price > $1 ORDER BY id`,
    '  params: [params:min_price]',
    `${table}:`,
    '  type: postgres.table',
    '  credentials: warehouse',
    `  schema: ${S}`,
    `  table: ${table}`,
    '  save: { mode: upsert, key: [sector] }',
    '',
  ].join('\n'),
  'conf/base/parameters.yaml': 'min_price: 150\n',
  'conf/local/credentials.yaml': credentials,
  'src/nodes.ts': [
    "import type { DataFrame } from 'nodejs-polars';",
    '',
    '// Total price of the active listings per sector, and how many listings cost more than min_price.',
    'export const summarise = (listings: DataFrame, expensive: DataFrame) => {',
    "  const totals = listings.groupBy('sector').sum().sort('sector').rename({ price: 'total' });",
    "  return totals.withColumn(totals.getColumn('total').mul(0).add(expensive.height).rename('above_min'));",
    '};',
    '',
  ].join('\n'),
  'pipeline.yaml':
    `__default__:\n  nodes:\n    - { name: summarise, func: src/nodes.ts#summarise, inputs: [listings, ` +
    `expensive], outputs: ${table} }\n`,
});

t.test('a pipeline reads a table and a query and writes a table, through openProject and Project.run', async (t) => {
  const dir = makeProject(t, files('summary'));
  const project = await openProject({ projectDir: dir, plugins: [postgres] });
  t.same(project.check(), []);
  const outcome = await project.run();
  t.equal(outcome.record.status, 'ok');
  const rows = await server.query(`SELECT * FROM ${S}.summary ORDER BY sector`);
  t.same(rows.rows, [
    { sector: 'Las Condes', total: 400, above_min: 3 },
    { sector: 'Ñuñoa', total: 200, above_min: 3 },
  ]);
  const saved = outcome.record.datasets.find((d) => d.name === 'summary');
  t.match(
    saved,
    { name: 'summary', location: new RegExp(`^postgres://.+/${S}\\.summary$`) },
    'the run record says where the table went',
  );
  t.equal(openPools(), 0, 'the run closed every pool it opened');
});

t.test('the dagrun CLI runs it and exits as soon as the run ends', async (t) => {
  const dir = makeProject(t, {
    ...files('summary_cli'),
    'dagrun.yaml': 'name: pg-cli\nplugins:\n  - "@dagrun/datasets-postgres"\n',
    'package.json': '{ "type": "module", "private": true }\n',
  });
  // The project resolves the plugin and core as an installed project would (needs the build: npx tsc -b).
  mkdirSync(join(dir, 'node_modules/@dagrun'), { recursive: true });
  symlinkSync(join(ROOT, 'plugins/datasets-postgres'), join(dir, 'node_modules/@dagrun/datasets-postgres'), 'dir');
  symlinkSync(join(ROOT, 'core'), join(dir, 'node_modules/@dagrun/core'), 'dir');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)),
  );
  const started = performance.now();
  const r = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'bin/dagrun.js'), 'run', '--project', dir, '--log-format', 'text'],
    { env, cwd: dir },
  ).catch((e: Error & { stdout: string; stderr: string }) => e);
  const seconds = (performance.now() - started) / 1000;
  t.notOk(r instanceof Error, r instanceof Error ? `${r.message}\n${r.stdout}\n${r.stderr}` : 'exit code 0');
  t.same((await server.query(`SELECT sector, total FROM ${S}.summary_cli ORDER BY sector`)).rows, [
    { sector: 'Las Condes', total: 400 },
    { sector: 'Ñuñoa', total: 200 },
  ]);
  // Pools keep idle connections for 10 s; a process they held open would take at least that long.
  t.ok(seconds < 8, `dagrun run exited after ${seconds.toFixed(1)} s`);
  const list = await promisify(execFile)(
    process.execPath,
    [join(ROOT, 'bin/dagrun.js'), 'catalog', 'list', '--project', dir],
    { env, cwd: dir },
  );
  t.match(list.stdout, new RegExp(`listings\\s+postgres\\.table\\s+${S}\\.listings`));
  t.match(list.stdout, /expensive\s+postgres\.query/);
});
