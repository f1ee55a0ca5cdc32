// The last-run overlay: a run record (.dagrun/runs/<id>.json) mapped onto the model's node ids.
// Nodes the record does not mention (another pipeline's, or not reached when the run stopped) are `not_run`.

import type { RunRecord } from '@dagrun/core';
import type { RunNode, RunOverlay } from './model.js';

export const runOverlay = (
  record: RunRecord,
  idsByName: ReadonlyMap<string, readonly string[]>,
  nodeIds: readonly string[],
): RunOverlay => {
  const nodes: Record<string, RunNode> = Object.fromEntries(
    nodeIds.map((id) => [id, { status: 'not_run' } satisfies RunNode]),
  );
  for (const n of record.nodes) {
    for (const id of idsByName.get(n.name) ?? []) {
      nodes[id] = {
        status: n.status,
        durationMs: n.durationMs,
        error: n.error ? { code: n.error.code, message: n.error.message } : undefined,
      };
    }
  }
  const saved: Record<string, { version: string | undefined; durationMs: number }> = {};
  for (const d of record.datasets) saved[`d:${d.name}`] = { version: d.version, durationMs: d.durationMs };
  return {
    runId: record.runId,
    pipeline: record.pipeline,
    status: record.status,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    durationMs: record.durationMs,
    error: record.error
      ? { code: record.error.code, message: record.error.message, node: record.error.node }
      : undefined,
    resumeCommand: record.resumeCommand,
    nodes,
    saved,
  };
};
