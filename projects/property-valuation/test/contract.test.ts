// The data contract of train and test (conf/base/catalog.yaml, `contract:`) on the committed data: the
// rules that replaced the validate_data node, the dirty rows of §1 / §7.9 of ../../shared/property-data.md
// it reports, and the same contract under --env postgres.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openProject, type ContractReport } from '@dagrun/core';
import { parse } from 'yaml';
import t from 'tap';

const PROJECT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The report of loading `name` through the project's catalog (on_violation: warn, so the load succeeds). */
const reportOf = async (name: string): Promise<{ report: ContractReport; rows: number }> => {
  const project = await openProject({ projectDir: PROJECT });
  const { catalog, errors } = project.createCatalog();
  t.same(errors, []);
  try {
    const df = (await catalog.load(name)) as { height: number };
    return { report: catalog.contractReports()[0]!, rows: df.height };
  } finally {
    await catalog.close();
  }
};

const countsOf = (r: ContractReport) =>
  Object.fromEntries(r.violations.map((v) => [`${v.column}.${v.rule.split(':')[0]}`, v.rows]));

t.test('train: every row is kept and the dirty rows are reported, rule by rule', async (t) => {
  const { report, rows } = await reportOf('train');
  t.equal(rows, 16212, 'warn keeps every row');
  t.match(report, { dataset: 'train', operation: 'load', onViolation: 'warn', rows: 16212, rowsOut: 16212 });
  const c = countsOf(report);
  // §1: zeros in 32 / 32 / 31 / 131 rows; §7.9: half rooms and baths, ~17 + 1 prices under 1,000 (+ the
  // zero), 13 / 12 giant areas, 17 / 16 counts above 10.
  t.equal(c['net_usable_area.min'], 32);
  t.equal(c['net_area.min'], 32);
  t.equal(c['n_rooms.min'], 31);
  t.equal(c['n_bathroom.min'], 131);
  t.equal(c['n_rooms.type'], 2, 'half rooms');
  t.equal(c['n_bathroom.type'], 2, 'half baths');
  t.ok(c['price.min']! >= 15 && c['price.min']! <= 25, `prices under 1000 (${c['price.min']})`);
  t.ok(
    c['net_usable_area.max']! >= 10 && c['net_usable_area.max']! <= 16,
    `giant net_usable_area (${c['net_usable_area.max']})`,
  );
  t.ok(c['net_area.max']! >= 9 && c['net_area.max']! <= 15, `giant net_area (${c['net_area.max']})`);
  t.ok(c['n_rooms.max']! >= 10 && c['n_rooms.max']! <= 20, `more than 10 rooms (${c['n_rooms.max']})`);
  t.ok(c['n_bathroom.max']! >= 10 && c['n_bathroom.max']! <= 20, `more than 10 baths (${c['n_bathroom.max']})`);
  t.ok(
    report.rowsViolating >= 200 && report.rowsViolating <= 260,
    `train rows that break a rule (${report.rowsViolating})`,
  );
  t.same(
    report.violations.find((v) => v.rule === 'min: 1' && v.column === 'n_bathroom')!.examples.map((e) => e.value),
    [0, 0, 0],
    'examples name the value',
  );
});

t.test('test: the same contract', async (t) => {
  const { report, rows } = await reportOf('test');
  t.equal(rows, 6949);
  t.equal(countsOf(report)['n_bathroom.min'], 42);
  t.ok(
    report.rowsViolating >= 60 && report.rowsViolating <= 95,
    `test rows that break a rule (${report.rowsViolating})`,
  );
});

t.test('--env postgres repeats the contract of conf/base on its train and test tables', async (t) => {
  const base = parse(readFileSync(join(PROJECT, 'conf/base/catalog.yaml'), 'utf8')) as Record<
    string,
    { contract?: unknown }
  >;
  const pg = parse(readFileSync(join(PROJECT, 'conf/postgres/catalog.yaml'), 'utf8')) as Record<
    string,
    { contract?: unknown }
  >;
  t.ok(base.train!.contract);
  t.same(base.test!.contract, base.train!.contract);
  t.same(pg.train!.contract, base.train!.contract);
  t.same(pg.test!.contract, base.train!.contract);
});
