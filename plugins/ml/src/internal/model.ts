// RegressionModel: a feature schema, a target encoder for the categorical columns and an estimator, fitted
// and applied together on tabular input. Its JSON form (serialize.ts) is what a catalog `object` entry saves.

import { didYouMean } from '@dagrun/core';
import { MlError } from './errors.js';
import { GradientBoostingRegressor } from './gbdt.js';
import type { LinearRegressor } from './linear.js';
import type { Matrix } from './matrix.js';
import { asTable, type Table, type TabularInput } from './table.js';
import { TargetEncoder, type TargetEncoderParams, type UnknownCategoryPolicy } from './target-encoder.js';

export type Estimator = GradientBoostingRegressor | LinearRegressor;
export type EstimatorKind = 'gradient_boosting' | 'linear';

export interface FeatureSpec {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /**
   * Numeric features: 'learned' when the training data had missing values in this column (the trees learned
   * where they go, so they are accepted at predict time); 'error' otherwise (a missing value is refused).
   */
  readonly missing?: 'learned' | 'error';
}

export interface FeatureSchema {
  readonly target: string;
  /** In the order the estimator sees them. */
  readonly features: readonly FeatureSpec[];
}

export interface RegressionModelOptions {
  /** The column to predict. */
  readonly target: string;
  /** Feature columns, in order. Default: every input column except the target. */
  readonly features?: readonly string[];
  /** Features to target-encode. Default: none (a string in another column is then an error naming it). */
  readonly categorical?: readonly string[];
  /** Default: a GradientBoostingRegressor with default hyperparameters. */
  readonly estimator?: Estimator;
  /** A TargetEncoder, or its hyperparameters. Default: min_samples_leaf 20, smoothing 1. */
  readonly encoder?: TargetEncoder | Partial<TargetEncoderParams>;
}

export interface FitOptions {
  /** Recorded in the metadata; default now. Pass a fixed date for byte-identical model files. */
  readonly trainedAt?: Date | string;
}

export interface PredictOptions {
  /** A category not seen at training: the encoder's prior (default) or an error. */
  readonly onUnknownCategory?: UnknownCategoryPolicy;
}

export interface TrainingMetadata {
  readonly estimator: EstimatorKind;
  readonly params: Readonly<Record<string, unknown>>;
  readonly encoderParams: TargetEncoderParams;
  readonly nRows: number;
  readonly trainedAt: string;
  /** random_state of the estimator, or null when it draws nothing at random. */
  readonly seed: number | null;
  /** Normalised total gain by feature name (boosted trees), or null (linear). */
  readonly featureImportances: Readonly<Record<string, number>> | null;
}

const BRAND = Symbol.for('dagrun.ml/regression-model');

/** Whether `value` is a RegressionModel (also one from another copy of this package). */
export const isRegressionModel = (value: unknown): value is RegressionModel =>
  typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;

const describeValue = (v: unknown): string =>
  v === null
    ? 'null'
    : v === undefined
      ? 'undefined'
      : typeof v === 'string'
        ? `string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`
        : typeof v === 'number'
          ? String(v)
          : Array.isArray(v)
            ? 'an array'
            : typeof v;

export class RegressionModel {
  readonly [BRAND] = true;
  readonly estimator: Estimator;
  readonly encoder: TargetEncoder;
  readonly #target: string;
  readonly #features: readonly string[] | undefined;
  readonly #categorical: readonly string[];
  #schema: FeatureSchema | undefined;
  #metadata: TrainingMetadata | undefined;
  #reader:
    | { readonly specs: readonly FeatureSpec[]; readonly onUnknown: UnknownCategoryPolicy; readonly read: RowReader }
    | undefined;

  constructor(options: RegressionModelOptions) {
    this.#target = options.target;
    this.#features = options.features;
    this.#categorical = options.categorical ?? [];
    this.estimator = options.estimator ?? new GradientBoostingRegressor();
    const enc = options.encoder;
    this.encoder =
      enc !== undefined && typeof (enc as TargetEncoder).encode === 'function'
        ? (enc as TargetEncoder)
        : new TargetEncoder((enc ?? {}) as Partial<TargetEncoderParams>);
  }

  /** Rebuilds a fitted model from its parts (used when loading). */
  static fromParts(
    schema: FeatureSchema,
    encoder: TargetEncoder,
    estimator: Estimator,
    metadata: TrainingMetadata,
  ): RegressionModel {
    const m = new RegressionModel({
      target: schema.target,
      features: schema.features.map((f) => f.name),
      categorical: schema.features.filter((f) => f.kind === 'categorical').map((f) => f.name),
      estimator,
      encoder,
    });
    m.#schema = schema;
    m.#metadata = metadata;
    return m;
  }

  get fitted(): boolean {
    return this.#schema !== undefined;
  }

  get schema(): FeatureSchema {
    return this.#need().schema;
  }

  get metadata(): TrainingMetadata {
    return this.#need().metadata;
  }

  get estimatorKind(): EstimatorKind {
    return this.estimator.kind;
  }

  /** Fits the encoder on the categorical columns, then the estimator on all features. Returns this. */
  fit(data: TabularInput, options: FitOptions = {}): this {
    const table = asTable(data);
    if (table.rows === 0)
      throw new MlError('DAGRUN_ERR_ML_EMPTY', 'RegressionModel fit: expected at least one row, but got 0.');
    const targetValues = table.column(this.#target);
    if (targetValues === undefined) throw missingColumn('Training data', 'target column', this.#target, table);
    const features = this.#features ?? table.names.filter((n) => n !== this.#target);
    if (features.includes(this.#target)) {
      throw new MlError(
        'DAGRUN_ERR_ML_PARAMS',
        `RegressionModel option 'features': expected the feature columns without the target, but got the target ` +
          `'${this.#target}' among them.`,
      );
    }
    for (const c of this.#categorical) {
      if (!features.includes(c)) {
        const mean = didYouMean(c, features);
        throw new MlError(
          'DAGRUN_ERR_ML_PARAMS',
          `RegressionModel option 'categorical': expected names among the features (${features.join(', ')}), but got ` +
            `'${c}'.`,
          {
            hint: mean ? `Hint: ${mean}` : undefined,
          },
        );
      }
    }
    const y = isNumberArray(targetValues) ? Float64Array.from(targetValues) : new Float64Array(table.rows);
    for (let i = 0; i < table.rows; i++) {
      const v = isNumberArray(targetValues) ? y[i]! : toNumber(targetValues[i]);
      if (v === undefined || !Number.isFinite(v)) {
        throw new MlError(
          'DAGRUN_ERR_ML_BAD_VALUE',
          `Target '${this.#target}' at row ${i}: expected a finite number, but got ${describeValue(targetValues[i])}.`,
          {
            hint: 'Hint: drop rows without a target before fitting.',
          },
        );
      }
      y[i] = v;
    }
    const categoricalColumns: Record<string, ArrayLike<unknown>> = {};
    for (const c of this.#categorical) {
      const col = table.column(c);
      if (col === undefined) throw missingColumn('Training data', 'feature column', c, table);
      categoricalColumns[c] = col;
    }
    this.encoder.fit(categoricalColumns, y);
    const allowMissing = this.estimator.kind === 'gradient_boosting';
    const specs: FeatureSpec[] = features.map((name) =>
      this.#categorical.includes(name)
        ? { name, kind: 'categorical' }
        : { name, kind: 'numeric', missing: allowMissing ? 'learned' : 'error' },
    );
    const { matrix, sawMissing } = this.#matrix(table, specs, 'Training data', 'prior');
    // A numeric column accepts missing values later only if the trees saw some and learned their side.
    const schema: FeatureSchema = {
      target: this.#target,
      features: specs.map((s, j) =>
        s.kind === 'numeric' ? { ...s, missing: sawMissing[j] ? 'learned' : 'error' } : s,
      ),
    };
    this.estimator.fit(matrix, y);
    const e = this.estimator;
    const importances =
      e.kind === 'gradient_boosting'
        ? Object.fromEntries(features.map((name, j) => [name, e.featureImportances[j]!]))
        : null;
    const trainedAt =
      options.trainedAt === undefined ? new Date().toISOString() : new Date(options.trainedAt).toISOString();
    this.#schema = schema;
    this.#metadata = {
      estimator: e.kind,
      params: { ...this.estimator.params },
      encoderParams: { ...this.encoder.params },
      nRows: table.rows,
      trainedAt,
      seed: e.kind === 'gradient_boosting' ? e.params.random_state : null,
      featureImportances: importances,
    };
    return this;
  }

  /**
   * Predicts every row. A missing feature column, a non-number in a numeric column, or a missing numeric
   * value the model has no learned side for, is an error naming the column and row; an unseen or missing
   * category takes the encoder's prior (or is an error with onUnknownCategory: 'error'). Never NaN.
   */
  predict(data: TabularInput, options: PredictOptions = {}): Float64Array {
    const { schema } = this.#need();
    const onUnknown = options.onUnknownCategory ?? 'prior';
    const matrix =
      (Array.isArray(data) ? this.#rowMatrix(data, schema.features, onUnknown) : undefined) ??
      this.#matrix(asTable(data), schema.features, 'Prediction input', onUnknown).matrix;
    const out = this.estimator.predict(matrix);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i]!)) throw new Error(`RegressionModel: internal error, prediction ${i} is ${out[i]}`);
    }
    return out;
  }

  /** Feature importances by name (boosted trees), or undefined for a linear model. */
  featureImportances(): Readonly<Record<string, number>> | undefined {
    return this.#need().metadata.featureImportances ?? undefined;
  }

  /**
   * The matrix straight from row objects when every value is plain (a finite number, or a category):
   * no column arrays, which is most of the time of predicting one record. Anything else (a missing
   * field, null, a string in a numeric column, an unseen category under 'error') returns undefined, and
   * #matrix handles it, so results and error messages are the same either way.
   */
  #rowMatrix(
    rows: readonly Readonly<Record<string, unknown>>[],
    specs: readonly FeatureSpec[],
    onUnknown: UnknownCategoryPolicy,
  ): Matrix | undefined {
    const n = rows.length;
    const f = specs.length;
    const read = this.#rowReader(specs, onUnknown);
    const data = new Float64Array(n * f);
    for (let i = 0; i < n; i++) {
      const row = rows[i]!;
      if (typeof row !== 'object' || row === null || !read(row, data, i * f)) return undefined;
    }
    return { rows: n, cols: f, data };
  }

  /** The RowReader of these specs, made once per schema and policy. */
  #rowReader(specs: readonly FeatureSpec[], onUnknown: UnknownCategoryPolicy): RowReader {
    const cached = this.#reader;
    if (cached !== undefined && cached.specs === specs && cached.onUnknown === onUnknown) return cached.read;
    const encoders = specs.map((spec) => (v: unknown) => this.encoder.tryEncodeValue(spec.name, v, onUnknown));
    const read = rowReader(specs, encoders);
    this.#reader = { specs, onUnknown, read };
    return read;
  }

  #matrix(
    table: Table,
    specs: readonly FeatureSpec[],
    what: string,
    onUnknown: UnknownCategoryPolicy,
  ): { matrix: Matrix; sawMissing: boolean[] } {
    const n = table.rows;
    const f = specs.length;
    const data = new Float64Array(n * f);
    const sawMissing = specs.map(() => false);
    specs.forEach((spec, j) => {
      const col = table.column(spec.name);
      if (col === undefined) throw missingColumn(what, 'feature column', spec.name, table);
      if (spec.kind === 'categorical') {
        const enc = this.encoder.encode(spec.name, col, onUnknown);
        for (let i = 0; i < n; i++) data[i * f + j] = enc[i]!;
        return;
      }
      if (isNumberArray(col)) {
        // Numbers only: copy while they are finite; at a NaN or an infinity, the loop below names the row.
        let finite = true;
        for (let i = 0; i < n && finite; i++) {
          const v = col[i]!;
          finite = v - v === 0;
          data[i * f + j] = v;
        }
        if (finite) return;
      }
      for (let i = 0; i < n; i++) {
        const raw = col[i];
        const v = toFeatureNumber(raw);
        if (v === undefined) {
          throw new MlError(
            'DAGRUN_ERR_ML_BAD_VALUE',
            `Feature '${spec.name}' at row ${i}: expected a number, but got ${describeValue(raw)}.`,
            {
              hint:
                typeof raw === 'string'
                  ? 'Hint: convert the column to numbers, or declare it under categorical if it is a category.'
                  : undefined,
            },
          );
        }
        if (Number.isNaN(v)) {
          if (spec.missing !== 'learned') {
            throw new MlError(
              'DAGRUN_ERR_ML_BAD_VALUE',
              `Feature '${spec.name}' at row ${i}: expected a number, but got ${describeValue(raw)}.`,
              {
                hint:
                  this.estimator.kind === 'linear'
                    ? 'Hint: a linear model cannot use a missing value; fill or drop the row.'
                    : `Hint: the model saw no missing value in '${spec.name}' at training, so it has no learned side ` +
                      'for one; fill or drop the row.',
              },
            );
          }
          sawMissing[j] = true;
        } else if (!Number.isFinite(v)) {
          throw new MlError(
            'DAGRUN_ERR_ML_BAD_VALUE',
            `Feature '${spec.name}' at row ${i}: expected a finite number, but got ${String(v)}.`,
          );
        }
        data[i * f + j] = v;
      }
    });
    return { matrix: { rows: n, cols: f, data }, sawMissing };
  }

  #need(): { schema: FeatureSchema; metadata: TrainingMetadata } {
    if (!this.#schema || !this.#metadata) {
      throw new MlError(
        'DAGRUN_ERR_ML_NOT_FITTED',
        'RegressionModel: expected a fitted model, but got one that was never fitted.',
        { hint: 'Hint: call fit(data) first, or load a saved model.' },
      );
    }
    return { schema: this.#schema, metadata: this.#metadata };
  }
}

/** Writes one row object's features to data[base…]; false when a value is not plain (see #rowMatrix). */
type RowReader = (row: Readonly<Record<string, unknown>>, data: Float64Array, base: number) => boolean;

/**
 * A RowReader over the specs: per feature, one property read and the check #matrix would make. A name that
 * Object.prototype also has (e.g. 'constructor') is checked with Object.hasOwn first, so an inherited value
 * is never read as the row's; for other names a missing field reads undefined: a numeric check refuses it,
 * and a categorical one asks Object.hasOwn only then (an own undefined is encoded, as in #matrix). A
 * boolean in a numeric feature reads as 1 or 0, as in #matrix.
 */
const rowReader = (
  specs: readonly FeatureSpec[],
  encoders: readonly ((v: unknown) => number | undefined)[],
): RowReader => {
  const fields = specs.map((spec, j) => ({
    name: spec.name,
    inherited: spec.name in Object.prototype,
    encode: spec.kind === 'categorical' ? encoders[j] : undefined,
  }));
  return (row, data, base) => {
    for (let j = 0; j < fields.length; j++) {
      const { name, inherited, encode } = fields[j]!;
      if (inherited && !Object.hasOwn(row, name)) return false;
      let x = row[name];
      if (encode !== undefined) {
        if (x === undefined && !Object.hasOwn(row, name)) return false;
        x = encode(x);
        if (x === undefined) return false;
      } else if (typeof x !== 'number' || x - x !== 0) {
        if (typeof x !== 'boolean') return false;
        x = +x;
      }
      data[base + j] = x as number;
    }
    return true;
  };
};

/** A typed array of numbers (not of bigints): every value is a number, no check needed per value. */
const isNumberArray = (a: ArrayLike<unknown>): a is ArrayLike<number> =>
  ArrayBuffer.isView(a) && !(a instanceof BigInt64Array) && !(a instanceof BigUint64Array) && !(a instanceof DataView);

/** A number, NaN for a missing value (null, undefined, NaN), or undefined for something that is no number. */
const toNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return Number.NaN;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
};

/** toNumber for a numeric feature, which also takes a boolean as 1 or 0 (scikit-learn's cast of a bool column). */
const toFeatureNumber = (v: unknown): number | undefined => (typeof v === 'boolean' ? +v : toNumber(v));

const missingColumn = (what: string, role: string, name: string, table: Table): MlError => {
  const mean = didYouMean(name, table.names);
  return new MlError(
    'DAGRUN_ERR_ML_MISSING_COLUMN',
    `${what}: expected ${role} '${name}', but got only ${table.names.map((c) => `'${c}'`).join(', ') || 'no column'}.`,
    {
      hint: mean ? `Hint: ${mean}` : undefined,
    },
  );
};
