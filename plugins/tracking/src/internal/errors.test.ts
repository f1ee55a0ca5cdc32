import { readFileSync } from 'node:fs';
import t from 'tap';
import { TRACKING_ERROR_CODES, TrackingError } from './errors.js';

t.test(
  "docs/tracking.md's error table lists exactly the codes of TRACKING_ERROR_CODES, with the same meaning",
  async (t) => {
    const doc = readFileSync(new URL('../../../../docs/tracking.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(DAGRUN_ERR_(?:TRACKING|REGISTRY|UI)_[A-Z_]+)` \| (.+) \|$/gm)].map((m) => [
      m[1],
      m[2],
    ]);
    t.same(rows, Object.entries(TRACKING_ERROR_CODES));
  },
);

t.test('a TrackingError is a coded DagrunError in the engine wording', async (t) => {
  const e = new TrackingError('DAGRUN_ERR_TRACKING_NOT_FOUND', "Run 'abcd': expected a run, but got none.", {
    hint: 'Hint: dagrun runs list',
  });
  t.equal(e.code, 'DAGRUN_ERR_TRACKING_NOT_FOUND');
  t.equal(
    e.message,
    "[DAGRUN_ERR_TRACKING_NOT_FOUND] Run 'abcd': expected a run, but got none.\n  Hint: dagrun runs list",
  );
});
