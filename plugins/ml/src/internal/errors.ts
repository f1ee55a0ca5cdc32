// The coded errors of @dagrun/ml, in the engine's wording: "<what> '<name>': expected X, but got Y."
// They extend core's DagrunError so the CLI prints them without a stack trace; the codes are this package's own.

import { DagrunError, type ErrorCode } from '@dagrun/core';

/** Every error code this package raises, with what it means. README.md lists the same codes. */
export const ML_ERROR_CODES = {
  DAGRUN_ERR_ML_PARAMS:
    'An estimator was given an unknown hyperparameter, or one of the wrong type or range (or trainTestSplit an ' +
    'unknown or wrong option).',
  DAGRUN_ERR_ML_MISSING_COLUMN: 'The input lacks a column the model was trained on (or the target column at fit).',
  DAGRUN_ERR_ML_BAD_VALUE:
    'A value where a number belongs is not a finite number (a string, Infinity, a boolean target, or a missing value ' +
    'the model cannot route), or a stratify label is missing or of another type than the others.',
  DAGRUN_ERR_ML_UNKNOWN_CATEGORY:
    'A categorical value was not seen at training and the caller asked for an error instead of the prior.',
  DAGRUN_ERR_ML_SHAPE:
    'Inputs of inconsistent sizes: columns of different lengths, X and y of different lengths, or the wrong number ' +
    'of features.',
  DAGRUN_ERR_ML_EMPTY: 'There are no rows to fit on.',
  DAGRUN_ERR_ML_NOT_FITTED: 'predict or transform was called before fit.',
  DAGRUN_ERR_ML_SPLIT:
    'trainTestSplit cannot split this data as asked: a size exceeds the rows, a part would be empty, or a stratify ' +
    'class has fewer than 2 rows or more classes than a part has rows.',
  DAGRUN_ERR_ML_FORMAT:
    'A serialised model is not in the dagrun.ml/regression-model format, or has a format version this package cannot ' +
    'read.',
} as const;

export type MlErrorCode = keyof typeof ML_ERROR_CODES;

export interface MlErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string | undefined;
}

/** An error of this package: `code` is one of ML_ERROR_CODES, `detail` the sentence without the hint. */
export class MlError extends DagrunError {
  constructor(code: MlErrorCode, detail: string, options: MlErrorOptions = {}) {
    // core's ErrorCode union is closed to the engine's own codes; a plugin's codes travel as the same string field.
    super(code as unknown as ErrorCode, detail, options);
  }
}
