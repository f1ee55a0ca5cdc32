// The row indices of a train/test split, computed as scikit-learn 1.2's train_test_split computes them
// (_validate_shuffle_split, ShuffleSplit, StratifiedShuffleSplit, _approximate_mode) with numpy's
// RandomState draws, so the same seed picks the same rows in the same order. No tables here: see split.ts.

import { MlError } from './errors.js';
import { NumpyRandomState } from './numpy-random.js';

/** A part's size as given: a fraction in (0, 1), or a whole number of rows. */
export type SplitSize = number;

export interface SplitSizes {
  readonly nTrain: number;
  readonly nTest: number;
}

const shown = (size: SplitSize | undefined): string => (size === undefined ? 'unset' : String(size));

/**
 * The part sizes for `n` rows (scikit-learn's `_validate_shuffle_split`, default test share 0.25): a
 * fraction of the test part rounds up, of the train part down; an unset part takes the remaining rows.
 * The sizes' types and the sum of two fractions are checked beforehand (split.ts); what depends on `n` here.
 */
export const splitSizes = (
  n: number,
  testSize: SplitSize | undefined,
  trainSize: SplitSize | undefined,
): SplitSizes => {
  const test = testSize === undefined && trainSize === undefined ? 0.25 : testSize;
  for (const [name, size] of [
    ['testSize', test],
    ['trainSize', trainSize],
  ] as const) {
    if (size !== undefined && size >= 1 && size >= n) {
      throw new MlError(
        'DAGRUN_ERR_ML_SPLIT',
        `trainTestSplit option '${name}': expected a whole number of rows below the ${n} rows of the data, or a ` +
          `fraction in (0, 1), but got ${size}.`,
      );
    }
  }
  let nTest = test === undefined ? undefined : test < 1 ? Math.ceil(test * n) : test;
  let nTrain = trainSize === undefined ? undefined : trainSize < 1 ? Math.floor(trainSize * n) : trainSize;
  nTrain ??= n - nTest!;
  nTest ??= n - nTrain;
  if (nTrain + nTest > n) {
    throw new MlError(
      'DAGRUN_ERR_ML_SPLIT',
      `trainTestSplit sizes: expected trainSize + testSize to fit the ${n} rows of the data, but got ${nTrain} + ` +
        `${nTest} = ${nTrain + nTest} rows.`,
      {
        hint: 'Hint: reduce testSize and/or trainSize.',
      },
    );
  }
  if (nTrain === 0) {
    throw new MlError(
      'DAGRUN_ERR_ML_SPLIT',
      `trainTestSplit train part: expected at least 1 row, but got 0 of the ${n} rows (testSize ${shown(testSize)}, ` +
        `trainSize ${shown(trainSize)}).`,
      {
        hint: 'Hint: lower testSize, raise trainSize, or split more rows.',
      },
    );
  }
  return { nTrain, nTest };
};

export interface SplitIndices {
  /** Row numbers of the train part, in the order the part lists them (shuffled unless shuffle is false). */
  readonly train: Uint32Array;
  readonly test: Uint32Array;
}

/** Without shuffling: the first nTrain rows, then the next nTest (scikit-learn's shuffle=False). */
export const orderedIndices = ({ nTrain, nTest }: SplitSizes): SplitIndices => {
  const all = new Uint32Array(nTrain + nTest);
  for (let i = 0; i < all.length; i++) all[i] = i;
  return { train: all.subarray(0, nTrain), test: all.subarray(nTrain) };
};

/** One permutation of all rows: the test part first, then the train part (scikit-learn's ShuffleSplit). */
export const shuffledIndices = (n: number, { nTrain, nTest }: SplitSizes, seed: number): SplitIndices => {
  const perm = new NumpyRandomState(seed).permutation(n);
  return { train: perm.subarray(nTest, nTest + nTrain), test: perm.subarray(0, nTest) };
};

/**
 * Class labels as scikit-learn's stratification sees them: `classOf[row]` is the rank of the row's label
 * among the sorted distinct labels (np.unique's order), `names` the labels in that order for messages.
 */
export interface Classes {
  readonly classOf: Uint32Array;
  readonly counts: readonly number[];
  readonly names: readonly string[];
}

/**
 * How many rows each class gives a part of `draws` rows (scikit-learn's `_approximate_mode`): the floor of
 * its share, then one more row to the classes with the largest remainders; ties broken by the generator.
 */
export const approximateMode = (counts: readonly number[], draws: number, rng: NumpyRandomState): number[] => {
  let total = 0;
  for (const c of counts) total += c;
  const continuous = counts.map((c) => (c / total) * draws);
  const floored = continuous.map((c) => Math.floor(c));
  let need = draws - floored.reduce((a, b) => a + b, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]!);
    for (const value of [...new Set(remainder)].sort((a, b) => b - a)) {
      const inds = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const now = Math.min(inds.length, need);
      // numpy's choice(inds, now, replace=False) is permutation(len(inds))[:now], drawn even when all are taken.
      const chosen = rng.permutation(inds.length).subarray(0, now);
      for (const k of chosen) floored[inds[k]!]! += 1;
      need -= now;
      if (need === 0) break;
    }
  }
  return floored;
};

/**
 * A stratified split (scikit-learn's StratifiedShuffleSplit): each class gives each part about its share of
 * rows. Every class needs 2 rows, and each part at least one row per class. `labelled` names the labels in
 * messages ("stratify column 'sector'", "option 'stratify'").
 */
export const stratifiedIndices = (
  classes: Classes,
  { nTrain, nTest }: SplitSizes,
  seed: number,
  labelled: string,
): SplitIndices => {
  const { classOf, counts, names } = classes;
  const rare = names.flatMap((name, i) => (counts[i]! < 2 ? [`1 row of '${name}'`] : []));
  if (rare.length > 0) {
    const list = rare.length === 1 ? rare[0]! : `${rare.slice(0, -1).join(', ')} and ${rare.at(-1)!}`;
    throw new MlError(
      'DAGRUN_ERR_ML_SPLIT',
      `trainTestSplit ${labelled}: expected at least 2 rows of every class, but got ${list}.`,
      {
        hint:
          'Hint: a class needs a row in each part (scikit-learn: "the minimum number of groups for any class cannot ' +
          'be less than 2"); merge rare classes or drop their rows.',
      },
    );
  }
  for (const [part, size] of [
    ['train', nTrain],
    ['test', nTest],
  ] as const) {
    if (size < names.length) {
      throw new MlError(
        'DAGRUN_ERR_ML_SPLIT',
        `trainTestSplit ${part} part: expected at least one row per class (${names.length} classes in ${labelled}), ` +
          `but got ${size} row${size === 1 ? '' : 's'}.`,
        {
          hint: `Hint: raise ${part}Size, or stratify on labels with fewer classes.`,
        },
      );
    }
  }
  // The rows of each class, ascending (numpy's stable argsort of the class numbers).
  const starts = new Uint32Array(names.length + 1);
  for (let i = 0; i < names.length; i++) starts[i + 1] = starts[i]! + counts[i]!;
  const byClass = new Uint32Array(classOf.length);
  const fill = starts.slice(0, names.length);
  for (let r = 0; r < classOf.length; r++) byClass[fill[classOf[r]!]!++] = r;

  const rng = new NumpyRandomState(seed);
  const nI = approximateMode(counts, nTrain, rng);
  const tI = approximateMode(
    counts.map((c, i) => c - nI[i]!),
    nTest,
    rng,
  );
  const train = new Uint32Array(nTrain);
  const test = new Uint32Array(nTest);
  let a = 0;
  let b = 0;
  for (let i = 0; i < names.length; i++) {
    const perm = rng.permutation(counts[i]!);
    const rows = byClass.subarray(starts[i]!, starts[i + 1]!);
    for (let k = 0; k < nI[i]!; k++) train[a++] = rows[perm[k]!]!;
    for (let k = nI[i]!; k < nI[i]! + tI[i]!; k++) test[b++] = rows[perm[k]!]!;
  }
  return { train: rng.shuffle(train), test: rng.shuffle(test) };
};
