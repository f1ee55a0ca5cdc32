import t from 'tap';
import pl from 'nodejs-polars';
import { FEATURES, propertyLike } from '../../test/fixtures/property-like.js';
import { MlError } from './errors.js';
import { GradientBoostingRegressor } from './gbdt.js';
import { LinearRegressor } from './linear.js';
import { mae } from './metrics.js';
import { RegressionModel, type Estimator } from './model.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

const columns = (n: number, seed: number): Record<string, ArrayLike<unknown>> => ({ ...propertyLike(n, seed) });
const fitted = (
  estimator: Estimator = new GradientBoostingRegressor({ n_estimators: 60, max_depth: 4, random_state: 3 }),
) =>
  new RegressionModel({ target: 'price', categorical: ['type', 'sector'], estimator }).fit(columns(3000, 31), {
    trainedAt: '2025-01-02T03:04:05Z',
  });

t.test('fit encodes the categorical columns, trains on every feature, and records schema and metadata', async (t) => {
  const model = fitted();
  t.same(model.schema, {
    target: 'price',
    features: [
      { name: 'type', kind: 'categorical' },
      { name: 'sector', kind: 'categorical' },
      ...FEATURES.slice(2).map((name) => ({ name, kind: 'numeric', missing: 'error' })),
    ],
  });
  const md = model.metadata;
  t.equal(md.estimator, 'gradient_boosting');
  t.equal(md.nRows, 3000);
  t.equal(md.seed, 3);
  t.equal(md.trainedAt, '2025-01-02T03:04:05.000Z');
  t.same(md.encoderParams, { min_samples_leaf: 20, smoothing: 1 });
  t.equal((md.params as { n_estimators: number }).n_estimators, 60);
  t.same(Object.keys(model.featureImportances()!), [...FEATURES]);
  t.same(model.encoder.columns, ['type', 'sector']);
  const test = propertyLike(1000, 32);
  const pred = model.predict({ ...test });
  const median = [...test.price].sort((a, b) => a - b)[500]!;
  t.ok(
    mae(test.price, pred) < 0.4 * mae(test.price, new Float64Array(1000).fill(median)),
    'far better than a constant',
  );
});

t.test('columns, row objects and a polars DataFrame give the same predictions', async (t) => {
  const model = fitted();
  const test = propertyLike(200, 33);
  const cols = { ...test } as Record<string, ArrayLike<unknown>>;
  const rows = Array.from({ length: 200 }, (_, i) =>
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]])),
  );
  const df = pl.DataFrame(
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, Array.from(v as ArrayLike<unknown>)])),
  );
  const a = Array.from(model.predict(cols));
  t.same(Array.from(model.predict(rows)), a, 'row objects');
  t.same(Array.from(model.predict(df)), a, 'DataFrame');
  // Extra columns (the target, an id) are ignored; the column order does not matter.
  const shuffled = Object.fromEntries(Object.entries(cols).reverse());
  t.same(Array.from(model.predict({ id: new Array(200).fill(1), ...shuffled })), a);
  // The same model fitted from a DataFrame is the same model.
  const fromDf = new RegressionModel({
    target: 'price',
    categorical: ['type', 'sector'],
    estimator: new GradientBoostingRegressor({ n_estimators: 60, max_depth: 4, random_state: 3 }),
  }).fit(pl.DataFrame(Object.fromEntries(Object.entries(columns(3000, 31)).map(([k, v]) => [k, Array.from(v)]))));
  t.same(Array.from(fromDf.predict(cols)), a);
});

t.test('3,000 row objects, one at a time, by 100 and at once, predict the bits that columns give', async (t) => {
  const model = fitted();
  const cols = { ...propertyLike(3000, 34) } as Record<string, ArrayLike<unknown>>;
  // As a server gets them: parsed from JSON.
  const rows = JSON.parse(
    JSON.stringify(
      Array.from({ length: 3000 }, (_, i) => Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]]))),
    ),
  ) as Record<string, unknown>[];
  const expected = Array.from(model.predict(cols));
  t.same(Array.from(model.predict(rows)), expected, 'at once');
  const byHundred = Array.from({ length: 30 }, (_, k) =>
    Array.from(model.predict(rows.slice(k * 100, k * 100 + 100))),
  ).flat();
  t.same(byHundred, expected, 'by 100');
  t.same(
    rows.map((r) => model.predict([r])[0]),
    expected,
    'one at a time',
  );
});

t.test('row objects (the serving path) give the predictions and the errors that columns give', async (t) => {
  const model = fitted();
  const test = propertyLike(50, 35);
  const cols = { ...test } as Record<string, ArrayLike<unknown>>;
  const rows = Array.from({ length: 50 }, (_, i) =>
    Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[i]])),
  );
  const one = rows[0]!;
  t.same(Array.from(model.predict([one])), [model.predict(cols)[0]], 'one record');
  t.same(
    Array.from(
      model.predict([
        { ...one, sector: 'atlantis' },
        { ...one, sector: '' },
        { ...one, sector: null },
      ]),
    ),
    Array(3).fill(model.predict([{ ...one, sector: 'atlantis' }])[0]),
    'unseen, empty and missing categories take the prior',
  );
  const asColumns = (rs: Record<string, unknown>[]) =>
    Object.fromEntries(Object.keys(rs[0]!).map((k) => [k, rs.map((r) => r[k])]));
  // Row-major and column-major orders would meet these problems in different orders; the message is the columns' one.
  for (const bad of [
    [
      { ...one, sector: 'atlantis' },
      { ...one, type: 'castle' },
    ],
    [
      { ...one, n_rooms: 'three' },
      { ...one, type: ['casa'] },
    ],
    [
      { ...one, latitude: Number.NaN },
      { ...one, sector: 7 },
    ],
  ]) {
    const fromRows = caught(() => model.predict(bad, { onUnknownCategory: 'error' }));
    const fromCols = caught(() => model.predict(asColumns(bad), { onUnknownCategory: 'error' }));
    t.equal(fromRows.message, fromCols.message, fromCols.detail);
  }
});

t.test(
  'row objects: a missing field, an own undefined, and features named like Object.prototype members',
  async (t) => {
    const model = fitted();
    const test = propertyLike(5, 36);
    const cols = { ...test } as Record<string, ArrayLike<unknown>>;
    const one = Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[0]])) as Record<string, unknown>;
    const { sector: _sector, ...noSector } = one;
    const { n_rooms: _rooms, ...noRooms } = one;
    // What the rows give must be what the same rows as a table give.
    const viaTable = (rows: Record<string, unknown>[]) =>
      model.predict(Object.fromEntries(Object.keys(one).map((k) => [k, rows.map((r) => r[k])])));
    t.match(
      caught(() => model.predict([noSector])),
      { code: 'DAGRUN_ERR_ML_MISSING_COLUMN', message: /'sector'/ },
      'a field no row has: the missing column',
    );
    t.match(
      caught(() => model.predict([one, noSector])),
      { code: 'DAGRUN_ERR_ML_MISSING_COLUMN', message: /Row 1: expected field 'sector'/ },
      'a category one row lacks: that row named',
    );
    t.match(
      caught(() => model.predict([one, noRooms])),
      { code: 'DAGRUN_ERR_ML_MISSING_COLUMN', message: /Row 1: expected field 'n_rooms'/ },
      'a number one row lacks: the same',
    );
    t.same(
      Array.from(model.predict([{ ...one, sector: undefined }])),
      Array.from(viaTable([{ ...one, sector: undefined }])),
      'an own undefined category: as a table gives it (the prior)',
    );
    // Feature names that Object.prototype has: an inherited value is never read as the row's.
    const named = new RegressionModel({
      target: 'price',
      categorical: ['toString'],
      estimator: new GradientBoostingRegressor({ n_estimators: 20, max_depth: 3, random_state: 1 }),
    });
    const n = 400;
    const train = {
      toString: Array.from({ length: n }, (_, i) => (i % 2 ? 'a' : 'b')),
      constructor: Array.from({ length: n }, (_, i) => i % 7),
      price: Array.from({ length: n }, (_, i) => (i % 2 ? 100 : 200) + (i % 7)),
    };
    named.fit(train);
    const own = named.predict([{ toString: 'a', constructor: 3 }]);
    t.same(Array.from(own), Array.from(named.predict({ toString: ['a'], constructor: [3] })), 'own values are read');
    t.ok(
      caught(() => named.predict([{ toString: 'a' }])).message.includes('constructor'),
      'an inherited constructor is not a value',
    );
  },
);

t.test(
  'bad inputs at predict time: a clear error naming column and row, or a documented value — never NaN',
  async (t) => {
    const model = fitted();
    const row = Object.fromEntries(
      Object.entries({ ...propertyLike(1, 34) }).map(([k, v]) => [k, (v as ArrayLike<unknown>)[0]]),
    );

    const missing = caught(() =>
      model.predict([{ ...row, net_area: undefined, netarea: 3 }].map(({ net_area: _, ...r }) => r)),
    );
    t.equal(missing.code, 'DAGRUN_ERR_ML_MISSING_COLUMN');
    t.equal(
      missing.message,
      "[DAGRUN_ERR_ML_MISSING_COLUMN] Prediction input: expected feature column 'net_area', but got only 'type', " +
        "'sector', 'net_usable_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude', 'price', 'netarea'.\n" +
        "  Hint: did you mean: 'netarea'?",
    );

    const text = caught(() => model.predict([row, { ...row, n_rooms: 'three' }]));
    t.equal(text.code, 'DAGRUN_ERR_ML_BAD_VALUE');
    t.equal(
      text.message,
      "[DAGRUN_ERR_ML_BAD_VALUE] Feature 'n_rooms' at row 1: expected a number, but got string 'three'.\n" +
        '  Hint: convert the column to numbers, or declare it under categorical if it is a category.',
    );

    for (const [value, shown] of [
      [Number.NaN, 'NaN'],
      [null, 'null'],
    ] as const) {
      const nan = caught(() => model.predict([{ ...row, net_area: value }]));
      t.equal(nan.code, 'DAGRUN_ERR_ML_BAD_VALUE');
      t.equal(
        nan.message,
        `[DAGRUN_ERR_ML_BAD_VALUE] Feature 'net_area' at row 0: expected a number, but got ${shown}.\n` +
          `  Hint: the model saw no missing value in 'net_area' at training, so it has no learned side for one; ` +
          'fill or drop the row.',
      );
    }
    t.equal(
      caught(() => model.predict([{ ...row, latitude: Number.POSITIVE_INFINITY }])).detail,
      "Feature 'latitude' at row 0: expected a finite number, but got Infinity.",
    );

    // An unseen or missing category takes the encoder's prior (the mean training price): the prediction is
    // what the estimator gives with the prior in that column.
    const prior = model.encoder.prior;
    const matrixRow = (sector: number) => [
      model.encoder.tables.type!.values[row.type as string]!,
      sector,
      ...FEATURES.slice(2).map((f) => row[f] as number),
    ];
    const expected = model.estimator.predict([matrixRow(prior)])[0];
    for (const sector of ['atlantis', 'Las Condes', null, ''])
      t.equal(model.predict([{ ...row, sector }])[0], expected, `sector ${JSON.stringify(sector)} → prior`);
    const strict = caught(() => model.predict([{ ...row, sector: 'atlantis' }], { onUnknownCategory: 'error' }));
    t.equal(strict.code, 'DAGRUN_ERR_ML_UNKNOWN_CATEGORY');
    t.equal(
      strict.detail,
      "Categorical feature 'sector' at row 0: expected one of 'la reina', 'las condes', 'lo barnechea', 'nunoa', " +
        "'providencia', 'vitacura', but got 'atlantis'.",
    );

    // A negative or absurd area is a number: the trees route it like the smallest (or largest) area seen.
    const negative = model.predict([
      { ...row, net_usable_area: -50 },
      { ...row, net_usable_area: 1 },
    ]);
    t.equal(negative[0], negative[1], 'a negative area predicts like the smallest bin');
    t.ok(Number.isFinite(negative[0]));
  },
);

t.test('numeric columns with missing values at training accept them at predict time (learned side)', async (t) => {
  const data = columns(2000, 35);
  const area = Array.from(data.net_area as Float64Array, (v, i) => (i % 10 === 0 ? null : v));
  const model = new RegressionModel({
    target: 'price',
    categorical: ['type', 'sector'],
    estimator: new GradientBoostingRegressor({ n_estimators: 30 }),
  }).fit({ ...data, net_area: area });
  t.same(
    model.schema.features.find((f) => f.name === 'net_area'),
    { name: 'net_area', kind: 'numeric', missing: 'learned' },
  );
  t.same(
    model.schema.features.find((f) => f.name === 'net_usable_area'),
    { name: 'net_usable_area', kind: 'numeric', missing: 'error' },
  );
  const row = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, v[0]]));
  const p = model.predict([
    { ...row, net_area: null },
    { ...row, net_area: Number.NaN },
    { ...row, net_area: undefined },
  ]);
  t.ok(p.every(Number.isFinite));
  t.equal(p[0], p[1]);
  t.equal(p[1], p[2]);
});

t.test('booleans in numeric features are 1 and 0, at fit and at predict, on every input path', async (t) => {
  const n = 400;
  // garage is a boolean column; the price depends on it, so the trees split on it.
  const area = Float64Array.from({ length: n }, (_, i) => 40 + ((i * 37) % 200));
  const garage = Array.from({ length: n }, (_, i) => i % 3 === 0);
  const price = Float64Array.from(area, (a, i) => a * 50 + (garage[i] ? 3000 : 0));
  const make = () =>
    new RegressionModel({
      target: 'price',
      estimator: new GradientBoostingRegressor({ n_estimators: 30, max_depth: 3, random_state: 1 }),
    });
  const model = make().fit({ area, garage, price });
  t.same(model.schema.features, [
    { name: 'area', kind: 'numeric', missing: 'error' },
    { name: 'garage', kind: 'numeric', missing: 'error' },
  ]);
  t.ok(model.featureImportances()!.garage! > 0.01, 'the trees use the boolean feature');
  // The same model fitted on 1 and 0 is the same model: true is 1, false is 0.
  const asNumbers = make().fit({ area, garage: garage.map(Number), price });
  const cols = { area: [100, 100, 150], garage: [true, false, true] };
  const expected = Array.from(asNumbers.predict({ area: cols.area, garage: [1, 0, 1] }));
  t.same(Array.from(model.predict(cols)), expected, 'columns');
  t.not(expected[0], expected[1], 'true and false predict differently');
  const rows = [
    { area: 100, garage: true },
    { area: 100, garage: false },
    { area: 150, garage: true },
  ];
  t.same(Array.from(model.predict(rows)), expected, 'row objects (the serving path: the generated row reader)');
  t.same(Array.from(model.predict([rows[1]!])), [expected[1]], 'one record of the serving path, with false');
  t.same(
    Array.from(
      model.predict([
        { area: 100, garage: 1 },
        { area: 100, garage: false },
      ]),
    ),
    expected.slice(0, 2),
    'numbers and booleans mixed',
  );
  // The generated reader takes the boolean itself: the column path it falls back to otherwise asks
  // Object.hasOwn of every field (a getOwnPropertyDescriptor on a Proxy), the reader asks nothing.
  let ownChecks = 0;
  const watched = new Proxy(
    { area: 100, garage: false },
    { getOwnPropertyDescriptor: (target, key) => (ownChecks++, Reflect.getOwnPropertyDescriptor(target, key)) },
  );
  t.same(Array.from(model.predict([watched])), [expected[1]]);
  t.equal(ownChecks, 0, 'read by the row reader, with no fallback to columns');
  const df = pl.DataFrame({ area: cols.area, garage: cols.garage });
  t.equal(String(df.getColumn('garage').dtype), 'DataType(Bool)');
  t.same(Array.from(model.predict(df)), expected, 'a polars Bool column');
  const fromDf = make().fit(pl.DataFrame({ area: Array.from(area), garage, price: Array.from(price) }));
  t.same(Array.from(fromDf.predict(cols)), expected, 'fitted on a polars Bool column');
  // A null in a polars Bool column is a missing value, as in any numeric column.
  t.equal(
    caught(() =>
      model.predict(
        pl.DataFrame({ area: [100], garage: [null as unknown as boolean] }).withColumns(pl.col('garage').cast(pl.Bool)),
      ),
    ).detail,
    "Feature 'garage' at row 0: expected a number, but got null.",
  );
  // A boolean target is still refused: booleans are features, not prices.
  t.equal(
    caught(() => make().fit({ area: [1, 2], price: [true, false] })).message,
    "[DAGRUN_ERR_ML_BAD_VALUE] Target 'price' at row 0: expected a finite number, but got boolean.\n" +
      '  Hint: drop rows without a target before fitting.',
  );
  // Strings and objects stay errors, on rows and on columns alike.
  for (const data of [[{ area: 100, garage: 'yes' }], { area: [100], garage: ['yes'] }]) {
    t.equal(
      caught(() => model.predict(data)).message,
      "[DAGRUN_ERR_ML_BAD_VALUE] Feature 'garage' at row 0: expected a number, but got string 'yes'.\n" +
        '  Hint: convert the column to numbers, or declare it under categorical if it is a category.',
    );
  }
});

t.test('a linear baseline in the same bundle; it refuses missing values at fit', async (t) => {
  const model = fitted(new LinearRegressor());
  t.equal(model.metadata.estimator, 'linear');
  t.equal(model.metadata.seed, null);
  t.equal(model.featureImportances(), undefined);
  t.ok(model.predict({ ...propertyLike(100, 36) }).every(Number.isFinite));
  const data = columns(100, 37);
  const err = caught(() =>
    new RegressionModel({ target: 'price', categorical: ['type', 'sector'], estimator: new LinearRegressor() }).fit({
      ...data,
      n_rooms: Array.from(data.n_rooms as Float64Array, (v, i) => (i === 7 ? null : v)),
    }),
  );
  t.equal(
    err.message,
    "[DAGRUN_ERR_ML_BAD_VALUE] Feature 'n_rooms' at row 7: expected a number, but got null.\n" +
      '  Hint: a linear model cannot use a missing value; fill or drop the row.',
  );
});

t.test('fit-time mistakes are coded errors', async (t) => {
  const data = columns(50, 38);
  const m = (o: Partial<ConstructorParameters<typeof RegressionModel>[0]> = {}) =>
    new RegressionModel({ target: 'price', categorical: ['type', 'sector'], ...o });
  t.equal(
    caught(() => m({ target: 'prize' }).fit(data)).message,
    "[DAGRUN_ERR_ML_MISSING_COLUMN] Training data: expected target column 'prize', but got only 'type', 'sector', " +
      "'net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude', 'price'.\n" +
      "  Hint: did you mean: 'price'?",
  );
  t.equal(
    caught(() => m({ categorical: ['type', 'sectr'] }).fit(data)).message,
    "[DAGRUN_ERR_ML_PARAMS] RegressionModel option 'categorical': expected names among the features (type, sector, " +
      "net_usable_area, net_area, n_rooms, n_bathroom, latitude, longitude), but got 'sectr'.\n" +
      "  Hint: did you mean: 'sector'?",
  );
  t.equal(
    caught(() => m({ categorical: ['type'] }).fit(data)).message,
    "[DAGRUN_ERR_ML_BAD_VALUE] Feature 'sector' at row 0: expected a number, but got string 'nunoa'.\n" +
      '  Hint: convert the column to numbers, or declare it under categorical if it is a category.',
  );
  t.equal(
    caught(() => m({ features: ['type', 'price'] }).fit(data)).detail,
    "RegressionModel option 'features': expected the feature columns without the target, but got the target 'price' " +
      'among them.',
  );
  t.equal(
    caught(() => m({ features: ['type', 'sector', 'rooms'] }).fit(data)).detail,
    "Training data: expected feature column 'rooms', but got only 'type', 'sector', 'net_usable_area', 'net_area', " +
      "'n_rooms', 'n_bathroom', 'latitude', 'longitude', 'price'.",
  );
  const noTarget = { ...data, price: Array.from(data.price as Float64Array, (v, i) => (i === 3 ? null : v)) };
  t.equal(
    caught(() => m().fit(noTarget)).message,
    "[DAGRUN_ERR_ML_BAD_VALUE] Target 'price' at row 3: expected a finite number, but got null.\n" +
      '  Hint: drop rows without a target before fitting.',
  );
  t.equal(
    caught(() => m().fit({ price: [1, 2], type: ['a'] })).detail,
    "Column 'type': expected 2 values like column 'price', but got 1.",
  );
  t.equal(caught(() => m().fit({ price: [] })).code, 'DAGRUN_ERR_ML_EMPTY');
  t.equal(caught(() => m().predict(data)).code, 'DAGRUN_ERR_ML_NOT_FITTED');
  // A chosen feature subset, in the given order.
  const sub = m({ features: ['net_usable_area', 'type'], categorical: ['type'] }).fit(data);
  t.same(
    sub.schema.features.map((f) => f.name),
    ['net_usable_area', 'type'],
  );
});
