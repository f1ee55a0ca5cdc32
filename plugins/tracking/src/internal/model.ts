// The shapes of the tracking store, as MLflow 2.x's file store defines them (mlflow/entities): experiments,
// runs with their params, metrics and tags, and the registry's models, versions and aliases. Plain data:
// the store reads and writes them, the commands, the filter and the ui only look at them.

export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** meta.yaml holds the status as MLflow's RunStatus enum: RUNNING 1, SCHEDULED 2, FINISHED 3, FAILED 4, KILLED 5. */
export const STATUS_CODE: Readonly<Record<RunStatus, number>> = {
  RUNNING: 1,
  SCHEDULED: 2,
  FINISHED: 3,
  FAILED: 4,
  KILLED: 5,
};

export type LifecycleStage = 'active' | 'deleted';

export interface Experiment {
  readonly id: string;
  readonly name: string;
  readonly artifactLocation: string;
  readonly lifecycleStage: LifecycleStage;
  readonly creationTime: number | null;
  readonly lastUpdateTime: number | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** One line of a metric file: `timestamp value step`. */
export interface MetricPoint {
  readonly timestamp: number;
  readonly value: number;
  readonly step: number;
}

export interface RunInfo {
  /** 32 hex characters (uuid4 without dashes). */
  readonly runId: string;
  readonly runName: string;
  readonly experimentId: string;
  readonly userId: string;
  readonly status: RunStatus;
  /** Milliseconds since the epoch. */
  readonly startTime: number | null;
  readonly endTime: number | null;
  readonly lifecycleStage: LifecycleStage;
  readonly artifactUri: string;
}

/** A run as listed and compared: its info, every param and tag, and each metric's latest value. */
export interface Run extends RunInfo {
  readonly params: Readonly<Record<string, string>>;
  /** The value of the point with the largest (step, timestamp, value), as MLflow picks it. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly tags: Readonly<Record<string, string>>;
}

export interface RegisteredModel {
  readonly name: string;
  readonly creationTimestamp: number | null;
  readonly lastUpdatedTimestamp: number | null;
  readonly description: string | null;
  /** alias → version. */
  readonly aliases: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly creationTimestamp: number | null;
  readonly lastUpdatedTimestamp: number | null;
  readonly description: string | null;
  readonly userId: string | null;
  /** MLflow's stage ('None', 'Staging', 'Production', 'Archived'); aliases replace stages. */
  readonly currentStage: string;
  /** Where the model's files are: `runs:/<run id>/<path>` or a file URI. */
  readonly source: string;
  readonly storageLocation: string | null;
  readonly runId: string | null;
  readonly status: string;
  readonly aliases: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
}

/** A part of the store that could not be read: named by its file, with what is wrong; never hides the rest. */
export interface StoreProblem {
  readonly file: string;
  readonly message: string;
}
