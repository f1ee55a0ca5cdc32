// Record ends in a CSV stream cut anywhere: newlines inside quoted fields (and quotes doubled inside
// them) never end a record, whichever chunk they fall in; and a COPY stream cut into chunks of any
// size and parsed a chunk at a time gives the frame of the whole.

import { Readable } from 'node:stream';
import t from 'tap';
import { copyOut, RecordEnds } from './copy-out.js';
import { OID, type PgColumn } from './type-map.js';
import { loadPolars } from './polars.js';

const pl = await loadPolars();

/** Feeds `csv` cut at `cuts` and returns the absolute offsets the scanner reports as safe ends. */
const ends = (csv: string, cuts: readonly number[]): number[] => {
  const buf = Buffer.from(csv);
  const scanner = new RecordEnds();
  const out: number[] = [];
  let start = 0;
  for (const cut of [...cuts, buf.length]) {
    const end = scanner.scan(buf.subarray(start, cut));
    if (end > 0) out.push(start + end);
    start = cut;
  }
  return out;
};

/** Offsets just past each record's newline, by a plain full parse. */
const recordEnds = (csv: string): number[] => {
  const out: number[] = [];
  let inQuote = false;
  const buf = Buffer.from(csv);
  buf.forEach((b, i) => {
    if (b === 0x22) inQuote = !inQuote;
    else if (b === 0x0a && !inQuote) out.push(i + 1);
  });
  return out;
};

const CSV = '1,plain,\n2,"with ""quotes"" and\nnewline",x\n3,"",\n4,"a,b",""\n5,"\n\n",\n';

t.test('one chunk: the end of the last record', async (t) => {
  t.same(ends(CSV, []), [CSV.length]);
  t.same(ends('1,"open\n', []), [], 'a newline inside an open quote ends nothing');
  t.same(ends('1,a\n2,"open\n', []), [4]);
});

t.test('cut inside a quoted field, between doubled quotes, right after a newline', async (t) => {
  const inside = CSV.indexOf('and\nnewline') + 4; // right after the quoted newline
  t.same(ends(CSV, [inside]), [9, CSV.length], 'the first chunk ends at record 1, not at the quoted newline');
  const between = CSV.indexOf('""quotes') + 1; // between the two quotes of a doubled quote
  t.same(ends(CSV, [between]), [9, CSV.length]);
  t.same(ends(CSV, [9]), [9, CSV.length]);
});

t.test('every cut of every position agrees with a full parse', async (t) => {
  const all = recordEnds(CSV);
  let checked = 0;
  for (let a = 1; a < CSV.length; a++) {
    for (let b = a + 1; b < CSV.length; b += 3) {
      const got = ends(CSV, [a, b]);
      // Each reported end is a real record end, and the last one reported is the last record end before the cut.
      const want = [a, b, CSV.length]
        .map((cut) => all.filter((e) => e <= cut).pop())
        .filter((e, i, xs): e is number => e !== undefined && xs.indexOf(e) === i);
      if (JSON.stringify(got) !== JSON.stringify(want))
        t.fail(`cuts ${a},${b}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
      checked++;
    }
  }
  t.ok(checked > 500, `cut pairs checked: ${checked}`);
});

t.test(
  'copyOut: a COPY stream arriving in pieces of any size, parsed in small chunks, gives the whole frame',
  async (t) => {
    const columns: PgColumn[] = [
      { name: 'id', oid: OID.int4, typeName: 'integer', castType: 'pg_catalog.int4', category: 'N' },
      { name: 'text', oid: OID.text, typeName: 'text', castType: 'pg_catalog.text', category: 'S' },
      { name: 'day', oid: OID.date, typeName: 'date', castType: 'pg_catalog.date', category: 'D' },
    ];
    // As PostgreSQL writes it: "" for the empty string, nothing
    // for NULL, dates as day numbers (the select list's form).
    const csv = '1,plain,100\n2,"with ""quotes"" and\nnewline",200\n3,"",\n4,"a,b",400\n5,"\n\n",500\n';
    const client = (size: number) => ({
      query: () =>
        Readable.from(
          Array.from({ length: Math.ceil(csv.length / size) }, (_, i) =>
            Buffer.from(csv).subarray(i * size, (i + 1) * size),
          ),
        ),
    });
    const whole = await copyOut(client(csv.length) as never, 'COPY', columns);
    t.equal(whole.height, 5);
    t.same(whole.getColumn('text').toArray(), ['plain', 'with "quotes" and\nnewline', '', 'a,b', '\n\n']);
    t.same(whole.getColumn('day').cast(pl.Int32).toArray(), [100, 200, null, 400, 500]);
    for (const size of [1, 2, 3, 5, 7, 11, 64]) {
      for (const chunkBytes of [1, 16]) {
        const df = await copyOut(client(size) as never, 'COPY', columns, chunkBytes);
        if (!df.frameEqual(whole, true))
          t.fail(`pieces of ${size} bytes, chunks of ${chunkBytes}: ${JSON.stringify(df.toRecords())}`);
      }
    }
    t.pass('every split gives the same frame');
  },
);
