// Reading one run folder as MLflow 2.x lays it out (meta.yaml, params/, metrics/, tags/), whoever wrote
// it: dagrun or Python MLflow. A part that cannot be read is a problem naming its file; the rest of the
// run (and every other run) is still read.

import { basename, join, relative } from 'node:path';
import { parse } from 'yaml';
import { filesUnder, readText } from './files.js';
import { RUN_STATUSES, type LifecycleStage, type MetricPoint, type Run, type RunStatus, type StoreProblem } from './model.js';

export const META = 'meta.yaml';

/** Parses a YAML mapping file; a problem when it is missing, unparsable or not a mapping. */
export const readMeta = (file: string, root: string): { meta?: Record<string, unknown>; problem?: StoreProblem } => {
  const text = readText(file);
  const at = relative(root, file) || file;
  if (text === undefined) return { problem: { file: at, message: `Tracking store file '${at}': expected a meta.yaml, but got no such file.` } };
  let meta: unknown;
  try {
    meta = parse(text);
  } catch (err) {
    return { problem: { file: at, message: `Tracking store file '${at}': expected YAML, but got ${(err as Error).message.split('\n')[0]}.` } };
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    return { problem: { file: at, message: `Tracking store file '${at}': expected a mapping of fields, but got ${meta === null ? 'an empty file' : typeof meta}.` } };
  }
  return { meta: meta as Record<string, unknown> };
};

/** MLflow stores the status as an int (RunStatus enum); older files may hold the name. */
const statusOf = (v: unknown): RunStatus | undefined => {
  if (typeof v === 'number') return RUN_STATUSES[v - 1];
  if (typeof v === 'string') return (RUN_STATUSES as readonly string[]).includes(v) ? (v as RunStatus) : undefined;
  return v === undefined ? 'RUNNING' : undefined;
};

const num = (v: unknown): number | null => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** A metric value as Python's float() reads it (`nan`, `inf`, `-inf` included). */
const parseFloatPy = (s: string): number => {
  const l = s.toLowerCase();
  if (l === 'nan' || l === '+nan' || l === '-nan') return NaN;
  if (l === 'inf' || l === '+inf' || l === 'infinity' || l === '+infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return s.trim() === '' ? NaN : Number(s);
};

/** The points of one metric file; lines that do not parse become problems. */
export const readMetricFile = (file: string, key: string, root: string, problems: StoreProblem[]): MetricPoint[] => {
  const text = readText(file) ?? '';
  const points: MetricPoint[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const parts = line.trim().split(' ');
    const ts = Number(parts[0]);
    const value = parts[1] === undefined ? NaN : parseFloatPy(parts[1]);
    const step = parts.length === 3 ? Number(parts[2]) : 0;
    const valueOk = parts[1] !== undefined && !(Number.isNaN(value) && !/nan/i.test(parts[1]));
    if ((parts.length !== 2 && parts.length !== 3) || !Number.isInteger(ts) || !valueOk || !Number.isInteger(step)) {
      const at = relative(root, file);
      problems.push({ file: at, message: `Metric '${key}' in '${at}', line ${i + 1}: expected 'timestamp value step' (integers around a number), but got '${line.slice(0, 80)}'.` });
      return;
    }
    points.push({ timestamp: ts, value, step });
  });
  return points;
};

/** The point MLflow reports as a metric's value: the largest (step, timestamp, value). */
export const latestPoint = (points: readonly MetricPoint[]): MetricPoint | undefined => {
  let best: MetricPoint | undefined;
  for (const p of points) {
    if (!best || p.step > best.step || (p.step === best.step && (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && p.value > best.value)))) best = p;
  }
  return best;
};

const readKeyFiles = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const key of filesUnder(dir)) out[key] = readText(join(dir, key)) ?? '';
  return out;
};

/** Reads a run folder; `run` is undefined when its meta.yaml is unusable (the problem says why). */
export const readRunDir = (dir: string, experimentId: string, root: string): { run?: Run; problems: StoreProblem[] } => {
  const problems: StoreProblem[] = [];
  const { meta, problem } = readMeta(join(dir, META), root);
  if (!meta) return { problems: [problem!] };
  const at = relative(root, join(dir, META));
  const runId = str(meta.run_id ?? meta.run_uuid);
  const status = statusOf(meta.status);
  const wrong: string[] = [];
  const folder = basename(dir);
  if (runId !== folder) wrong.push(`run_id: expected '${folder}' (the folder's name), but got ${JSON.stringify(meta.run_id ?? meta.run_uuid ?? null)}`);
  if (str(meta.experiment_id) !== experimentId) wrong.push(`experiment_id: expected '${experimentId}' (the folder it is in), but got ${JSON.stringify(meta.experiment_id ?? null)}`);
  if (!status) wrong.push(`status: expected 1-5 or ${RUN_STATUSES.join(', ')}, but got ${JSON.stringify(meta.status)}`);
  if (wrong.length > 0) return { problems: [{ file: at, message: `Tracking store file '${at}': ${wrong.join('; ')}.` }] };
  const metrics: Record<string, number> = {};
  const metricsDir = join(dir, 'metrics');
  for (const key of filesUnder(metricsDir)) {
    const p = latestPoint(readMetricFile(join(metricsDir, key), key, root, problems));
    if (p) metrics[key] = p.value;
  }
  const tags = readKeyFiles(join(dir, 'tags'));
  const run: Run = {
    runId,
    runName: str(meta.run_name) || tags['mlflow.runName'] || '',
    experimentId,
    userId: str(meta.user_id),
    status: status!,
    startTime: num(meta.start_time),
    endTime: num(meta.end_time),
    lifecycleStage: (meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active') as LifecycleStage,
    artifactUri: str(meta.artifact_uri),
    params: readKeyFiles(join(dir, 'params')),
    metrics,
    tags,
  };
  return { run, problems };
};
