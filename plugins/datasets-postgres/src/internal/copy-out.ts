// Loading: `COPY (SELECT …) TO STDOUT (FORMAT csv)` streamed through pg-copy-streams and parsed by
// polars a few megabytes at a time, so a load holds the frame being built plus one chunk of CSV text,
// never the whole result as text or as JavaScript rows.

import type { DataFrame } from 'nodejs-polars';
import type pg from 'pg';
import { copyLib } from './pg-lib.js';
import { loadPolars } from './polars.js';
import { csvSchema, emptyFrame, finishChunk, type PgColumn } from './type-map.js';

/** Bytes of CSV text parsed at a time. Bigger chunks parse a little faster and hold more memory. */
export const CHUNK_BYTES = 8 * 1024 * 1024;

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/**
 * Finds where CSV records end in a stream cut at arbitrary bytes: a newline ends a record unless it
 * sits inside a quoted field, and whether it does is the parity of the quotes seen before it.
 */
export class RecordEnds {
  #inQuote = false;

  /** The offset just past the last record end in `chunk` (0 when none), given every chunk before it was scanned. */
  scan(chunk: Buffer): number {
    let end = 0;
    let pos = 0;
    let inQuote = this.#inQuote;
    for (;;) {
      const q = chunk.indexOf(QUOTE, pos);
      const stop = q === -1 ? chunk.length : q;
      if (!inQuote && stop > pos) {
        const nl = chunk.lastIndexOf(NEWLINE, stop - 1);
        if (nl >= pos) end = nl + 1;
      }
      if (q === -1) break;
      inQuote = !inQuote;
      pos = q + 1;
    }
    this.#inQuote = inQuote;
    return end;
  }
}

/** Runs `copySql` (a COPY … TO STDOUT (FORMAT csv) of exactly `columns`) and builds the frame. */
export const copyOut = async (
  client: pg.PoolClient,
  copySql: string,
  columns: readonly PgColumn[],
  chunkBytes = CHUNK_BYTES,
): Promise<DataFrame> => {
  const pl = await loadPolars();
  const schema = csvSchema(pl, columns);
  const frames: DataFrame[] = [];
  const ends = new RecordEnds();
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const parse = (csv: Buffer) => {
    if (csv.length === 0) return;
    const df = pl.readCSV(csv, { hasHeader: false, schema, sep: ',', quoteChar: '"', rechunk: true });
    frames.push(finishChunk(pl, df, columns));
  };
  const stream = client.query(copyLib().to(copySql));
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const end = ends.scan(chunk);
    if (pendingBytes + chunk.length >= chunkBytes && end > 0) {
      parse(Buffer.concat([...pending, chunk.subarray(0, end)]));
      const rest = chunk.subarray(end);
      pending = rest.length > 0 ? [Buffer.from(rest)] : [];
      pendingBytes = rest.length;
    } else {
      pending.push(chunk);
      pendingBytes += chunk.length;
    }
  }
  parse(Buffer.concat(pending));
  pending = [];
  if (frames.length === 0) return emptyFrame(pl, columns);
  const out = frames.length === 1 ? frames[0]! : pl.concat(frames, { how: 'vertical', rechunk: false });
  frames.length = 0;
  return out;
};
