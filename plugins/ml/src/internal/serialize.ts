// The versioned JSON form of a RegressionModel ('dagrun.ml/regression-model', format version 1) and the
// dagrun Codec that saves and loads it through a catalog `object` entry. Loading checks the structure, so a
// damaged or foreign file fails with the path of the first bad field rather than predicting nonsense.

import type { Codec } from '@dagrun/core';
import { MlError } from './errors.js';
import type { Tree } from './forest.js';
import { GradientBoostingRegressor, type GradientBoostingParams } from './gbdt.js';
import { LinearRegressor } from './linear.js';
import {
  isRegressionModel,
  RegressionModel,
  type EstimatorKind,
  type FeatureSchema,
  type FeatureSpec,
  type TrainingMetadata,
} from './model.js';
import { TargetEncoder, type EncoderTable, type TargetEncoderParams } from './target-encoder.js';

export const MODEL_FORMAT = 'dagrun.ml/regression-model';
export const MODEL_FORMAT_VERSION = 1;

export interface SerializedTree {
  /** Per node, in preorder; -1 marks a leaf. */
  readonly feature: number[];
  readonly threshold: number[];
  /** 1 when a missing value goes left. */
  readonly missing_left: number[];
  readonly left: number[];
  readonly right: number[];
  readonly value: number[];
  readonly count: number[];
}

export type SerializedEstimator =
  | {
      readonly kind: 'gradient_boosting';
      readonly params: GradientBoostingParams;
      readonly n_features: number;
      readonly init: number;
      readonly trees: SerializedTree[];
    }
  | {
      readonly kind: 'linear';
      readonly params: Record<string, never>;
      readonly n_features: number;
      readonly intercept: number;
      readonly coefficients: number[];
    };

export interface SerializedRegressionModel {
  readonly format: typeof MODEL_FORMAT;
  readonly formatVersion: number;
  readonly featureSchema: FeatureSchema;
  readonly encoder: {
    readonly params: TargetEncoderParams;
    readonly prior: number;
    readonly tables: Readonly<Record<string, EncoderTable>>;
  };
  readonly estimator: SerializedEstimator;
  readonly training: TrainingMetadata;
}

/** The model as plain JSON-ready data. Numbers survive JSON exactly, so a reloaded model predicts the same bits. */
export const serializeModel = (model: RegressionModel): SerializedRegressionModel => {
  const { schema, metadata } = model;
  const e = model.estimator;
  const estimator: SerializedEstimator =
    e.kind === 'gradient_boosting'
      ? {
          kind: 'gradient_boosting',
          params: { ...e.state.params },
          n_features: e.state.nFeatures,
          init: e.state.init,
          trees: e.state.trees.map((t) => ({
            feature: Array.from(t.feature),
            threshold: Array.from(t.threshold),
            missing_left: Array.from(t.missingLeft),
            left: Array.from(t.left),
            right: Array.from(t.right),
            value: Array.from(t.value),
            count: Array.from(t.count),
          })),
        }
      : {
          kind: 'linear',
          params: {},
          n_features: e.state.nFeatures,
          intercept: e.state.intercept,
          coefficients: Array.from(e.state.coefficients),
        };
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    featureSchema: { target: schema.target, features: schema.features.map((f) => ({ ...f })) },
    encoder: {
      params: { ...model.encoder.params },
      prior: model.encoder.prior,
      tables: Object.fromEntries(
        Object.entries(model.encoder.tables).map(([k, t]) => [k, { values: { ...t.values }, counts: { ...t.counts } }]),
      ),
    },
    estimator,
    training: { ...metadata, params: { ...metadata.params }, encoderParams: { ...metadata.encoderParams } },
  };
};

// ---- loading, with a check of every field ----

const describeGot = (got: unknown): string =>
  got === null
    ? 'null'
    : Array.isArray(got)
      ? 'an array'
      : typeof got === 'string'
        ? `'${got}'`
        : typeof got === 'object'
          ? 'an object'
          : String(got);

const bad = (path: string, expected: string, got: unknown): MlError =>
  new MlError('DAGRUN_ERR_ML_FORMAT', `Model JSON at ${path}: expected ${expected}, but got ${describeGot(got)}.`);

type Obj = Readonly<Record<string, unknown>>;
const obj = (v: unknown, path: string): Obj => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(path, 'an object', v);
  return v as Obj;
};
const num = (v: unknown, path: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(path, 'a finite number', v);
  return v;
};
const str = (v: unknown, path: string): string => {
  if (typeof v !== 'string') throw bad(path, 'a string', v);
  return v;
};
const nums = (v: unknown, path: string, length?: number): number[] => {
  if (!Array.isArray(v)) throw bad(path, 'an array of numbers', v);
  if (length !== undefined && v.length !== length)
    throw bad(`${path}.length`, `${length} (as many as feature)`, v.length);
  for (const [i, x] of v.entries()) num(x, `${path}[${i}]`);
  return v as number[];
};
const numRecord = (v: unknown, path: string): Record<string, number> => {
  const o = obj(v, path);
  const out: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [k, x] of Object.entries(o)) out[k] = num(x, `${path}['${k}']`);
  return out;
};

const readTree = (v: unknown, path: string, nFeatures: number): Tree => {
  const t = obj(v, path);
  const feature = nums(t.feature, `${path}.feature`);
  const n = feature.length;
  if (n === 0) throw bad(`${path}.feature`, 'at least one node', 'an empty array');
  const tree: Tree = {
    feature: Int32Array.from(feature),
    threshold: Float64Array.from(nums(t.threshold, `${path}.threshold`, n)),
    missingLeft: Uint8Array.from(nums(t.missing_left, `${path}.missing_left`, n)),
    left: Int32Array.from(nums(t.left, `${path}.left`, n)),
    right: Int32Array.from(nums(t.right, `${path}.right`, n)),
    value: Float64Array.from(nums(t.value, `${path}.value`, n)),
    count: Float64Array.from(nums(t.count, `${path}.count`, n)),
  };
  for (let i = 0; i < n; i++) {
    const f = tree.feature[i]!;
    if (f === -1) continue;
    if (!Number.isInteger(feature[i]) || f < 0 || f >= nFeatures)
      throw bad(`${path}.feature[${i}]`, `-1 or a feature index below ${nFeatures}`, feature[i]);
    // Preorder: children come after their parent, so a walk always ends.
    for (const side of ['left', 'right'] as const) {
      const c = tree[side][i]!;
      if (c <= i || c >= n) throw bad(`${path}.${side}[${i}]`, `a node index in ${i + 1}..${n - 1}`, c);
    }
  }
  return tree;
};

/** Rebuilds a model from its JSON form, checking format, version and structure. */
export const deserializeModel = (json: unknown): RegressionModel => {
  const root = obj(json, '(root)');
  if (root.format !== MODEL_FORMAT) throw bad('format', `'${MODEL_FORMAT}'`, root.format);
  const version = root.formatVersion;
  if (version !== MODEL_FORMAT_VERSION) {
    const err = bad('formatVersion', `${MODEL_FORMAT_VERSION}`, version);
    throw new MlError('DAGRUN_ERR_ML_FORMAT', err.detail, {
      hint:
        typeof version === 'number' && version > MODEL_FORMAT_VERSION
          ? 'Hint: the model was written by a newer @dagrun/ml; upgrade this package to load it.'
          : undefined,
    });
  }
  const s = obj(root.featureSchema, 'featureSchema');
  const featuresJson = s.features;
  if (!Array.isArray(featuresJson) || featuresJson.length === 0)
    throw bad('featureSchema.features', 'a non-empty array', featuresJson);
  const features: FeatureSpec[] = featuresJson.map((f, i) => {
    const o = obj(f, `featureSchema.features[${i}]`);
    const name = str(o.name, `featureSchema.features[${i}].name`);
    if (o.kind === 'categorical') return { name, kind: 'categorical' };
    if (o.kind !== 'numeric') throw bad(`featureSchema.features[${i}].kind`, "'numeric' or 'categorical'", o.kind);
    if (o.missing !== 'learned' && o.missing !== 'error')
      throw bad(`featureSchema.features[${i}].missing`, "'learned' or 'error'", o.missing);
    return { name, kind: 'numeric', missing: o.missing };
  });
  features.forEach((f, i) => {
    if (features.findIndex((g) => g.name === f.name) !== i)
      throw bad(`featureSchema.features[${i}].name`, 'a name no other feature has', f.name);
  });
  const schema: FeatureSchema = { target: str(s.target, 'featureSchema.target'), features };

  const enc = obj(root.encoder, 'encoder');
  const encParams = obj(enc.params, 'encoder.params');
  const tablesJson = obj(enc.tables, 'encoder.tables');
  const tables: Record<string, EncoderTable> = {};
  for (const f of features.filter((x) => x.kind === 'categorical')) {
    if (!Object.hasOwn(tablesJson, f.name))
      throw bad(`encoder.tables['${f.name}']`, 'the table of a categorical feature', undefined);
    const t = obj(tablesJson[f.name], `encoder.tables['${f.name}']`);
    tables[f.name] = {
      values: numRecord(t.values, `encoder.tables['${f.name}'].values`),
      counts: numRecord(t.counts, `encoder.tables['${f.name}'].counts`),
    };
  }
  const encoder = TargetEncoder.fromTables(
    encParams as Partial<TargetEncoderParams>,
    num(enc.prior, 'encoder.prior'),
    tables,
  );

  const e = obj(root.estimator, 'estimator');
  const nFeatures = num(e.n_features, 'estimator.n_features');
  if (nFeatures !== features.length)
    throw bad('estimator.n_features', `${features.length} (the number of features in featureSchema)`, nFeatures);
  let estimator: GradientBoostingRegressor | LinearRegressor;
  const kind = e.kind as EstimatorKind;
  if (kind === 'gradient_boosting') {
    const params = new GradientBoostingRegressor(obj(e.params, 'estimator.params')).params;
    const treesJson = e.trees;
    if (!Array.isArray(treesJson)) throw bad('estimator.trees', 'an array', treesJson);
    const trees = treesJson.map((t, i) => readTree(t, `estimator.trees[${i}]`, nFeatures));
    const importances = obj(root.training, 'training').featureImportances;
    const fi =
      importances === null || importances === undefined ? {} : numRecord(importances, 'training.featureImportances');
    estimator = GradientBoostingRegressor.fromState({
      params,
      nFeatures,
      init: num(e.init, 'estimator.init'),
      trees,
      featureImportances: Float64Array.from(features, (f) => fi[f.name] ?? 0),
      nTrainRows: num(obj(root.training, 'training').nRows, 'training.nRows'),
    });
  } else if (kind === 'linear') {
    estimator = LinearRegressor.fromState({
      nFeatures,
      intercept: num(e.intercept, 'estimator.intercept'),
      coefficients: Float64Array.from(nums(e.coefficients, 'estimator.coefficients', nFeatures)),
      nTrainRows: num(obj(root.training, 'training').nRows, 'training.nRows'),
    });
  } else throw bad('estimator.kind', "'gradient_boosting' or 'linear'", e.kind);

  const tr = obj(root.training, 'training');
  const metadata: TrainingMetadata = {
    estimator: kind,
    params: obj(tr.params, 'training.params'),
    encoderParams: encoder.params,
    nRows: num(tr.nRows, 'training.nRows'),
    trainedAt: str(tr.trainedAt, 'training.trainedAt'),
    seed: tr.seed === null ? null : num(tr.seed, 'training.seed'),
    featureImportances:
      tr.featureImportances === null ? null : numRecord(tr.featureImportances, 'training.featureImportances'),
  };
  return RegressionModel.fromParts(schema, encoder, estimator, metadata);
};

/** Saves and loads a RegressionModel through a catalog `object` entry (registered by this package's plugin). */
export const regressionModelCodec: Codec<RegressionModel> = {
  name: MODEL_FORMAT,
  test: (value) => isRegressionModel(value),
  serialize: (model) => serializeModel(model),
  deserialize: (json) => deserializeModel(json),
};
