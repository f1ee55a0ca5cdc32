import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openProject } from '@dagrun/core';
import pl from 'nodejs-polars';
import { propertyLike, SECTORS } from '../../test/fixtures/property-like.js';
import { MlError } from './errors.js';
import { trainTestIndices, trainTestSplit, type TrainTestSplitOptions } from './split.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const ids = (idx: { train: Uint32Array; test: Uint32Array }) => [Array.from(idx.train), Array.from(idx.test)];

// Labels both sides can compute: NAMES[(i² + 3i) mod 7 mod 4] gives nunoa 18, vitacura 8, las condes 4 of 30.
const NAMES = ['nunoa', 'vitacura', 'la reina', 'las condes'];
const sectorLabels = range(30).map((i) => NAMES[((i * i + 3 * i) % 7) % 4]!);

t.test("the rows scikit-learn's train_test_split takes, in its order (pinned from scikit-learn 1.2.1)", async (t) => {
  // train_test_split(np.arange(n), …) in Python; each pair is [train, test].
  t.same(
    ids(trainTestIndices(10, { testSize: 0.3, seed: 42 })),
    [
      [0, 7, 2, 9, 4, 3, 6],
      [8, 1, 5],
    ],
    'test_size=0.3, random_state=42',
  );
  t.same(
    ids(trainTestIndices(20, { trainSize: 0.5, testSize: 4, seed: 7 })),
    [
      [11, 0, 18, 6, 13, 19, 10, 14, 8, 16],
      [1, 17, 2, 5],
    ],
    'train_size=0.5, test_size=4',
  );
  t.same(ids(trainTestIndices(16, { testSize: 0.5, seed: 3 })), [
    [5, 0, 11, 14, 3, 9, 8, 10],
    [7, 13, 4, 1, 6, 2, 12, 15],
  ]);
  t.same(
    ids(trainTestIndices(7, { testSize: 2, shuffle: false })),
    [
      [0, 1, 2, 3, 4],
      [5, 6],
    ],
    'shuffle=False: the first rows train',
  );
  t.same(
    ids(trainTestIndices(30, { testSize: 0.25, seed: 0, stratify: sectorLabels })),
    [
      [12, 7, 18, 22, 0, 3, 1, 10, 6, 25, 23, 5, 14, 9, 16, 13, 8, 21, 20, 19, 24, 17],
      [27, 28, 4, 26, 11, 29, 15, 2],
    ],
    'stratify: string labels',
  );
  t.same(
    ids(trainTestIndices(15, { testSize: 4, seed: 5, stratify: range(15).map((i) => i % 3) })),
    [
      [8, 3, 2, 13, 12, 4, 7, 5, 6, 9, 1],
      [0, 14, 10, 11],
    ],
    'stratify: tied shares broken by the seed',
  );
  t.same(
    ids(trainTestIndices(16, { testSize: 0.5, seed: 3, stratify: range(16).map((i) => i % 4 === 0) })),
    [
      [3, 12, 2, 6, 9, 15, 7, 0],
      [13, 4, 10, 11, 14, 8, 1, 5],
    ],
    'stratify: boolean labels',
  );
});

t.test(
  '60 random sizes, seeds and labels: the same rows as scikit-learn, or an error where it raises one',
  async (t) => {
    const file = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'sklearn-splits.json');
    const { cases } = JSON.parse(readFileSync(file, 'utf8')) as {
      cases: {
        n: number;
        seed: number;
        test_size?: number;
        train_size?: number;
        stratify?: unknown[];
        train?: number[];
        test?: number[];
        error?: string;
      }[];
    };
    t.equal(cases.length, 60);
    for (const c of cases) {
      const options = { seed: c.seed, testSize: c.test_size, trainSize: c.train_size, stratify: c.stratify };
      const what = JSON.stringify({
        ...c,
        stratify: c.stratify && `${c.stratify.length} labels`,
        train: undefined,
        test: undefined,
      });
      if (c.error !== undefined)
        t.match(
          caught(() => trainTestIndices(c.n, options)),
          { code: /^DAGRUN_ERR_ML_(SPLIT|PARAMS)$/ },
          `${what}: ${c.error}`,
        );
      else t.same(ids(trainTestIndices(c.n, options)), [c.train, c.test], what);
    }
  },
);

t.test('the same seed gives the same split, another seed another; every row lands in exactly one part', async (t) => {
  const a = ids(trainTestIndices(1000, { testSize: 0.2, seed: 11 }));
  t.same(ids(trainTestIndices(1000, { testSize: 0.2, seed: 11 })), a);
  t.notSame(ids(trainTestIndices(1000, { testSize: 0.2, seed: 12 })), a);
  t.same([a[0]!.length, a[1]!.length], [800, 200]);
  t.same(
    [...a[0]!, ...a[1]!].sort((x, y) => x - y),
    range(1000),
  );
  t.same(
    ids(trainTestIndices(8)).map((p) => p.length),
    [6, 2],
    'default: a quarter of the rows (rounded up) for test, seed 0',
  );
  t.same(ids(trainTestIndices(8)), ids(trainTestIndices(8, { seed: 0 })));
});

t.test('stratify keeps each class in proportion in both parts', async (t) => {
  const data = propertyLike(3000, 5);
  const [train, test] = trainTestSplit({ ...data }, { testSize: 0.2, seed: 42, stratify: 'sector' });
  const count = (xs: ArrayLike<unknown>) =>
    Object.fromEntries(SECTORS.map((s) => [s, Array.from(xs).filter((x) => x === s).length]));
  const all = count(data.sector);
  const inTest = count(test.sector as string[]);
  const inTrain = count(train.sector as string[]);
  for (const s of SECTORS) {
    t.ok(Math.abs(inTest[s]! - all[s]! * 0.2) < 1, `${s}: ${inTest[s]} of ${all[s]} in test`);
    t.equal(inTrain[s]! + inTest[s]!, all[s]);
  }
  // Without stratify some class strays further from its share (the check above would fail).
  const [, plain] = trainTestSplit({ ...data }, { testSize: 0.2, seed: 42 });
  const plainTest = count(plain.sector as string[]);
  t.ok(SECTORS.some((s) => Math.abs(plainTest[s]! - all[s]! * 0.2) >= 1));
  // A column name, the labels as an array and as a polars Series: the same split.
  const byArray = trainTestSplit({ ...data }, { testSize: 0.2, seed: 42, stratify: data.sector });
  const bySeries = trainTestSplit({ ...data }, { testSize: 0.2, seed: 42, stratify: pl.Series('sector', data.sector) });
  t.same(byArray[1].sector, test.sector);
  t.same(bySeries[1].sector, test.sector);
});

t.test('each kind of table comes back as the same kind, with the rows of the split', async (t) => {
  const options: TrainTestSplitOptions = { testSize: 0.3, seed: 42 };
  const cols = {
    id: range(10),
    area: Float64Array.from(range(10), (i) => i + 0.5),
    rooms: Int32Array.from(range(10)),
    type: range(10).map((i) => (i % 2 ? 'casa' : 'depto')),
  };
  const [train, test] = trainTestSplit(cols, options);
  t.same(Object.keys(train), ['id', 'area', 'rooms', 'type']);
  t.same(
    [train.id, test.id],
    [
      [0, 7, 2, 9, 4, 3, 6],
      [8, 1, 5],
    ],
  );
  t.ok(
    train.area instanceof Float64Array && test.rooms instanceof Int32Array && Array.isArray(train.type),
    'typed arrays keep their type',
  );
  t.same(Array.from(test.area), [8.5, 1.5, 5.5]);
  t.same(test.type, ['depto', 'casa', 'casa']);

  const rows = range(10).map((i) => ({ id: i, area: i + 0.5 }));
  const [rowTrain, rowTest] = trainTestSplit(rows, options);
  t.same(
    rowTest.map((r) => r.id),
    [8, 1, 5],
  );
  t.equal(rowTrain[0], rows[0], 'row objects: the same objects, not copies');

  const df = pl
    .DataFrame({
      id: range(10),
      area: range(10).map((i) => i + 0.5),
      ok: range(10).map((i) => (i === 3 ? null : i % 2 === 0)),
      type: cols.type,
    })
    .withColumns(pl.col('id').cast(pl.Int32));
  const [dfTrain, dfTest] = trainTestSplit(df, options);
  t.ok(
    dfTrain instanceof Object && typeof dfTrain.getColumn === 'function' && dfTrain.height === 7 && dfTest.height === 3,
  );
  t.same(dfTrain.columns, ['id', 'area', 'ok', 'type']);
  t.same(dfTest.dtypes.map(String), df.dtypes.map(String), 'dtypes kept');
  t.same(dfTest.toRecords(), [
    { id: 8, area: 8.5, ok: true, type: 'depto' },
    { id: 1, area: 1.5, ok: false, type: 'casa' },
    { id: 5, area: 5.5, ok: false, type: 'casa' },
  ]);
  t.same(dfTrain.getColumn('ok').toArray(), [true, false, true, false, true, null, true], 'nulls kept');
  t.same(
    trainTestSplit(df, { ...options, stratify: 'type' })[1]
      .getColumn('id')
      .toArray(),
    trainTestSplit(cols, { ...options, stratify: 'type' })[1].id,
    'a DataFrame splits as its columns do',
  );
});

t.test('options that are wrong whatever the data: DAGRUN_ERR_ML_PARAMS with the exact message', async (t) => {
  const data = { a: range(10), c: range(10).map((i) => (i % 2 ? 'x' : 'y')) };
  const params = (options: unknown) => {
    const err = caught(() => trainTestSplit(data, options as TrainTestSplitOptions));
    t.equal(err.code, 'DAGRUN_ERR_ML_PARAMS');
    return err.message;
  };
  t.equal(
    params({ random_state: 42 }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'random_state': expected one of testSize, trainSize, shuffle, " +
      "seed, stratify, but got an unknown name.\n  Hint: scikit-learn's 'random_state' is 'seed' here.",
  );
  t.equal(
    params({ testsize: 0.2 }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'testsize': expected one of testSize, trainSize, shuffle, seed, " +
      "stratify, but got an unknown name.\n  Hint: did you mean: 'testSize'?",
  );
  for (const [bad, shown] of [
    [0, '0'],
    [1.5, '1.5'],
    [-0.2, '-0.2'],
    ['0.2', "'0.2'"],
    [Number.NaN, 'NaN'],
  ] as const) {
    t.equal(
      params({ testSize: bad }),
      `[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'testSize': expected a fraction in (0, 1) or a whole number of ` +
        `rows, but got ${shown}.`,
    );
  }
  t.equal(
    params({ testSize: 0.5, trainSize: 0.6 }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit options 'testSize' and 'trainSize': expected fractions that sum to at " +
      'most 1, but got 0.5 + 0.6 = 1.1.',
  );
  t.equal(
    params({ seed: -1 }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'seed': expected an integer from 0 to 4294967295, but got -1.",
  );
  t.equal(
    params({ seed: 2 ** 32 }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'seed': expected an integer from 0 to 4294967295, but got " +
      '4294967296.',
  );
  t.equal(
    params({ shuffle: 'no' }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'shuffle': expected true or false, but got 'no'.",
  );
  t.equal(
    params({ stratify: 7 }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'stratify': expected a column name or one label per row, but got 7.",
  );
  t.equal(
    params({ stratify: 'c', shuffle: false }),
    "[DAGRUN_ERR_ML_PARAMS] trainTestSplit option 'stratify': expected no stratify with shuffle: false, but got " +
      "'c'.\n  Hint: a stratified split draws rows at random; remove shuffle: false (scikit-learn does not stratify " +
      'without shuffling either).',
  );
  t.equal(
    params(null),
    '[DAGRUN_ERR_ML_PARAMS] trainTestSplit options: expected an object such as { testSize: 0.2, seed: 42 }, but got ' +
      'null.',
  );
  const frame = { columns: ['a'], height: 2, getColumn: () => ({ toArray: () => [1, 2] }) };
  t.equal(
    caught(() => trainTestSplit(frame)).message,
    '[DAGRUN_ERR_ML_PARAMS] trainTestSplit data: expected columns, row objects or a nodejs-polars DataFrame, but got ' +
      "a frame without 'getColumns'.",
  );
  t.equal(
    caught(() => trainTestIndices(10, { stratify: 'c' } as never)).message,
    "[DAGRUN_ERR_ML_PARAMS] trainTestIndices option 'stratify': expected one label per row, but got the column name " +
      "'c'.\n  Hint: trainTestIndices has no table to read a column from; pass the labels, or call trainTestSplit.",
  );
});

t.test('splits this data cannot make: DAGRUN_ERR_ML_SPLIT with the exact message', async (t) => {
  const split = (n: number, options: TrainTestSplitOptions) => {
    const err = caught(() => trainTestIndices(n, options));
    t.equal(err.code, 'DAGRUN_ERR_ML_SPLIT');
    return err.message;
  };
  t.equal(
    split(10, { testSize: 10 }),
    "[DAGRUN_ERR_ML_SPLIT] trainTestSplit option 'testSize': expected a whole number of rows below the 10 rows of " +
      'the data, or a fraction in (0, 1), but got 10.',
  );
  t.equal(
    split(10, { trainSize: 12 }),
    "[DAGRUN_ERR_ML_SPLIT] trainTestSplit option 'trainSize': expected a whole number of rows below the 10 rows of " +
      'the data, or a fraction in (0, 1), but got 12.',
  );
  t.equal(
    split(10, { testSize: 4, trainSize: 0.7 }),
    '[DAGRUN_ERR_ML_SPLIT] trainTestSplit sizes: expected trainSize + testSize to fit the 10 rows of the data, but ' +
      'got 7 + 4 = 11 rows.\n  Hint: reduce testSize and/or trainSize.',
  );
  t.equal(
    split(10, { testSize: 0.95 }),
    '[DAGRUN_ERR_ML_SPLIT] trainTestSplit train part: expected at least 1 row, but got 0 of the 10 rows (testSize ' +
      '0.95, trainSize unset).\n  Hint: lower testSize, raise trainSize, or split more rows.',
  );
  t.equal(
    split(1, {}),
    '[DAGRUN_ERR_ML_SPLIT] trainTestSplit train part: expected at least 1 row, but got 0 of the 1 rows (testSize ' +
      'unset, trainSize unset).\n  Hint: lower testSize, raise trainSize, or split more rows.',
  );

  // scikit-learn: "The least populated class in y has only 1 member, which is too few. The minimum number of groups for
  // any class cannot be less than 2."
  const labels = ['a', 'b', 'a', 'c', 'a', 'a', 'b', 'a'];
  t.equal(
    split(8, { stratify: labels }),
    "[DAGRUN_ERR_ML_SPLIT] trainTestSplit option 'stratify': expected at least 2 rows of every class, but got 1 row " +
      "of 'c'.\n  Hint: a class needs a row in each part (scikit-learn: \"the minimum number of groups for any class " +
      'cannot be less than 2"); merge rare classes or drop their rows.',
  );
  const err = caught(() => trainTestSplit({ sector: [...labels, 'd'], n: range(9) }, { stratify: 'sector' }));
  t.equal(err.code, 'DAGRUN_ERR_ML_SPLIT');
  t.equal(
    err.detail,
    "trainTestSplit stratify column 'sector': expected at least 2 rows of every class, but got 1 row of 'c' and 1 " +
      "row of 'd'.",
  );
  t.equal(
    split(8, { testSize: 2, stratify: ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'] }),
    '[DAGRUN_ERR_ML_SPLIT] trainTestSplit test part: expected at least one row per class (3 classes in option ' +
      "'stratify'), but got 2 rows.\n  Hint: raise testSize, or stratify on labels with fewer classes.",
  );
  t.equal(
    split(8, { trainSize: 1, stratify: ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b'] }),
    '[DAGRUN_ERR_ML_SPLIT] trainTestSplit train part: expected at least one row per class (3 classes in option ' +
      "'stratify'), but got 1 row.\n  Hint: raise trainSize, or stratify on labels with fewer classes.",
  );
});

t.test(
  'bad data and labels: empty, a missing stratify column, labels of the wrong length, missing or mixed labels',
  async (t) => {
    t.match(
      caught(() => trainTestSplit({ a: [] })),
      { code: 'DAGRUN_ERR_ML_EMPTY', detail: 'trainTestSplit: expected at least one row, but got 0.' },
    );
    t.match(
      caught(() => trainTestSplit([])),
      { code: 'DAGRUN_ERR_ML_EMPTY' },
    );
    t.equal(
      caught(() => trainTestSplit({ sector: ['a', 'b'], n: [1, 2] }, { stratify: 'sectr' })).message,
      "[DAGRUN_ERR_ML_MISSING_COLUMN] Split data: expected stratify column 'sectr', but got only 'sector', 'n'.\n" +
        "  Hint: did you mean: 'sector'?",
    );
    t.match(
      caught(() => trainTestSplit({ n: [1, 2, 3] }, { stratify: ['a', 'b'] })),
      {
        code: 'DAGRUN_ERR_ML_SHAPE',
        detail: "trainTestSplit option 'stratify': expected 3 labels, one per row, but got 2.",
      },
    );
    t.equal(
      caught(() => trainTestSplit({ s: ['a', 'b', null, 'a'] }, { stratify: 's' })).message,
      "[DAGRUN_ERR_ML_BAD_VALUE] Stratify column 's' at row 2: expected a class label, but got null.\n" +
        '  Hint: drop or fill the rows without a label before splitting.',
    );
    t.match(
      caught(() => trainTestIndices(3, { stratify: [1, Number.NaN, 1] })),
      { code: 'DAGRUN_ERR_ML_BAD_VALUE', detail: 'Stratify label at row 1: expected a class label, but got NaN.' },
    );
    t.match(
      caught(() => trainTestIndices(3, { stratify: [1, '1', 1] })),
      {
        code: 'DAGRUN_ERR_ML_BAD_VALUE',
        detail: "Stratify label at row 1: expected a number like row 0, but got string '1'.",
      },
    );
    t.match(
      caught(() => trainTestIndices(3, { stratify: [[1], [1], [2]] })),
      {
        code: 'DAGRUN_ERR_ML_BAD_VALUE',
        detail: 'Stratify label at row 0: expected a string, number or boolean, but got an array.',
      },
    );
  },
);

t.test('as a pipeline node: parameters.yaml passes the options, the two parts are two outputs', async (t) => {
  const here = dirname(fileURLToPath(import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-ml-split-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  symlinkSync(join(here, '..', '..', '..', '..', 'node_modules'), join(dir, 'node_modules'), 'dir');
  const rows = range(20).map((i) => ({ id: i, sector: i % 4 === 0 ? 'vitacura' : 'nunoa' }));
  const params = `rows: ${JSON.stringify(rows)}\nsplit: { testSize: 0.25, seed: 42, stratify: sector }\n`;
  const files: Record<string, string> = {
    'package.json': '{ "type": "module" }\n',
    'dagrun.yaml': 'name: split-test\n',
    // The package's export itself is the node function.
    'src/nodes.ts': `export { trainTestSplit } from ${JSON.stringify(join(here, '..', 'index.ts'))};\n`,
    'pipeline.yaml':
      '__default__:\n  nodes:\n' +
      '    - { func: src/nodes.ts#trainTestSplit, inputs: [params:rows, params:split], outputs: [train, test] }\n',
    'conf/base/catalog.yaml':
      'train:\n  type: json\n  path: data/train.json\ntest:\n  type: json\n  path: data/test.json\n',
    'conf/base/parameters.yaml': params,
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  const project = await openProject({ projectDir: dir });
  t.same(project.check(), []);
  await project.run();
  const saved = (name: string) => JSON.parse(readFileSync(join(dir, 'data', `${name}.json`), 'utf8')) as typeof rows;
  const [train, test] = trainTestSplit(rows, { testSize: 0.25, seed: 42, stratify: 'sector' });
  t.same(saved('test'), test);
  t.same(saved('train'), train);
  t.same(
    test.map((r) => r.sector).sort(),
    ['nunoa', 'nunoa', 'nunoa', 'nunoa', 'vitacura'],
    'a quarter of each sector',
  );
});
