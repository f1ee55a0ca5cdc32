// The coded errors of @dagrun/tracking, in the engine's wording: "<what> '<name>': expected X, but got Y."
// They extend core's DagrunError so the CLI prints them without a stack trace; docs/errors.md lists them.

import { DagrunError, type ErrorCode, type SourceLocation } from '@dagrun/core';

/** Every error code this package raises, with what it means. */
export const TRACKING_ERROR_CODES = {
  DAGRUN_ERR_TRACKING_CONFIG:
    'conf/<env>/tracking.yaml breaks its schema, or names a dataset the catalog does not have.',
  DAGRUN_ERR_TRACKING_STORE:
    'The tracking store location is not a folder (or does not exist where a command needs one).',
  DAGRUN_ERR_TRACKING_CORRUPT:
    "A run's or model's meta.yaml cannot be read (missing, not YAML, or fields that contradict its folder).",
  DAGRUN_ERR_TRACKING_NOT_FOUND:
    'No run, or no unique run, has the id (or prefix) given; or no experiment has the name given.',
  DAGRUN_ERR_TRACKING_STATE:
    'The run is in a lifecycle stage that does not allow the operation ' +
    '(logging to a deleted run, restoring an active one).',
  DAGRUN_ERR_TRACKING_KEY:
    'A param, metric, tag or artifact name has characters MLflow does not allow, or an artifact path leaves the run.',
  DAGRUN_ERR_TRACKING_PARAM_CHANGED:
    'A param was logged again with another value (params are immutable, as in MLflow).',
  DAGRUN_ERR_TRACKING_FILTER:
    'A `--filter` or `--sort` expression does not parse; the message shows the character where it went wrong.',
  DAGRUN_ERR_REGISTRY_NOT_FOUND: 'No registered model, version or alias of that name.',
  DAGRUN_ERR_REGISTRY_URI:
    'A model URI is not `models:/NAME/VERSION` or `models:/NAME@ALIAS`, or a version has no model files.',
  DAGRUN_ERR_REGISTRY_PROMOTION: 'A promotion rule refused the version, or names a metric the run does not have.',
  DAGRUN_ERR_UI_REQUEST:
    "A request to the ui's JSON API breaks its schema " +
    '(a query parameter out of range, a bad filter or sort): answered 400.',
  DAGRUN_ERR_UI_NOT_FOUND: 'No such route, run, experiment or artifact in the ui: answered 404.',
  DAGRUN_ERR_UI_HOST:
    'A request to a ui listening on a loopback address named another Host (DNS rebinding): answered 403.',
  DAGRUN_ERR_UI_INTERNAL: 'The ui failed to read the store for a request (the message says what): answered 500.',
} as const;

export type TrackingErrorCode = keyof typeof TRACKING_ERROR_CODES;

export interface TrackingErrorOptions {
  readonly cause?: unknown;
  readonly hint?: string | undefined;
  readonly location?: SourceLocation | undefined;
}

/** An error of this package: `code` is one of TRACKING_ERROR_CODES, `detail` the sentence without the hint. */
export class TrackingError extends DagrunError {
  constructor(code: TrackingErrorCode, detail: string, options: TrackingErrorOptions = {}) {
    // core's ErrorCode union is closed to the engine's own codes; a plugin's codes travel as the same string field.
    super(code as unknown as ErrorCode, detail, options);
  }
}
