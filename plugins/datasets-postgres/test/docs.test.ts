// Keeps docs/datasets-postgres.md true: its example project runs as printed (against the test server,
// schema `shop` renamed to this file's schema) and gives the table it shows; its options tables list
// every option of both types' schemas; its credentials blocks are accepted. Spawns the built CLI:
// needs `npx tsc -b`.

import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { YamlSource } from '@dagrun/core';
import { queryType, resolveSettings, tableType } from '../src/index.js';
import { makeProject } from './helpers/project.js';
import { testServer } from './helpers/server.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = readFileSync(join(ROOT, 'docs/datasets-postgres.md'), 'utf8');

interface Block {
  readonly lang: string;
  readonly body: string;
}
const blocks = (md: string): Block[] =>
  [...md.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]!.replace(/\n$/, '') }));
const section = (title: string): string => {
  const start = DOC.indexOf(`\n## ${title}`);
  if (start < 0) throw new Error(`no section '## ${title}'`);
  const next = DOC.indexOf('\n## ', start + 4);
  return DOC.slice(start, next < 0 ? undefined : next);
};

t.test('the example runs as printed and gives the table shown', async (t) => {
  const server = await testServer(t);
  const S = server.schema;
  const example = blocks(section('Example'));
  const files: Record<string, string> = {};
  let seed = '';
  let shown = '';
  for (const b of example) {
    const path = /^(?:#|\/\/|--) ([\w./-]+\.(?:ya?ml|ts|sql))(:.*)?$/.exec(b.body.split('\n')[0]!);
    if (path?.[1] === 'seed.sql') seed = b.body;
    else if (path) files[path[1]!] = `${b.body}\n`;
    else if (b.lang === 'console') shown = b.body;
  }
  t.same(Object.keys(files).sort(), [
    'conf/base/catalog.yaml',
    'conf/base/parameters.yaml',
    'conf/local/credentials.yaml',
    'dagrun.yaml',
    'pipeline.yaml',
    'sql/expensive.sql',
    'src/nodes.ts',
  ]);
  const rename = (s: string) => s.replace(/\bshop\./g, `${S}.`).replace(/schema: shop\b/g, `schema: ${S}`);
  for (const [k, v] of Object.entries(files)) files[k] = rename(v);
  files['conf/local/credentials.yaml'] = `warehouse:\n${Object.entries(server.credentials)
    .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
    .join('\n')}\n`;
  await server.query(rename(seed.replace(/^CREATE SCHEMA shop;\n/m, '')));

  const dir = makeProject(t, { ...files, 'package.json': '{ "type": "module", "private": true }\n' });
  mkdirSync(join(dir, 'node_modules/@dagrun'), { recursive: true });
  symlinkSync(join(ROOT, 'plugins/datasets-postgres'), join(dir, 'node_modules/@dagrun/datasets-postgres'), 'dir');
  symlinkSync(join(ROOT, 'core'), join(dir, 'node_modules/@dagrun/core'), 'dir');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)),
  );
  const run = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/dagrun.js'), 'run'], {
    cwd: dir,
    env,
  }).catch((e: Error & { stdout: string; stderr: string }) => e);
  t.notOk(
    run instanceof Error,
    run instanceof Error ? `${run.message}\n${run.stdout}\n${run.stderr}` : '`dagrun run` exits 0',
  );

  const rows = (await server.query(`SELECT * FROM ${S}.sector_prices ORDER BY sector`)).rows;
  const table = shown.split('\n').filter((l) => l.startsWith(' ') && !l.includes('sector'));
  t.same(
    rows.map((r) => [r.sector, r.total, r.above_min]),
    table.map((l) => l.split('|').map((c) => c.trim())).map(([s, total, above]) => [s, Number(total), Number(above)]),
    'the rows the doc shows',
  );
});

t.test('the options tables list every option of both types, and nothing else', async (t) => {
  const documented = (title: string) => {
    const cells = [...section(title).matchAll(/^\| `([\w.]+)` \|/gm)].map((m) => m[1]!);
    return cells.sort();
  };
  const options = (schema: Record<string, unknown>, prefix = ''): string[] =>
    Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>).flatMap(([k, v]) =>
      v.type === 'object' && v.properties ? options(v, `${prefix}${k}.`) : [`${prefix}${k}`],
    );
  t.same(documented('`postgres.table`'), options(tableType.schema).sort());
  t.same(documented('`postgres.query`'), options(queryType.schema).sort());
});

t.test('the credentials blocks are accepted as written', async (t) => {
  const creds = blocks(DOC).filter((b) => b.lang === 'yaml' && b.body.startsWith('# conf/local/credentials.yaml'));
  t.ok(creds.length >= 3, `credentials blocks: ${creds.length}`);
  for (const b of creds) {
    const entries = YamlSource.parse(b.body.replace(/\$\{env:\w+\}/g, 'from-env'), 'credentials.yaml').data as Record<
      string,
      Record<string, unknown>
    >;
    for (const [name, entry] of Object.entries(entries))
      t.doesNotThrow(() => resolveSettings(name, entry, {}), b.body.split('\n')[0] ?? '');
  }
});
