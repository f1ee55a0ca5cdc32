// Test helper: writes a throw-away dagrun project (file path -> content) under the OS temp folder,
// removed when the test ends, plus small readers used to prove what a run did or did not write.

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type tap from 'tap';

/** The type of a tap subtest (`t` inside `t.test(name, async (t) => …)`). */
export type TapTest = Parameters<Parameters<typeof tap.test>[0]>[0];

interface Teardown {
  teardown(fn: () => void): void;
}

/** Writes `files` into a fresh temp folder; `dagrun.yaml` defaults to `name: test-project`. */
export const makeProject = (t: Teardown, files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const all = { 'dagrun.yaml': 'name: test-project\n', ...files };
  for (const [rel, content] of Object.entries(all)) writeFile(dir, rel, content);
  return dir;
};

export const writeFile = (dir: string, rel: string, content: string): void => {
  const file = join(dir, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
};

/** Every file under `dir`, relative and sorted (for "nothing was written" assertions). */
/**
 * Files under `dir`, except the compile cache of TypeScript modules
 * (.dagrun/cache: like __pycache__, not an output).
 */
export const listFiles = (dir: string): string[] => {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (relative(dir, p) === join('.dagrun', 'cache')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
};

export const readText = (dir: string, rel: string): string => readFileSync(join(dir, rel), 'utf8');

export const readJson = (dir: string, rel: string): unknown => JSON.parse(readText(dir, rel));

export { caught, caughtSync } from './caught.js';
