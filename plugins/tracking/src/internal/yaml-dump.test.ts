import { execFileSync } from 'node:child_process';
import t from 'tap';
import { dumpYaml, pythonFloat, type YamlValue } from './yaml-dump.js';

// The reference: Debian's python3-yaml, called the way MLflow's write_yaml calls it.
const PY = `
import json, sys, yaml
for doc in json.load(sys.stdin):
    sys.stdout.write(yaml.safe_dump(doc, default_flow_style=False, allow_unicode=True, sort_keys=True))
    sys.stdout.write('\\x00')
`;
const pyDump = (docs: Array<Record<string, YamlValue>>): string[] =>
  execFileSync('/usr/bin/python3', ['-c', PY], { input: JSON.stringify(docs), encoding: 'utf8' })
    .split('\0')
    .slice(0, -1);

const STRINGS = [
  '',
  'a',
  '123',
  '0',
  '007',
  '1.5',
  '.5',
  '1e3',
  '1.0e+3',
  '1_000',
  '0x1F',
  '0o7',
  '0b101',
  '1:20',
  '-',
  '-a',
  '- a',
  '?',
  '? a',
  ':',
  'a:b',
  'a: b',
  'a :b',
  '#x',
  'a #b',
  'a#b',
  'yes',
  'Yes',
  'no',
  'on',
  'OFF',
  'y',
  'n',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '=',
  '<<',
  '2026-01-01',
  '2026-1-1 10:00:00',
  '.inf',
  '-.INF',
  '.nan',
  'file:///tmp/a b/mlruns/1',
  'runs:/0123456789abcdef0123456789abcdef/model',
  ' lead',
  'trail ',
  'a  b',
  "it's",
  '"q"',
  "'",
  '%x',
  '@x',
  '`x',
  '!x',
  '&x',
  '*x',
  '|x',
  '>x',
  '[x]',
  '{x}',
  'a,b',
  'a[b]',
  '---',
  '...x',
  'é ñ 日本',
  'tab\there',
  'property-valuation',
  'Default',
  'root',
  'word '.repeat(30).trim(),
  'x'.repeat(100) + ' y',
  `${'ab '.repeat(40)}end`,
  `'${'q '.repeat(50)}'`,
  'a\nb',
  'dagrun run --pipeline model_run --env tuned',
];

t.test('strings are written as python3-yaml writes them (plain, quoted, folded)', async (t) => {
  // Keys: the short ones only (a key of 128 characters or more is a complex `? ` key, which MLflow never writes).
  const docs: Array<Record<string, YamlValue>> = STRINGS.map((s) => ({
    name: s,
    ...(s.length < 60 && !s.includes('\n') ? { [s || 'empty']: 1 } : {}),
  }));
  const expected = pyDump(docs);
  for (const [i, d] of docs.entries()) t.equal(dumpYaml(d), expected[i], JSON.stringify(STRINGS[i]));
});

t.test('the meta.yaml shapes MLflow writes: run, experiment, registered model, model version', async (t) => {
  const docs: Array<Record<string, YamlValue>> = [
    {
      artifact_uri: 'file:///work/p/mlruns/123456789012345678/0123456789abcdef0123456789abcdef/artifacts',
      end_time: null,
      entry_point_name: '',
      experiment_id: '123456789012345678',
      lifecycle_stage: 'active',
      run_id: '0123456789abcdef0123456789abcdef',
      run_name: 'model_run 2026-12-08',
      run_uuid: '0123456789abcdef0123456789abcdef',
      source_name: '',
      source_type: 4,
      source_version: '',
      start_time: 1765152000123,
      status: 1,
      tags: [],
      user_id: 'root',
      deleted_time: null,
    },
    {
      artifact_location: 'file:///work/p/mlruns/0',
      creation_time: 1765152000123,
      experiment_id: '0',
      last_update_time: 1765152000123,
      lifecycle_stage: 'active',
      name: 'Default',
    },
    {
      aliases: { champion: '2', challenger: '10' },
      creation_timestamp: 1,
      description: null,
      last_updated_timestamp: 2,
      name: 'property-valuation',
    },
    {
      aliases: [],
      creation_timestamp: 1,
      current_stage: 'None',
      description: '',
      last_updated_timestamp: 2,
      name: 'm',
      run_id: 'abc',
      run_link: null,
      source: 'runs:/abc/model',
      status: 'READY',
      status_message: null,
      storage_location: 'file:///x/artifacts/model',
      user_id: null,
      version: 3,
    },
    { aliases: ['champion', 'b'], empty: {}, nested: { deeper: { x: '1' } }, f: 1.5, t: true },
  ];
  const expected = pyDump(docs);
  for (const [i, d] of docs.entries()) t.equal(dumpYaml(d), expected[i], `document ${i}`);
});

t.test('floats as Python repr writes them in metric files', async (t) => {
  const values = [
    1,
    0,
    -0,
    2434.5,
    0.1,
    1e-7,
    1.5e-7,
    0.0001,
    0.00001,
    1e15,
    1e16,
    1.2345678901234567e19,
    123456789012345.6,
    -3.25,
    NaN,
    Infinity,
    -Infinity,
    2 / 3,
  ];
  const jsonLiteral = (v: number): string =>
    Number.isNaN(v)
      ? 'NaN'
      : v === Infinity
        ? 'Infinity'
        : v === -Infinity
          ? '-Infinity'
          : Object.is(v, -0)
            ? '-0.0'
            : String(v);
  const py = execFileSync(
    '/usr/bin/python3',
    ['-c', 'import json,sys\nfor v in json.loads(sys.stdin.read(), parse_constant=float): print(str(float(v)))'],
    {
      input: `[${values.map((v) => jsonLiteral(v)).join(',')}]`,
      encoding: 'utf8',
    },
  )
    .trim()
    .split('\n');
  for (const [i, v] of values.entries()) t.equal(pythonFloat(v), py[i], String(v));
});
