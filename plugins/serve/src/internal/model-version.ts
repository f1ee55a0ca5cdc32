// Which version of the model dataset "newest" means when serving follows it. A dagrun save version is the
// id of the run that saved it, so its run record (runs_dir/<version>.json) says whether that run completed:
// a version whose run is still going, was killed or failed (say, between saving the model and its metrics)
// is passed over. Any other version (a registry's number, whose store registers it only once its run has
// finished) is taken as its store lists it.

import { DatasetError, readRunRecord, VERSION_RE, type Project } from '@dagrun/core';
import { join, relative } from 'node:path';

/** A version newer than the one chosen, and why it was passed over. */
export interface SkippedVersion {
  readonly version: string;
  /** A phrase for after the version: "its run failed at node 'evaluate_model' (.dagrun/runs/….json says 'failed')". */
  readonly reason: string;
}

export interface Followed {
  /** The newest version that may be served; undefined when `versions` was empty or none may be. */
  readonly version: string | undefined;
  /** The newer versions passed over, newest first. */
  readonly skipped: readonly SkippedVersion[];
}

/**
 * Why `version` may not be served as the newest, or undefined when it may (its run completed, or it is no dagrun save
 * version).
 */
export const incompleteReason = async (project: Project, version: string): Promise<string | undefined> => {
  if (!VERSION_RE.test(version)) return undefined;
  const file = relative(project.dir, join(project.runsDir, `${version}.json`));
  const record = await readRunRecord(project.runsDir, version);
  if (record === undefined) return `no run record says its run completed (no readable ${file})`;
  if (record.status === 'ok') return undefined;
  if (record.status === 'running')
    return `its run has not finished (${file} says 'running': the run is still going, or was killed)`;
  if (record.status === 'failed')
    return `its run failed${record.error?.node ? ` at node '${record.error.node}'` : ''} (${file} says 'failed')`;
  return `its run record says '${String(record.status)}', not 'ok' (${file})`;
};

/**
 * Walks `versions` (newest first, as Dataset.versions() lists them) to the first that may be served.
 * `known`: a version already checked (the one served now); the walk ends there without reading its record.
 */
export const newestComplete = async (
  project: Project,
  versions: readonly string[],
  known?: string,
): Promise<Followed> => {
  const skipped: SkippedVersion[] = [];
  for (const version of versions) {
    if (version === known) return { version, skipped };
    const reason = await incompleteReason(project, version);
    if (reason === undefined) return { version, skipped };
    skipped.push({ version, reason });
  }
  return { version: undefined, skipped };
};

/** The one line that tells of a version passed over at start-up (or on an admin reload without a version). */
export const skipNotice = (dataset: string, skipped: SkippedVersion, served: string | undefined): string =>
  `Model '${dataset}': skipped version ${skipped.version}: ${skipped.reason}; serving ${served ?? 'unversioned'}, ` +
  'the newest version whose run completed.';

/** Serving refuses: the dataset has versions, but no run that saved one completed. */
export const noCompleteVersion = (dataset: string, skipped: readonly SkippedVersion[]): DatasetError => {
  const newest = skipped[0];
  const count = skipped.length === 1 ? 'one version' : `${skipped.length} versions`;
  return new DatasetError(
    'DAGRUN_ERR_DATASET_VERSION',
    `Model dataset '${dataset}': expected a version whose run completed (its run record says 'ok'), but got ` +
      `${count}, none complete; the newest, ${newest?.version ?? '?'}: ${newest?.reason ?? '?'}.`,
    {
      hint:
        'Hint: run the training pipeline again to save a complete version, or serve this one on purpose ' +
        `with --model-version ${newest?.version ?? '<version>'}.`,
    },
  );
};
