// The JSON record of one run, written under the project (default .dagrun/runs/<runId>.json) for
// the graph viewer, tracking and people. Written atomically when the run starts and when it ends.

import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ContractReport } from './contract.js';
import type { ResumePlan } from './errors.js';

export type NodeStatus = 'ok' | 'failed' | 'not_run' | 'skipped';

export interface NodeRecord {
  name: string;
  func: string;
  status: NodeStatus;
  startedAt?: string;
  /** The whole step: loading inputs, the function, checking and saving outputs. */
  durationMs?: number;
  /** Loading the inputs, the function alone, and checking and saving the outputs (of a node that completed). */
  loadMs?: number;
  computeMs?: number;
  saveMs?: number;
  error?: { code: string; message: string };
}

export interface SavedDatasetRecord {
  name: string;
  node: string;
  location?: string | undefined;
  version?: string | undefined;
  durationMs: number;
}

export interface RunRecord {
  formatVersion: 1;
  runId: string;
  project: string;
  pipeline: string;
  env: string[];
  status: 'running' | 'ok' | 'failed';
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  params: Record<string, unknown>;
  filters: Record<string, readonly string[]>;
  saveVersion: string;
  loadVersions: Record<string, string>;
  nodes: NodeRecord[];
  datasets: SavedDatasetRecord[];
  error?: { code: string; message: string; node?: string | undefined };
  /** Data contract checks that found broken rules (drop, flag and warn let the run go on; fail stops it). */
  contracts?: ContractReport[];
  /** How to pick up a failed run, as data, and as the command line it renders to (relative to the project). */
  resume?: ResumePlan;
  resumeCommand?: string;
}

export const writeRunRecord = async (dir: string, record: RunRecord): Promise<string> => {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${record.runId}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, file);
  return file;
};

/** Run ids, newest first. */
export const listRuns = async (dir: string): Promise<string[]> => {
  try {
    return (await readdir(dir))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length))
      .sort()
      .reverse();
  } catch {
    return [];
  }
};

/** The record of `runId`, or of the newest run when omitted; undefined when there is none. */
export const readRunRecord = async (dir: string, runId?: string): Promise<RunRecord | undefined> => {
  const id = runId ?? (await listRuns(dir))[0];
  if (!id) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, `${id}.json`), 'utf8')) as RunRecord;
  } catch {
    return undefined;
  }
};
