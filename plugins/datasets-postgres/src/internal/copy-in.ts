// Saving rows: `COPY … FROM STDIN (FORMAT csv)` fed with CSV that polars writes a slice of the frame at
// a time. Servers without COPY FROM STDIN (PGlite over a socket) get batched
// `INSERT … SELECT FROM unnest($1::text[], …)` with the same CSV's values as text, cast by the server.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { DataFrame } from 'nodejs-polars';
import type pg from 'pg';
import { copyLib } from './pg-lib.js';
import { loadPolars } from './polars.js';
import { quoteIdent } from './sql.js';
import { forCopy } from './type-map.js';

/** Rows per CSV slice handed to COPY (a few MB of text). */
export const COPY_ROWS = 50_000;
/** Rows per INSERT when COPY is not available. */
export const INSERT_ROWS = 5_000;

export type WriteMethod = 'copy' | 'insert';

/**
 * Writes every row of `df` into `target` (a quoted, qualified name) whose columns named like the
 * frame's have the types `types` (format_type names, for the INSERT path's casts). Runs inside the
 * caller's transaction.
 */
export const writeRows = async (
  client: pg.PoolClient,
  target: string,
  df: DataFrame,
  types: readonly string[],
  method: WriteMethod,
): Promise<void> => {
  if (df.height === 0) return;
  const pl = await loadPolars();
  const frame = forCopy(pl, df);
  const cols = frame.columns.map(quoteIdent).join(', ');
  if (method === 'copy') {
    const slices = function* () {
      for (let offset = 0; offset < frame.height; offset += COPY_ROWS)
        yield frame.slice(offset, COPY_ROWS).writeCSV({ includeHeader: false });
    };
    await pipeline(
      Readable.from(slices()),
      client.query(copyLib().from(`COPY ${target} (${cols}) FROM STDIN (FORMAT csv)`)),
    );
    return;
  }
  const aliases = frame.columns.map((_, i) => `c${i}`);
  const sql =
    `INSERT INTO ${target} (${cols}) SELECT ${aliases.map((a, i) => `u.${a}::${types[i]}`).join(', ')} ` +
    `FROM unnest(${aliases.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS u(${aliases.join(', ')})`;
  // The values as text exactly as COPY would get them: the CSV polars writes, read back as strings
  // (a plain cast to Utf8 would differ, e.g. times lose their fraction of a second).
  const asText = Object.fromEntries(aliases.map((a) => [a, pl.Utf8]));
  for (let offset = 0; offset < frame.height; offset += INSERT_ROWS) {
    const csv = frame.slice(offset, INSERT_ROWS).writeCSV({ includeHeader: false });
    const text = pl.readCSV(csv, { hasHeader: false, schema: asText, sep: ',', quoteChar: '"' });
    await client.query(
      sql,
      text.getColumns().map((s) => s.toArray()),
    );
  }
};
