// What every benchmark script of the repository shares: medians of runs, the machine line, the load
// average, and rewriting its own section of docs/benchmarks.md between `<!-- bench:KEY -->` markers.
// (Benchmarks are scripts, not tests: `npm run bench:engine|model|serve|viz`.)

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface Stats {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/** Median (the mean of the two middle values for an even count), min, max and count of the runs. */
export const stats = (xs: readonly number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
};

/** The machine as benchmarks report it: cores (nproc), CPU model, memory and Node version. */
export const machine = () => {
  const model =
    /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ??
    cpus()[0]?.model ??
    'unknown';
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout?.trim() || String(cpus().length);
  const mem = /^MemTotal:\s*(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1];
  return {
    nproc,
    model,
    memory: mem ? `${(Number(mem) / 1024 / 1024).toFixed(1)} GiB` : 'unknown',
    node: process.version,
  };
};

/** "1.20 / 0.57 / 0.56": the 1, 5 and 15-minute load averages. */
export const loadAverage = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/**
 * `doc` with `body` between `<!-- bench:KEY:start -->` and `<!-- bench:KEY:end -->`. Without the markers,
 * the block goes right under `heading` when the document has that line, else at the end (after the heading).
 */
export const replaceBetween = (doc: string, key: string, body: string, heading?: string): string => {
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const block = `${start}\n${body.trim()}\n${end}`;
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a >= 0 && b > a) return doc.slice(0, a) + block + doc.slice(b + end.length);
  if (heading && doc.includes(`${heading}\n`)) return doc.replace(`${heading}\n`, `${heading}\n\n${block}\n`);
  return `${doc.trimEnd()}\n\n${heading ? `${heading}\n\n` : ''}${block}\n`;
};
