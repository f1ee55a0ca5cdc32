// Reading one run folder as MLflow 2.x lays it out (meta.yaml, params/, metrics/, tags/), whoever wrote
// it: dagrun or Python MLflow. A part that cannot be read is a problem naming its file; the rest of the
// run (and every other run) is still read.

import { basename, join, relative } from 'node:path';
import { parseDocument, visit } from 'yaml';
import { filesUnder, readText } from './files.js';
import {
  RUN_STATUSES,
  type LifecycleStage,
  type MetricPoint,
  type Run,
  type RunStatus,
  type StoreProblem,
} from './model.js';

export const META = 'meta.yaml';

// PyYAML's implicit resolvers (YAML 1.1, resolver.py). The yaml package's schemas differ: its 1.2 core and
// even its 1.1 schema read a plain `1e-3` or `y` (which PyYAML writes unquoted, as strings) as a number or
// a boolean, so a run named `1e-3` would come back as '0.001'. Plain scalars are resolved here instead.
const PY_BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const PY_FLOAT = new RegExp(
  `^(?:${[
    String.raw`[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?`,
    String.raw`\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?`,
    String.raw`[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`,
    String.raw`[-+]?\.(?:inf|Inf|INF)`,
    String.raw`\.(?:nan|NaN|NAN)`,
  ].join('|')})$`,
);
const PY_INT =
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const PY_NULL = /^(?:~|null|Null|NULL|)$/;

const sexagesimal = (s: string): number =>
  s
    .split(':')
    .reverse()
    .reduce((sum, d, i) => sum + Number(d) * 60 ** i, 0);

/** A plain scalar as PyYAML's SafeLoader constructs it (timestamps stay strings). */
const resolvePlain = (s: string): unknown => {
  if (PY_NULL.test(s)) return null;
  if (PY_BOOL.test(s)) return /^(?:yes|true|on)$/i.test(s);
  if (PY_INT.test(s) || PY_FLOAT.test(s)) {
    const v = s.replace(/_/g, '');
    const sign = v.startsWith('-') ? -1 : 1;
    const body = v.replace(/^[-+]/, '');
    if (PY_FLOAT.test(s)) {
      const l = body.toLowerCase();
      return sign * (l === '.inf' ? Infinity : l === '.nan' ? NaN : l.includes(':') ? sexagesimal(l) : Number(l));
    }
    if (body.startsWith('0b')) return sign * parseInt(body.slice(2), 2);
    if (body.startsWith('0x')) return sign * parseInt(body.slice(2), 16);
    if (body.includes(':')) return sign * sexagesimal(body);
    if (body.length > 1 && body.startsWith('0')) return sign * parseInt(body, 8);
    return sign * Number(body);
  }
  return s;
};

/** YAML text as PyYAML's safe_load reads it (what MLflow's read_yaml returns). */
export const loadPyYaml = (text: string): unknown => {
  // PyYAML lets a repeated key win over the earlier one; so does this reader.
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: false });
  if (doc.errors.length > 0) throw doc.errors[0]!;
  visit(doc, {
    Scalar(_key, node) {
      if (node.type === 'PLAIN' && !node.tag && typeof node.value === 'string') node.value = resolvePlain(node.value);
    },
  });
  return doc.toJS();
};

/**
 * meta.yaml as MLflow and dagrun write it — one `key: scalar` per line, plus `tags: []` — read without a
 * YAML parser; undefined for anything else (a folded line, a nested value, a comment), which goes to
 * loadPyYaml. Measured: a first listing of 10,000 runs spends most of its time parsing meta.yaml with the
 * yaml library (docs/benchmarks.md, tracking); this is the one hand-made part of the reader, for that.
 */
export const readFlatMeta = (text: string): Record<string, unknown> | undefined => {
  const out: Record<string, unknown> = {};
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const colon = line.indexOf(': ');
    const key = colon > 0 ? line.slice(0, colon) : '';
    if (!/^[a-z_]+$/.test(key)) return undefined;
    const v = line.slice(colon + 2);
    if (v === '[]') out[key] = [];
    else if (v === '{}') out[key] = {};
    else if (v.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(v)) return undefined;
      out[key] = v.slice(1, -1).replace(/''/g, "'");
    } else if (v === '' || /^[-?:,[\]{}#&*!|>"%@`]/.test(v) || v.includes(': ') || v.includes(' #') || v.endsWith(':'))
      return undefined;
    else out[key] = resolvePlain(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
};

/** Parses a YAML mapping file; a problem when it is missing, unparsable or not a mapping. */
export const readMeta = (file: string, root: string): { meta?: Record<string, unknown>; problem?: StoreProblem } => {
  const text = readText(file);
  const at = relative(root, file) || file;
  if (text === undefined)
    return {
      problem: { file: at, message: `Tracking store file '${at}': expected a meta.yaml, but got no such file.` },
    };
  let meta: unknown;
  try {
    meta = readFlatMeta(text) ?? loadPyYaml(text);
  } catch (err) {
    // The parser's first line: "<what> at line L, column C:" (a code excerpt follows).
    const why = (err as Error).message.split('\n')[0]!.replace(/:$/, '');
    return {
      problem: { file: at, message: `Tracking store file '${at}': expected YAML, but got a syntax error: ${why}.` },
    };
  }
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) {
    const got =
      meta === null
        ? 'an empty file'
        : Array.isArray(meta)
          ? 'a list'
          : `the single value ${JSON.stringify(meta).slice(0, 60)}`;
    return {
      problem: { file: at, message: `Tracking store file '${at}': expected a mapping of fields, but got ${got}.` },
    };
  }
  return { meta: meta as Record<string, unknown> };
};

/** MLflow stores the status as an int (RunStatus enum); older files may hold the name. */
const statusOf = (v: unknown): RunStatus | undefined => {
  if (typeof v === 'number') return RUN_STATUSES[v - 1];
  if (typeof v === 'string') return (RUN_STATUSES as readonly string[]).includes(v) ? (v as RunStatus) : undefined;
  return v === undefined ? 'RUNNING' : undefined;
};

const num = (v: unknown): number | null =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null;
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
      problems.push({
        file: at,
        message:
          `Metric '${key}' in '${at}', line ${i + 1}: ` +
          `expected 'timestamp value step' (integers around a number), but got '${line.slice(0, 80)}'.`,
      });
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
    if (
      !best ||
      p.step > best.step ||
      (p.step === best.step &&
        (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && p.value > best.value)))
    )
      best = p;
  }
  return best;
};

const readKeyFiles = (dir: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const key of filesUnder(dir)) out[key] = readText(join(dir, key)) ?? '';
  return out;
};

/** Reads a run folder; `run` is undefined when its meta.yaml is unusable (the problem says why). */
export const readRunDir = (
  dir: string,
  experimentId: string,
  root: string,
): { run?: Run; problems: StoreProblem[] } => {
  const problems: StoreProblem[] = [];
  const { meta, problem } = readMeta(join(dir, META), root);
  if (!meta) return { problems: [problem!] };
  const at = relative(root, join(dir, META));
  const runId = str(meta.run_id ?? meta.run_uuid);
  const status = statusOf(meta.status);
  const wrong: string[] = [];
  const folder = basename(dir);
  if (runId !== folder)
    wrong.push(
      `run_id: expected '${folder}' (the folder's name), ` +
        `but got ${JSON.stringify(meta.run_id ?? meta.run_uuid ?? null)}`,
    );
  if (str(meta.experiment_id) !== experimentId)
    wrong.push(
      `experiment_id: expected '${experimentId}' (the folder it is in), ` +
        `but got ${JSON.stringify(meta.experiment_id ?? null)}`,
    );
  if (!status) wrong.push(`status: expected 1-5 or ${RUN_STATUSES.join(', ')}, but got ${JSON.stringify(meta.status)}`);
  if (wrong.length > 0)
    return { problems: [{ file: at, message: `Tracking store file '${at}': ${wrong.join('; ')}.` }] };
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
