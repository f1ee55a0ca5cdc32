// Helpers of the scaffold and repl tests: real child processes (the built `dagrun`, tsc, node --test)
// with a user's environment, and temp projects inside the monorepo so their imports resolve.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DAGRUN = join(ROOT, 'bin/dagrun.js');
// lib/tsc.js rather than the extensionless bin/tsc, which tap's process-info hook loads through require() and fails on.
export const TSC = join(ROOT, 'node_modules/typescript/lib/tsc.js');

export interface Teardown {
  teardown(fn: () => void): void;
}

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment a user's shell would have: no tap loader hooks or tap variables. */
export const cleanEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)) env[k] = v;
  return env;
};

/** Starts `node ...args` (the same Node as the test) in `cwd` with piped stdio. */
export const startNode = (args: readonly string[], cwd: string): ChildProcessWithoutNullStreams =>
  spawn(process.execPath, [...args], { cwd, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });

/** Runs `node ...args` to the end; stdin is closed at once. */
export const runNode = (args: readonly string[], cwd: string): Promise<Result> =>
  new Promise((done, fail) => {
    const child = startNode(args, cwd);
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });

export const dagrun = (args: readonly string[], cwd: string): Promise<Result> => runNode([DAGRUN, ...args], cwd);

/**
 * A temp folder in projects/ (ignored by git as projects/.tmp-*), so a project made there resolves
 * @dagrun/* , nodejs-polars, tsx and @types/node from the workspace's node_modules. Removed at teardown.
 */
export const workspaceTempDir = (t: Teardown, name: string): string => {
  const dir = mkdtempSync(join(ROOT, 'projects', `.tmp-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
