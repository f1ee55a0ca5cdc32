// Loading streams: a 1,000,000-row table loads within the stated bound, peak memory growth of at most
// twice the frame's column data plus 64 MB, measured in a child process of its own. The same table read
// as pg's JavaScript rows breaks that bound, so the bound does tell streaming from buffering.

import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { testServer } from './helpers/server.js';

const ROWS = 1_000_000;
const MB = 1024 * 1024;
const server = await testServer(t);
const S = server.schema;
const CHILD = fileURLToPath(new URL('./fixtures/measure-load.ts', import.meta.url));

interface Measure {
  rows: number;
  ms: number;
  growth: number;
  peak: number;
  frameBytes: number;
  exactPeak: boolean;
}
const measure = async (how: 'dataset' | 'rows'): Promise<Measure> => {
  // Asynchronously: an embedded PGlite answers from this very process.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', CHILD, JSON.stringify(server.credentials), S, 'big', how],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as Measure;
};

await server.query(`CREATE TABLE ${S}.big AS
  SELECT g::int4 AS id, (g * 7)::int8 AS big, g / 3.0::float8 AS f, 'sector ' || (g % 50) AS s, g % 2 = 0 AS b,
         timestamptz '2024-01-01' + g * interval '1 second' AS ts, date '2020-01-01' + g % 1000 AS d
    FROM generate_series(1, ${ROWS}) g`);

t.test(`loading ${ROWS.toLocaleString('en')} rows stays within 2 × the frame + 64 MB`, async (t) => {
  const m = await measure('dataset');
  t.equal(m.rows, ROWS);
  t.ok(m.exactPeak, 'the peak was reset before the load (/proc/self/clear_refs)');
  const bound = 2 * m.frameBytes + 64 * MB;
  t.ok(
    m.growth <= bound,
    `peak growth ${(m.growth / MB).toFixed(0)} MB for a frame of ${(m.frameBytes / MB).toFixed(0)} MB ` +
      `of column data (bound ${(bound / MB).toFixed(0)} MB), in ${(m.ms / 1000).toFixed(2)} s`,
  );
  const rows = await measure('rows');
  t.equal(rows.rows, ROWS);
  t.ok(
    rows.growth > bound,
    `pg's rows as JavaScript objects: peak growth ${(rows.growth / MB).toFixed(0)} MB, over the bound`,
  );
});
