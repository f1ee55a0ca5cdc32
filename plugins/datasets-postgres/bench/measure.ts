// Child process of datasets.bench.ts: one measured load or save through the built package, in a
// process of its own so its peak memory is its own. Warms up first (polars, pg, a connection), resets
// the peak, then times the operation alone and prints one JSON line.
//
//   node measure.mjs load <credentials JSON> <schema> <table>
//   node measure.mjs save <credentials JSON> <schema> <table> <frame.parquet>

import { loadPolars } from '../src/internal/polars.js';
import { tableType } from '@dagrun/datasets-postgres';
import type { DataFrame } from 'nodejs-polars';
import { frameBytes, peakRss, resetPeak, rss } from '../test/helpers/memory.js';
import { datasetContext } from '../test/helpers/server.js';

const [op, credentialsJson, schema, table, parquet] = process.argv.slice(2);
const credentials = JSON.parse(credentialsJson!) as Record<string, unknown>;
const context = (name: string) => datasetContext(name, credentials);
interface Table {
  load(): Promise<DataFrame>;
  save(df: DataFrame): Promise<unknown>;
  close(): Promise<void>;
}
const open = (name: string, t: string, extra: Record<string, unknown> = {}) =>
  tableType.create({ table: t, schema: schema!, ...extra }, context(name)) as unknown as Table;

const pl = await loadPolars();
let frame: DataFrame | undefined;
if (op === 'save') frame = pl.readParquet(parquet!);
// Warm-up: the same code paths on one row.
const warm = open('warm', op === 'load' ? table! : `${table}_warm`, op === 'load' ? { filter: { id: 1 } } : {});
if (op === 'load') await warm.load();
else await warm.save(frame!.head(1));
await warm.close();

const exact = resetPeak();
const before = rss();
const ds = open('measured', table!);
const started = performance.now();
let rows: number;
let bytes: number;
if (op === 'load') {
  const df = await ds.load();
  rows = df.height;
  bytes = frameBytes(df);
} else {
  await ds.save(frame!);
  rows = frame!.height;
  bytes = frameBytes(frame!);
}
const ms = performance.now() - started;
const peak = peakRss();
await ds.close();
process.stdout.write(
  `${JSON.stringify({ op, rows, ms, peak, growth: peak - before, frameBytes: bytes, exactPeak: exact })}\n`,
);
