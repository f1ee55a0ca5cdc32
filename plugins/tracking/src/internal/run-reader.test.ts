import t from 'tap';
import { loadPyYaml, readFlatMeta } from './run-reader.js';
import { dumpYaml } from './yaml-dump.js';

t.test('the flat meta.yaml reader gives what the YAML reader gives, or steps aside', async (t) => {
  const names = [
    'model_run 2026-12-08T00.32.27.256Z',
    'y',
    '1e-3',
    '0o17',
    "it's",
    '',
    'a: b',
    '#x',
    '-',
    'x'.repeat(100) + ' y',
    'é',
    'yes',
    '123',
    '2026-01-01',
    'null',
    '~',
    'a #b',
    "'q'",
    '[x]',
  ];
  let flat = 0;
  for (const name of names) {
    const text = dumpYaml({
      artifact_uri: 'file:///tmp/a b/mlruns/1/abc/artifacts',
      end_time: null,
      experiment_id: '123456789012345678',
      lifecycle_stage: 'active',
      run_name: name,
      source_type: 4,
      start_time: 1765152000123,
      status: 3,
      tags: [],
      user_id: 'root',
    });
    const fast = readFlatMeta(text);
    if (fast !== undefined) {
      flat++;
      t.same(fast, loadPyYaml(text), JSON.stringify(name));
    }
  }
  t.ok(flat >= names.length - 3, `most shapes take the flat path (${flat} of ${names.length})`);
  t.equal(readFlatMeta('tags:\n- a\n'), undefined, 'a block list goes to the YAML reader');
  t.equal(readFlatMeta('name: a\n  continued\n'), undefined, 'a folded line goes to the YAML reader');
});
