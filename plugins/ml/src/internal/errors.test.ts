import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { DagrunError } from '@dagrun/core';
import { ML_ERROR_CODES, MlError } from './errors.js';

t.test("README's error table lists exactly the codes of ML_ERROR_CODES, with the same meaning", async (t) => {
  const readme = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/^\| `(DAGRUN_ERR_ML_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [m[1], m[2]]);
  t.same(rows, Object.entries(ML_ERROR_CODES));
});

t.test('an MlError is a DagrunError with its own code, the detail and the hint', async (t) => {
  const e = new MlError('DAGRUN_ERR_ML_EMPTY', "Thing 'x': expected rows, but got none.", { hint: 'Hint: add rows.' });
  t.ok(e instanceof DagrunError);
  t.equal(e.name, 'MlError');
  t.equal(e.code, 'DAGRUN_ERR_ML_EMPTY');
  t.equal(e.detail, "Thing 'x': expected rows, but got none.");
  t.equal(e.message, "[DAGRUN_ERR_ML_EMPTY] Thing 'x': expected rows, but got none.\n  Hint: add rows.");
});
