// Problems in catalog entries are found when the catalog is built (`dagrun check`, before any run),
// each with its code, message and file:line; and building the catalog never connects to a server.

import t from 'tap';
import { formatLocation, openProject, type DagrunError } from '@dagrun/core';
import postgres from '../src/index.js';
import { closedPort } from './helpers/fake-server.js';
import { makeProject } from './helpers/project.js';
import type { TapTest } from './helpers/server.js';

const check = async (
  t: TapTest,
  catalog: string,
  extra: Record<string, string> = {},
): Promise<Array<{ where: string; code: string; detail: string; hint: string | undefined }>> => {
  const dir = makeProject(t, { 'conf/base/catalog.yaml': catalog, ...extra });
  const project = await openProject({ projectDir: dir, plugins: [postgres] });
  return project
    .check()
    .map((e: DagrunError) => ({ where: formatLocation(e.location), code: e.code, detail: e.detail, hint: e.hint }));
};

t.test('options the schema refuses', async (t) => {
  const errors = await check(
    t,
    [
      'a:',
      '  type: postgres.table',
      '  tabel: listings',
      'b:',
      '  type: postgres.table',
      '  table: listings',
      '  save: { mode: upsert }',
      'c:',
      '  type: postgres.table',
      '  table: listings',
      '  save: { mode: merge }',
      'd:',
      '  type: postgres.query',
      '  sql: select 1',
      '  params: [[1, 2]]',
      '',
    ].join('\n'),
  );
  t.same(errors, [
    {
      where: 'conf/base/catalog.yaml:1:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail: "Catalog entry 'a' (postgres.table): expected option 'table', but got nothing.",
      hint: "Hint: add 'table: …' to this entry.",
    },
    {
      where: 'conf/base/catalog.yaml:3:3',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail: "Catalog entry 'a' (postgres.table): expected only known options, but got unknown option 'tabel'.",
      hint: "Hint: did you mean: 'table'?",
    },
    {
      where: 'conf/base/catalog.yaml:7:3',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail: "Catalog entry 'b' (postgres.table): expected option 'save.key', but got nothing.",
      hint: "Hint: add 'key: …' to this entry.",
    },
    {
      where: 'conf/base/catalog.yaml:11:17',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail:
        `Catalog entry 'c' (postgres.table), field 'save.mode': expected one of "replace", "append", "upsert", ` +
        `but got string "merge".`,
      hint: undefined,
    },
    {
      where: 'conf/base/catalog.yaml:15:12',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail:
        "Catalog entry 'd' (postgres.query), field 'params.0': expected string or number or boolean or null, " +
        'but got a list ([1,2]).',
      hint: undefined,
    },
  ]);
});

t.test('names PostgreSQL would cut, a schema written into the table name, bad credentials', async (t) => {
  const errors = await check(
    t,
    [
      'long:',
      '  type: postgres.table',
      `  table: ${'x'.repeat(64)}`,
      'dotted:',
      '  type: postgres.table',
      '  table: analytics.listings',
      'keycol:',
      '  type: postgres.table',
      '  table: t',
      `  save: { mode: upsert, key: [id, ${'k'.repeat(70)}] }`,
      'creds:',
      '  type: postgres.table',
      '  credentials: warehouse',
      '  table: t',
      '',
    ].join('\n'),
    { 'conf/local/credentials.yaml': 'warehouse:\n  host: db\n  pasword: hunter22-secret\n' },
  );
  t.same(errors, [
    {
      where: 'conf/base/catalog.yaml:1:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail:
        "Catalog entry 'long' (postgres.table), field 'table': expected a PostgreSQL identifier, " +
        'but got a name of 64 bytes (PostgreSQL keeps 63).',
      hint: undefined,
    },
    {
      where: 'conf/base/catalog.yaml:4:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail:
        "Catalog entry 'dotted' (postgres.table), field 'table': expected a table name without its schema, " +
        "but got 'analytics.listings'.",
      hint:
        'Hint: write schema: analytics and table: listings (a name is taken exactly as written, dots included, ' +
        'once schema is given).',
    },
    {
      where: 'conf/base/catalog.yaml:7:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail:
        "Catalog entry 'keycol' (postgres.table), field 'save.key.1': expected a PostgreSQL identifier, " +
        'but got a name of 70 bytes (PostgreSQL keeps 63).',
      hint: undefined,
    },
    {
      where: 'conf/base/catalog.yaml:11:1',
      code: 'DAGRUN_ERR_CONFIG_CREDENTIALS',
      detail:
        "Credentials of catalog entry 'creds': expected only url, host, port, user, password, database, ssl, " +
        "sslrootcert, connect_timeout, but got unknown key 'pasword'.",
      hint: "Hint: did you mean: 'password'?",
    },
  ]);
  t.notMatch(JSON.stringify(errors), 'hunter22', 'no credential value is quoted');
});

t.test('postgres.query: sql or file, the file must exist, params: keys must be in parameters.yaml', async (t) => {
  const errors = await check(
    t,
    [
      'both:',
      '  type: postgres.query',
      '  sql: select 1',
      '  file: sql/q.sql',
      'neither:',
      '  type: postgres.query',
      'nofile:',
      '  type: postgres.query',
      '  file: sql/missing.sql',
      'typo:',
      '  type: postgres.query',
      '  file: sql/q.sql',
      '  params: [params:model.min_price, 3, params:model.max_prise]',
      'empty:',
      '  type: postgres.query',
      "  sql: ' ; '",
      '',
    ].join('\n'),
    {
      'sql/q.sql': 'select * from t where price between $1 and $2;\n',
      'conf/base/parameters.yaml': 'model:\n  min_price: 10\n  max_price: 90\n',
    },
  );
  t.same(errors, [
    {
      where: 'conf/base/catalog.yaml:1:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail: "Catalog entry 'both' (postgres.query): expected exactly one of 'sql' or 'file', but got both.",
      hint: 'Hint: sql: SELECT … for a short query, file: sql/name.sql for a long one.',
    },
    {
      where: 'conf/base/catalog.yaml:5:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail: "Catalog entry 'neither' (postgres.query): expected exactly one of 'sql' or 'file', but got neither.",
      hint: 'Hint: sql: SELECT … for a short query, file: sql/name.sql for a long one.',
    },
    {
      where: 'conf/base/catalog.yaml:7:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail:
        "Catalog entry 'nofile' (postgres.query), field 'file': expected a .sql file at sql/missing.sql " +
        '(relative to the project), but got no such file.',
      hint: undefined,
    },
    {
      where: 'conf/base/catalog.yaml:10:1',
      code: 'DAGRUN_ERR_PARAMS_UNKNOWN',
      detail:
        "Parameter 'params:model.max_prise' of catalog entry 'typo' (postgres.query), params.2: " +
        'expected a key defined in parameters.yaml, but got no such key.',
      hint: "Hint: did you mean: 'params:model.max_price', 'params:model.min_price', 'params:model'?",
    },
    {
      where: 'conf/base/catalog.yaml:14:1',
      code: 'DAGRUN_ERR_CATALOG_OPTIONS',
      detail: "Catalog entry 'empty' (postgres.query): expected a query in 'sql', but got an empty text.",
      hint: undefined,
    },
  ]);
});

t.test('building the catalog never connects: a check with an unreachable server is clean and quick', async (t) => {
  const port = await closedPort();
  const started = performance.now();
  const errors = await check(
    t,
    `listings:\n  type: postgres.table\n  credentials: warehouse\n  table: listings\nq:\n` +
      `  type: postgres.query\n  credentials: warehouse\n  sql: select 1\n`,
    {
      'conf/local/credentials.yaml': `warehouse:\n  url: postgres://dagrun:pw@127.0.0.1:${port}/shop\n`,
    },
  );
  t.same(errors, []);
  t.ok(performance.now() - started < 5000, 'no connection attempt, no timeout waited for');
});
