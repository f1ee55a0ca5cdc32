// The version `dagrun --version` prints: bin's package.json, read at run time, so a release edits one file.
// `../package.json` is bin/package.json from both src/ (tests) and dist/ (the installed command).

import { readFileSync } from 'node:fs';

export const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
