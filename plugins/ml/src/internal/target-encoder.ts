// Target encoding with category_encoders' semantics: each category becomes a blend of its mean target and
// the overall mean (the prior), weighted by a sigmoid of its count. Seen once, unseen or missing: the prior.

import { MlError } from './errors.js';
import { checkParams, type ParamSpec } from './params.js';

export interface TargetEncoderParams {
  /** The count at which a category's own mean and the prior weigh the same. Default 20. */
  readonly min_samples_leaf: number;
  /** How fast the weight moves from the prior to the category mean around min_samples_leaf. Default 1. */
  readonly smoothing: number;
}

export const TARGET_ENCODER_DEFAULTS: TargetEncoderParams = { min_samples_leaf: 20, smoothing: 1 };

const SPECS: { readonly [K in keyof TargetEncoderParams]: ParamSpec } = {
  min_samples_leaf: { kind: 'number', min: 0 },
  smoothing: { kind: 'number', min: 0, minExclusive: true },
};

/** One column's encoding: value and training count per category. */
export interface EncoderTable {
  readonly values: Readonly<Record<string, number>>;
  readonly counts: Readonly<Record<string, number>>;
}

/** What encode() does with a category it never saw: use the prior (default) or throw. */
export type UnknownCategoryPolicy = 'prior' | 'error';

/** The key a categorical value is looked up by, or undefined for a missing value (null, undefined, '', NaN). */
export const categoryKey = (v: unknown, column: string, row: number): string | undefined => {
  if (v === null || v === undefined || v === '' || (typeof v === 'number' && Number.isNaN(v))) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  throw new MlError(
    'DAGRUN_ERR_ML_BAD_VALUE',
    `Categorical feature '${column}' at row ${row}: expected a string, number or boolean, but got ` +
      `${Array.isArray(v) ? 'an array' : typeof v}.`,
  );
};

/** Weight of a category's own mean given its count (category_encoders' "smoove"). */
export const smoothingWeight = (count: number, minSamplesLeaf: number, smoothing: number): number =>
  1 / (1 + Math.exp(-(count - minSamplesLeaf) / smoothing));

const lookup = (
  table: EncoderTable,
  prior: number,
  column: string,
  value: unknown,
  row: number,
  onUnknown: UnknownCategoryPolicy,
): number => {
  const key = categoryKey(value, column, row);
  const v = key === undefined ? prior : Object.hasOwn(table.values, key) ? table.values[key] : undefined;
  if (v !== undefined) return v;
  if (onUnknown === 'error') {
    throw new MlError(
      'DAGRUN_ERR_ML_UNKNOWN_CATEGORY',
      `Categorical feature '${column}' at row ${row}: expected one of ${Object.keys(table.values)
        .map((k) => `'${k}'`)
        .join(', ')}, but got '${key}'.`,
      {
        hint: "Hint: unseen categories take the prior unless onUnknownCategory is 'error'.",
      },
    );
  }
  return prior;
};

export class TargetEncoder {
  readonly params: TargetEncoderParams;
  #prior: number | undefined;
  #tables: Record<string, EncoderTable> = {};

  constructor(params: Partial<TargetEncoderParams> | Readonly<Record<string, unknown>> = {}) {
    this.params = checkParams('TargetEncoder', params as Record<string, unknown>, SPECS, TARGET_ENCODER_DEFAULTS);
  }

  /** Rebuilds a fitted encoder from its prior and tables. */
  static fromTables(
    params: Partial<TargetEncoderParams>,
    prior: number,
    tables: Readonly<Record<string, EncoderTable>>,
  ): TargetEncoder {
    const e = new TargetEncoder(params);
    e.#prior = prior;
    e.#tables = { ...tables };
    return e;
  }

  get fitted(): boolean {
    return this.#prior !== undefined;
  }

  /** The mean target of the training rows. */
  get prior(): number {
    return this.#need();
  }

  get tables(): Readonly<Record<string, EncoderTable>> {
    this.#need();
    return this.#tables;
  }

  get columns(): string[] {
    return Object.keys(this.#tables);
  }

  /** Learns one table per column of `columns` from the target `y`. Returns this. */
  fit(columns: Readonly<Record<string, ArrayLike<unknown>>>, y: ArrayLike<number>): this {
    const n = y.length;
    if (n === 0) throw new MlError('DAGRUN_ERR_ML_EMPTY', 'TargetEncoder fit: expected at least one row, but got 0.');
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const v = y[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new MlError(
          'DAGRUN_ERR_ML_BAD_VALUE',
          `TargetEncoder target at row ${i}: expected a finite number, but got ` +
            `${typeof v === 'number' ? String(v) : typeof v}.`,
        );
      }
      sum += v;
    }
    const prior = sum / n;
    const { min_samples_leaf: msl, smoothing } = this.params;
    const tables: Record<string, EncoderTable> = {};
    for (const [name, values] of Object.entries(columns)) {
      if (values.length !== n)
        throw new MlError(
          'DAGRUN_ERR_ML_SHAPE',
          `TargetEncoder column '${name}': expected ${n} values (one per target value), but got ${values.length}.`,
        );
      const stats = new Map<string, [number, number]>();
      for (let i = 0; i < n; i++) {
        const key = categoryKey(values[i], name, i);
        if (key === undefined) continue;
        const s = stats.get(key);
        if (s) {
          s[0] += 1;
          s[1] += y[i]!;
        } else stats.set(key, [1, y[i]!]);
      }
      // Null-prototype records: a category named '__proto__' or 'constructor' is just a key.
      const encoded: Record<string, number> = Object.create(null) as Record<string, number>;
      const counts: Record<string, number> = Object.create(null) as Record<string, number>;
      for (const [key, [count, total]] of [...stats].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        const smoove = smoothingWeight(count, msl, smoothing);
        // A category seen once says nothing about itself: category_encoders gives it the prior.
        encoded[key] = count === 1 ? prior : prior * (1 - smoove) + (total / count) * smoove;
        counts[key] = count;
      }
      tables[name] = { values: encoded, counts };
    }
    this.#prior = prior;
    this.#tables = tables;
    return this;
  }

  /**
   * Encodes one fitted column. Missing values (null, undefined, '', NaN) take the prior; so do unseen
   * categories, unless `onUnknown` is 'error'.
   */
  encode(column: string, values: ArrayLike<unknown>, onUnknown: UnknownCategoryPolicy = 'prior'): Float64Array {
    const prior = this.#need();
    const table = this.#table(column);
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = lookup(table, prior, column, values[i], i, onUnknown);
    return out;
  }

  /**
   * Encodes one value of a fitted column as encode() would, or returns undefined where encode() would
   * throw (a value of the wrong kind, an unseen category under 'error'), so the caller can word the error.
   */
  tryEncodeValue(column: string, value: unknown, onUnknown: UnknownCategoryPolicy = 'prior'): number | undefined {
    const prior = this.#need();
    const table = this.#tables[column];
    if (!table) return undefined;
    try {
      return lookup(table, prior, column, value, 0, onUnknown);
    } catch {
      return undefined;
    }
  }

  #table(column: string): EncoderTable {
    const table = this.#tables[column];
    if (!table) {
      throw new MlError(
        'DAGRUN_ERR_ML_MISSING_COLUMN',
        `TargetEncoder column '${column}': expected one of the fitted columns ` +
          `(${this.columns.join(', ') || 'none'}), but got a column it was not fitted on.`,
      );
    }
    return table;
  }

  /** Encodes every fitted column of `columns`. */
  transform(
    columns: Readonly<Record<string, ArrayLike<unknown>>>,
    onUnknown: UnknownCategoryPolicy = 'prior',
  ): Record<string, Float64Array> {
    this.#need();
    const out: Record<string, Float64Array> = {};
    for (const name of this.columns) {
      const values = columns[name];
      if (values === undefined) {
        throw new MlError(
          'DAGRUN_ERR_ML_MISSING_COLUMN',
          `TargetEncoder input: expected column '${name}', but got only ${
            Object.keys(columns)
              .map((c) => `'${c}'`)
              .join(', ') || 'no column'
          }.`,
        );
      }
      out[name] = this.encode(name, values, onUnknown);
    }
    return out;
  }

  #need(): number {
    if (this.#prior === undefined) {
      throw new MlError(
        'DAGRUN_ERR_ML_NOT_FITTED',
        'TargetEncoder: expected a fitted encoder, but got one that was never fitted.',
        { hint: 'Hint: call fit(columns, y) first.' },
      );
    }
    return this.#prior;
  }
}
