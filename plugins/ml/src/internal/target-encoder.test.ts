import t from 'tap';
import { MlError } from './errors.js';
import { smoothingWeight, TargetEncoder } from './target-encoder.js';

const caught = (fn: () => unknown): MlError => {
  try {
    fn();
  } catch (err) {
    if (err instanceof MlError) return err;
    throw err;
  }
  throw new Error('expected an MlError, but the call succeeded');
};

t.test('the smoothing formula, checked by hand on small counts', async (t) => {
  // a: 8, 10, 12 (count 3, mean 10); b: 40 (count 1); c: 0, 2 (count 2, mean 1). Prior = 72 / 6 = 12.
  const columns = { cat: ['a', 'a', 'a', 'b', 'c', 'c'] };
  const y = [8, 10, 12, 40, 0, 2];
  const enc = new TargetEncoder({ min_samples_leaf: 2, smoothing: 1 }).fit(columns, y);
  t.equal(enc.prior, 12);
  const s3 = 1 / (1 + Math.exp(-1)); // count 3, min_samples_leaf 2
  t.equal(smoothingWeight(3, 2, 1), s3);
  t.equal(enc.tables.cat!.values.a, 12 * (1 - s3) + 10 * s3);
  t.ok(Math.abs(enc.tables.cat!.values.a! - 10.53788284273999) < 1e-12, 'a = 12 − 2·0.7310585786');
  t.equal(enc.tables.cat!.values.c, 6.5, 'count 2 = min_samples_leaf: halfway between the prior 12 and the mean 1');
  t.equal(enc.tables.cat!.values.b, 12, 'a category seen once gets the prior (category_encoders)');
  t.same({ ...enc.tables.cat!.counts }, { a: 3, b: 1, c: 2 });

  // Defaults: min_samples_leaf 20, smoothing 1; three rows are almost nothing next to 20.
  const d = new TargetEncoder().fit(columns, y);
  t.same(d.params, { min_samples_leaf: 20, smoothing: 1 });
  const s = 1 / (1 + Math.exp(17));
  t.equal(d.tables.cat!.values.a, 12 * (1 - s) + 10 * s);
  t.ok(Math.abs(d.tables.cat!.values.a! - 12) < 1e-6);

  // Smoothing 10 flattens the sigmoid: count 3 with min_samples_leaf 2 weighs the mean by 1/(1+e^-0.1).
  const wide = new TargetEncoder({ min_samples_leaf: 2, smoothing: 10 }).fit(columns, y);
  t.equal(wide.tables.cat!.values.a, 12 * (1 - 1 / (1 + Math.exp(-0.1))) + 10 / (1 + Math.exp(-0.1)));
});

t.test(
  "§4's printed encoder values: with thousands of rows per category the encoding is the category mean",
  async (t) => {
    // Train counts by sector × type (casa, departamento) from property-data.md §2, and the printed
    // (igonzalezperez's notebook) or computed means of §4.
    const cells: Record<string, [number, number]> = {
      'la reina': [883, 132],
      'las condes': [1792, 3842],
      'lo barnechea': [2125, 763],
      nunoa: [438, 1486],
      providencia: [283, 1566],
      vitacura: [1125, 1777],
    };
    const sectorMean: Record<string, number> = {
      vitacura: 20974.73776706,
      'la reina': 13913.20591133,
      'las condes': 15365.34788782,
      providencia: 9345.74580855,
      'lo barnechea': 24339.4099723,
      nunoa: 6853.54106029,
    };
    const typeMean: Record<string, number> = { departamento: 11391.53303366, casa: 23073.46840205 };
    const types = ['casa', 'departamento'] as const;
    // Price of a row = a[sector] + b[type], solved by backfitting so both sets of means hold at once.
    const sectors = Object.keys(cells);
    const a: Record<string, number> = Object.fromEntries(sectors.map((s) => [s, sectorMean[s]!]));
    const b: Record<string, number> = { casa: 0, departamento: 0 };
    for (let it = 0; it < 200; it++) {
      for (const s of sectors) {
        const n = cells[s]![0] + cells[s]![1];
        a[s] = sectorMean[s]! - (cells[s]![0] * b.casa! + cells[s]![1] * b.departamento!) / n;
      }
      types.forEach((ty, k) => {
        let n = 0;
        let sum = 0;
        for (const s of sectors) {
          n += cells[s]![k]!;
          sum += cells[s]![k]! * a[s]!;
        }
        b[ty] = typeMean[ty]! - sum / n;
      });
    }
    const type: string[] = [];
    const sector: string[] = [];
    const price: number[] = [];
    for (const s of sectors) {
      types.forEach((ty, k) => {
        for (let i = 0; i < cells[s]![k]!; i++) {
          type.push(ty);
          sector.push(s);
          price.push(a[s]! + b[ty]!);
        }
      });
    }
    t.equal(price.length, 16212, 'the train file has 16,212 rows');
    const enc = new TargetEncoder().fit({ type, sector }, price);
    for (const [ty, m] of Object.entries(typeMean))
      t.ok(Math.abs(enc.tables.type!.values[ty]! - m) < 1e-6, `type ${ty}: ${enc.tables.type!.values[ty]} ≈ ${m}`);
    for (const [s, m] of Object.entries(sectorMean))
      t.ok(Math.abs(enc.tables.sector!.values[s]! - m) < 1e-6, `sector ${s}: ${enc.tables.sector!.values[s]} ≈ ${m}`);
    t.ok(Math.abs(enc.prior - 16180.46) < 0.01, `prior ${enc.prior} ≈ the train mean price 16180.46 (§4)`);
    t.same({ ...enc.tables.type!.counts }, { casa: 6646, departamento: 9566 });
    // The smoothing weight at count 1015 (la reina, the smallest) is exactly 1 in floating point.
    t.equal(smoothingWeight(1015, 20, 1), 1);
  },
);

t.test('unseen and missing categories take the prior; numbers and odd names are plain keys', async (t) => {
  const enc = new TargetEncoder({ min_samples_leaf: 0, smoothing: 1 }).fit(
    { c: ['x', 'x', 1, 1, '__proto__', '__proto__', null, ''] },
    [10, 10, 20, 20, 30, 30, 100, 100],
  );
  const prior = 320 / 8;
  t.equal(enc.prior, prior, 'rows with a missing category still count in the prior');
  t.same(Object.keys(enc.tables.c!.values).sort(), ['1', '__proto__', 'x'], 'missing values are not a category');
  const out = enc.encode('c', ['x', 1, '1', '__proto__', 'constructor', 'y', null, undefined, '', Number.NaN]);
  const s2 = 1 / (1 + Math.exp(-2));
  const v = (m: number): number => prior * (1 - s2) + m * s2;
  t.same(Array.from(out), [v(10), v(20), v(20), v(30), prior, prior, prior, prior, prior, prior]);

  const err = caught(() => enc.encode('c', ['x', 'y'], 'error'));
  t.equal(err.code, 'DAGRUN_ERR_ML_UNKNOWN_CATEGORY');
  t.equal(err.detail, "Categorical feature 'c' at row 1: expected one of '1', '__proto__', 'x', but got 'y'.");
  t.equal(err.hint, "Hint: unseen categories take the prior unless onUnknownCategory is 'error'.");
  t.same(Array.from(enc.encode('c', [null], 'error')), [prior], 'a missing value is not an unknown category');
});

t.test('transform encodes every fitted column and names a missing one', async (t) => {
  const enc = new TargetEncoder().fit({ a: ['p', 'q'], b: ['r', 'r'] }, [1, 3]);
  t.same(Object.keys(enc.transform({ a: ['p'], b: ['r'], other: [1] })), ['a', 'b']);
  const err = caught(() => enc.transform({ a: ['p'], other: [1] }));
  t.equal(err.code, 'DAGRUN_ERR_ML_MISSING_COLUMN');
  t.equal(err.detail, "TargetEncoder input: expected column 'b', but got only 'a', 'other'.");
  const unknown = caught(() => enc.encode('z', ['p']));
  t.equal(
    unknown.detail,
    "TargetEncoder column 'z': expected one of the fitted columns (a, b), but got a column it was not fitted on.",
  );
});

t.test('bad inputs and parameters are coded errors', async (t) => {
  const notFitted = caught(() => new TargetEncoder().encode('a', ['x']));
  t.equal(notFitted.code, 'DAGRUN_ERR_ML_NOT_FITTED');
  t.equal(
    notFitted.message,
    '[DAGRUN_ERR_ML_NOT_FITTED] TargetEncoder: expected a fitted encoder, but got one that was never fitted.\n' +
      '  Hint: call fit(columns, y) first.',
  );
  const len = caught(() => new TargetEncoder().fit({ a: ['x', 'y'] }, [1, 2, 3]));
  t.equal(len.code, 'DAGRUN_ERR_ML_SHAPE');
  t.equal(len.detail, "TargetEncoder column 'a': expected 3 values (one per target value), but got 2.");
  const obj = caught(() => new TargetEncoder().fit({ a: ['x', { k: 1 }] }, [1, 2]));
  t.equal(obj.code, 'DAGRUN_ERR_ML_BAD_VALUE');
  t.equal(obj.detail, "Categorical feature 'a' at row 1: expected a string, number or boolean, but got object.");
  const y = caught(() => new TargetEncoder().fit({ a: ['x', 'y'] }, [1, Number.NaN]));
  t.equal(y.detail, 'TargetEncoder target at row 1: expected a finite number, but got NaN.');
  const p = caught(() => new TargetEncoder({ smoothing: 0 }));
  t.equal(p.code, 'DAGRUN_ERR_ML_PARAMS');
  t.equal(p.detail, "TargetEncoder hyperparameter 'smoothing': expected a number > 0, but got 0.");
  const typo = caught(() => new TargetEncoder({ min_sample_leaf: 5 }));
  t.equal(
    typo.message,
    "[DAGRUN_ERR_ML_PARAMS] TargetEncoder hyperparameter 'min_sample_leaf': expected one of min_samples_leaf, " +
      "smoothing, but got an unknown name.\n  Hint: did you mean: 'min_samples_leaf'?",
  );
  t.equal(caught(() => new TargetEncoder().fit({}, [])).code, 'DAGRUN_ERR_ML_EMPTY');
});
