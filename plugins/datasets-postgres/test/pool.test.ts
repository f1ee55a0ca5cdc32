// One pool per distinct connection settings, shared by the datasets using it and ended when the last
// of them closes; and idle connections never hold a process open, even when nobody closes them.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import t from 'tap';
import { tableType } from '../src/index.js';
import { openPools } from '../src/internal/pool.js';
import { datasetContext, testServer } from './helpers/server.js';

const server = await testServer(t);
const S = server.schema;
await server.query(`CREATE TABLE ${S}.t (id integer)`);
await server.query(`INSERT INTO ${S}.t VALUES (1)`);

interface Table {
  load(): Promise<unknown>;
  close(): Promise<void>;
}
const open = (name: string, credentials: Record<string, unknown>) =>
  tableType.create({ table: 't', schema: S }, datasetContext(name, credentials)) as unknown as Table;

t.test('datasets with the same credentials share a pool; the last to close ends it', async (t) => {
  t.equal(openPools(), 0);
  const a = open('a', server.credentials);
  const b = open('b', server.credentials);
  const other = open('c', { ...server.credentials, connect_timeout: 7 });
  t.equal(openPools(), 0, 'creating datasets connects nothing');
  await Promise.all([a.load(), b.load(), other.load()]);
  t.equal(openPools(), 2, 'one pool for a and b, one for c');
  await a.close();
  await a.close();
  t.equal(openPools(), 2, 'b still uses the shared pool (closing twice counts once)');
  await b.close();
  t.equal(openPools(), 1);
  await other.close();
  t.equal(openPools(), 0);
  await open('never', server.credentials).close();
  t.equal(openPools(), 0, 'closing a dataset that never connected is fine');
  await b.load();
  t.equal(openPools(), 1, 'a closed dataset used again joins a pool again');
  await b.close();
  t.equal(openPools(), 0);
});

t.test('a process that loads and never closes still exits at once (idle clients do not hold it)', async (t) => {
  // The child's dataset context, as source text.
  const ctxSource =
    "{ name: 'x', projectDir: process.cwd(), credentials: JSON.parse(process.env.CREDS), " +
    "version: { load: undefined, save: 'v' }, storageFor() {}, " +
    'codecs: { byName() {}, forValue() {}, names: () => [] }, parameter() {}, hasParameter: () => false }';
  const script = `
    import { tableType } from ${JSON.stringify(new URL('../src/index.ts', import.meta.url).href)};
    const ctx = ${ctxSource};
    const df = await tableType.create({ table: 't', schema: ${JSON.stringify(S)} }, ctx).load();
    console.log(df.height);
  `;
  const started = performance.now();
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { env: { ...process.env, CREDS: JSON.stringify(server.credentials) } },
  );
  const seconds = (performance.now() - started) / 1000;
  t.equal(stdout.trim(), '1');
  // The pool keeps idle clients for 10 s: a process held by them would take at least that long.
  t.ok(seconds < 8, `exited after ${seconds.toFixed(1)} s`);
});
