// `dagrun new NAME [--starter default|ml]`: a project that runs, type-checks and tests at once, in the
// Kedro-style layout people expect. Refuses to write into a folder that already holds files.

import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Starter } from './starters/common.js';
import { defaultStarter } from './starters/default.js';
import { mlStarter } from './starters/ml.js';

export const STARTERS: Readonly<Record<string, Starter>> = { default: defaultStarter, ml: mlStarter };

/** The starter's files by relative path; throws a usage error naming the choices for an unknown starter. */
export const starterFiles = async (starter: string, name: string): Promise<Record<string, string>> => {
  const found = Object.hasOwn(STARTERS, starter) ? STARTERS[starter] : undefined;
  if (!found) {
    const { ConfigError, didYouMean } = await import('@dagrun/core');
    const names = Object.keys(STARTERS);
    const mean = didYouMean(starter, names);
    throw new ConfigError(
      'DAGRUN_ERR_CLI_USAGE',
      `Starter '${starter}': expected one of ${names.join(', ')}, but got '${starter}'.`,
      { hint: mean ? `Hint: ${mean}` : undefined },
    );
  }
  return found.files(name);
};

export const scaffold = async (dir: string, name: string, starter = 'default'): Promise<void> => {
  const { ConfigError } = await import('@dagrun/core');
  if (!/^[A-Za-z][\w-]*$/.test(name)) {
    throw new ConfigError(
      'DAGRUN_ERR_CLI_USAGE',
      `Project name '${name}': expected letters, digits, '_' or '-', starting with a letter, but got '${name}'.`,
    );
  }
  const files = await starterFiles(starter, name);
  const entries = existsSync(dir) ? readdirSync(dir).length : 0;
  if (entries > 0) {
    throw new ConfigError(
      'DAGRUN_ERR_PROJECT_EXISTS',
      `Folder '${dir}': expected it empty or absent, but got ${entries} ${entries === 1 ? 'entry' : 'entries'}.`,
      {
        hint: 'Hint: choose another name, or remove the folder.',
      },
    );
  }
  for (const [rel, content] of Object.entries(files)) {
    const p = join(dir, rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
  }
};
