// trainTestSplit: scikit-learn's train_test_split for the tables this package reads (a record of columns,
// row objects, a nodejs-polars DataFrame), returning two tables of the same kind. The indices come from
// split-indices.ts, so a seed picks the rows scikit-learn's random_state picks, on every machine.

import { didYouMean } from '@dagrun/core';
import { MlError } from './errors.js';
import {
  orderedIndices,
  shuffledIndices,
  splitSizes,
  stratifiedIndices,
  type Classes,
  type SplitIndices,
  type SplitSize,
} from './split-indices.js';
import { asTable, isDataFrame, type Columns, type DataFrameLike, type SeriesLike, type TabularInput } from './table.js';

export interface TrainTestSplitOptions {
  /** A fraction in (0, 1) (rounded up) or a whole number of rows. Default 0.25 when trainSize is unset too. */
  readonly testSize?: SplitSize | undefined;
  /** A fraction in (0, 1) (rounded down) or a whole number of rows. Default: the rows the test part leaves. */
  readonly trainSize?: SplitSize | undefined;
  /** Default true. Without shuffling the train part is the first rows, the test part the next ones. */
  readonly shuffle?: boolean | undefined;
  /** An integer in [0, 2³² − 1], scikit-learn's random_state. Default 0. */
  readonly seed?: number | undefined;
  /** Class labels to keep in proportion: a column of the data, or one label per row (an array or a Series). */
  readonly stratify?: string | ArrayLike<unknown> | SeriesLike | undefined;
}

/** The options for plain row numbers: stratify takes labels only. */
export type TrainTestIndicesOptions = Omit<TrainTestSplitOptions, 'stratify'> & {
  readonly stratify?: ArrayLike<unknown> | SeriesLike | undefined;
};

const OPTIONS = ['testSize', 'trainSize', 'shuffle', 'seed', 'stratify'];
/** scikit-learn's names, which a port from Python brings along. */
const SKLEARN_NAMES: Readonly<Record<string, string>> = {
  test_size: 'testSize',
  train_size: 'trainSize',
  random_state: 'seed',
};
const MAX_SEED = 4294967295;

const describe = (v: unknown): string =>
  typeof v === 'string'
    ? `'${v}'`
    : typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined
      ? String(v)
      : Array.isArray(v)
        ? 'an array'
        : typeof v;

interface Checked {
  readonly testSize: SplitSize | undefined;
  readonly trainSize: SplitSize | undefined;
  readonly shuffle: boolean;
  readonly seed: number;
  readonly stratify: TrainTestSplitOptions['stratify'];
}

/** Every check that does not depend on the data: names, types and ranges. */
const checkOptions = (options: unknown): Checked => {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit options: expected an object such as { testSize: 0.2, seed: 42 }, but got ${describe(options)}.`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const name of Object.keys(o)) {
    if (OPTIONS.includes(name) || o[name] === undefined) continue;
    const sk = SKLEARN_NAMES[name];
    const mean = sk ? undefined : didYouMean(name, OPTIONS);
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit option '${name}': expected one of ${OPTIONS.join(', ')}, but got an unknown name.`,
      {
        hint: sk ? `Hint: scikit-learn's '${name}' is '${sk}' here.` : mean ? `Hint: ${mean}` : undefined,
      },
    );
  }
  const size = (name: 'testSize' | 'trainSize'): SplitSize | undefined => {
    const v = o[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v > 0 && (v < 1 || Number.isSafeInteger(v)))) {
      throw new MlError(
        'DAGRUN_ERR_ML_PARAMS',
        `trainTestSplit option '${name}': expected a fraction in (0, 1) or a whole number of rows, but got ` +
          `${describe(v)}.`,
      );
    }
    return v;
  };
  const testSize = size('testSize');
  const trainSize = size('trainSize');
  if (testSize !== undefined && trainSize !== undefined && testSize < 1 && trainSize < 1 && testSize + trainSize > 1) {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit options 'testSize' and 'trainSize': expected fractions that sum to at most 1, but got ` +
        `${testSize} + ${trainSize} = ${testSize + trainSize}.`,
    );
  }
  const shuffle = o.shuffle ?? true;
  if (typeof shuffle !== 'boolean')
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit option 'shuffle': expected true or false, but got ${describe(shuffle)}.`,
    );
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit option 'seed': expected an integer from 0 to ${MAX_SEED}, but got ${describe(seed)}.`,
    );
  }
  const stratify = o.stratify as TrainTestSplitOptions['stratify'];
  if (stratify !== undefined && typeof stratify !== 'string' && !isLabels(stratify)) {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit option 'stratify': expected a column name or one label per row, but got ${describe(stratify)}.`,
    );
  }
  if (stratify !== undefined && !shuffle) {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestSplit option 'stratify': expected no stratify with shuffle: false, but got ` +
        `${typeof stratify === 'string' ? `'${stratify}'` : 'labels'}.`,
      {
        hint:
          'Hint: a stratified split draws rows at random; remove shuffle: false (scikit-learn does not stratify ' +
          'without shuffling either).',
      },
    );
  }
  return { testSize, trainSize, shuffle, seed, stratify };
};

const isSeries = (x: unknown): x is SeriesLike =>
  typeof x === 'object' && x !== null && typeof (x as SeriesLike).toArray === 'function';
const isLabels = (x: unknown): x is ArrayLike<unknown> | SeriesLike =>
  isSeries(x) || (typeof x === 'object' && x !== null && typeof (x as ArrayLike<unknown>).length === 'number');

type LabelKind = 'string' | 'number' | 'boolean';

/** Code-point order, as numpy sorts strings (UTF-16 order differs for characters beyond U+FFFF). */
const byCodePoint = (a: string, b: string): number => {
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(j)!;
    if (x !== y) return x - y;
    i += x > 0xffff ? 2 : 1;
    j += y > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a < b ? -1 : 1;
};

/**
 * Groups the labels into classes in np.unique's order. Labels are strings, numbers or booleans, one kind throughout.
 */
const classesOf = (labels: ArrayLike<unknown>, where: string): Classes => {
  let kind: LabelKind | undefined;
  let first = 0;
  const keys = new Array<string | number | boolean>(labels.length);
  for (let r = 0; r < labels.length; r++) {
    const v = labels[r];
    const k = typeof v === 'bigint' ? Number(v) : v;
    if (k === null || k === undefined || (typeof k === 'number' && Number.isNaN(k))) {
      throw new MlError(
        'DAGRUN_ERR_ML_BAD_VALUE',
        `${where} at row ${r}: expected a class label, but got ${describe(k)}.`,
        {
          hint: 'Hint: drop or fill the rows without a label before splitting.',
        },
      );
    }
    const t = typeof k;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') {
      throw new MlError(
        'DAGRUN_ERR_ML_BAD_VALUE',
        `${where} at row ${r}: expected a string, number or boolean, but got ${describe(k)}.`,
      );
    }
    if (kind === undefined) [kind, first] = [t as LabelKind, r];
    else if (t !== kind) {
      throw new MlError(
        'DAGRUN_ERR_ML_BAD_VALUE',
        `${where} at row ${r}: expected a ${kind} like row ${first}, but got ${t} ${describe(k)}.`,
      );
    }
    keys[r] = k as string | number | boolean;
  }
  const distinct = [...new Set(keys)];
  if (kind === 'string') (distinct as string[]).sort(byCodePoint);
  else distinct.sort((a, b) => Number(a) - Number(b));
  const rank = new Map(distinct.map((k, i) => [k, i]));
  const classOf = new Uint32Array(keys.length);
  const counts = new Array<number>(distinct.length).fill(0);
  for (let r = 0; r < keys.length; r++) counts[(classOf[r] = rank.get(keys[r]!)!)]!++;
  return { classOf, counts, names: distinct.map(String) };
};

const labelsOf = (stratify: ArrayLike<unknown> | SeriesLike, rows: number): ArrayLike<unknown> => {
  const labels = isSeries(stratify) ? stratify.toArray() : stratify;
  if (labels.length !== rows) {
    throw new MlError(
      'DAGRUN_ERR_ML_SHAPE',
      `trainTestSplit option 'stratify': expected ${rows} labels, one per row, but got ${labels.length}.`,
    );
  }
  return labels;
};

const indicesFor = (
  rows: number,
  o: Checked,
  labels: ArrayLike<unknown> | undefined,
  labelled: string,
  where: string,
): SplitIndices => {
  if (rows === 0) throw new MlError('DAGRUN_ERR_ML_EMPTY', 'trainTestSplit: expected at least one row, but got 0.');
  const sizes = splitSizes(rows, o.testSize, o.trainSize);
  if (!o.shuffle) return orderedIndices(sizes);
  if (labels === undefined) return shuffledIndices(rows, sizes, o.seed);
  return stratifiedIndices(classesOf(labels, where), sizes, o.seed, labelled);
};

/**
 * The row numbers of a split of `rows` rows: what trainTestSplit takes, for splitting other arrays alike.
 * `train` and `test` list row numbers in the parts' order.
 */
export const trainTestIndices = (rows: number, options: TrainTestIndicesOptions = {}): SplitIndices => {
  const o = checkOptions(options);
  if (typeof o.stratify === 'string') {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      `trainTestIndices option 'stratify': expected one label per row, but got the column name '${o.stratify}'.`,
      {
        hint: 'Hint: trainTestIndices has no table to read a column from; pass the labels, or call trainTestSplit.',
      },
    );
  }
  const labels = o.stratify === undefined ? undefined : labelsOf(o.stratify, rows);
  return indicesFor(rows, o, labels, "option 'stratify'", 'Stratify label');
};

/** The part of a nodejs-polars DataFrame that taking rows needs: its Series gather rows and become frames. */
interface GatherableSeries {
  gather(indices: number[]): { toFrame(): { hstack(columns: unknown[]): unknown } };
}
interface GatherableFrame extends DataFrameLike {
  getColumns(): GatherableSeries[];
}

const isGatherable = (df: DataFrameLike): df is GatherableFrame =>
  typeof (df as Partial<GatherableFrame>).getColumns === 'function';

/** The rows `idx` of `data`, in that order, as the same kind of table. */
const takeRows = (data: TabularInput, idx: Uint32Array): TabularInput => {
  if (isDataFrame(data)) {
    const order = Array.from(idx);
    const [first, ...rest] = (data as GatherableFrame).getColumns().map((s) => s.gather(order));
    return first!.toFrame().hstack(rest) as DataFrameLike;
  }
  if (Array.isArray(data)) return Array.from(idx, (i) => data[i]!);
  const out: Record<string, ArrayLike<unknown>> = {};
  for (const [name, col] of Object.entries(data as Columns)) {
    if (ArrayBuffer.isView(col) && !(col instanceof DataView)) {
      const typed = new (col.constructor as new (n: number) => { [i: number]: unknown; length: number })(idx.length);
      for (let i = 0; i < idx.length; i++) typed[i] = col[idx[i]!];
      out[name] = typed as unknown as ArrayLike<unknown>;
    } else out[name] = Array.from(idx, (i) => col[i]);
  }
  return out;
};

/**
 * Splits a table into a train part and a test part, like scikit-learn's
 * `train_test_split(data, test_size=…, train_size=…, shuffle=…, random_state=seed, stratify=…)`: the same
 * seed takes the same rows in the same order as scikit-learn does. Returns `[train, test]`, each of the
 * input's kind (columns keep their array types; row objects are the same objects; a DataFrame its dtypes).
 *
 * ```ts
 * const [train, test] = trainTestSplit(df, { testSize: 0.2, seed: 42, stratify: 'sector' });
 * ```
 */
export const trainTestSplit = <T extends TabularInput>(
  data: T,
  options: TrainTestSplitOptions = {},
): [train: T, test: T] => {
  const o = checkOptions(options);
  if (isDataFrame(data) && !isGatherable(data)) {
    throw new MlError(
      'DAGRUN_ERR_ML_PARAMS',
      'trainTestSplit data: expected columns, row objects or a nodejs-polars DataFrame, but got a frame without ' +
        "'getColumns'.",
    );
  }
  const table = asTable(data);
  let labels: ArrayLike<unknown> | undefined;
  let labelled = "option 'stratify'";
  let where = 'Stratify label';
  if (typeof o.stratify === 'string') {
    labels = table.column(o.stratify);
    if (labels === undefined) {
      const mean = didYouMean(o.stratify, table.names);
      throw new MlError(
        'DAGRUN_ERR_ML_MISSING_COLUMN',
        `Split data: expected stratify column '${o.stratify}', but got only ` +
          `${table.names.map((c) => `'${c}'`).join(', ') || 'no column'}.`,
        {
          hint: mean ? `Hint: ${mean}` : undefined,
        },
      );
    }
    labelled = `stratify column '${o.stratify}'`;
    where = `Stratify column '${o.stratify}'`;
  } else if (o.stratify !== undefined) labels = labelsOf(o.stratify, table.rows);
  const { train, test } = indicesFor(table.rows, o, labels, labelled, where);
  return [takeRows(data, train) as T, takeRows(data, test) as T];
};
