// The run search language on a few hand-made runs: every comparator and prefix, quoted and dotted keys,
// LIKE patterns, IN lists, missing keys, order by with missing values and ties, and the exact messages
// (with position and caret) of malformed filters and order-by specs.
import t, { type Test } from 'tap';
import type { Run } from './model.js';
import { describeFilterSyntax, FilterError, parseFilter, parseOrderBy } from './filter.js';

const run = (over: Partial<Run> & Pick<Run, 'runId'>): Run => ({
  runName: 'run',
  experimentId: '0',
  userId: 'ana',
  status: 'FINISHED',
  startTime: 1000,
  endTime: 2000,
  lifecycleStage: 'active',
  artifactUri: `file:///mlruns/0/${over.runId}/artifacts`,
  params: {},
  metrics: {},
  tags: {},
  ...over,
});

const RUNS: readonly Run[] = [
  run({
    runId: 'a1',
    runName: 'lively-cat',
    startTime: 3000,
    params: { max_depth: '5', 'hyper_params.max_depth': '7', 'a b': 'x', model: 'RandomForest' },
    metrics: { mae: 2000, 'my metric': 1, rmse: Number.NaN },
    tags: { team: 'DS-core', 'mlflow.source.name': 'train.py' },
  }),
  run({
    runId: 'b2',
    runName: 'brave-dog',
    userId: 'bo',
    status: 'FAILED',
    startTime: 2000,
    endTime: 4000,
    lifecycleStage: 'deleted',
    params: { max_depth: '10', model: 'LinearRegression' },
    metrics: { mae: 3000, 'val/loss': 0.5, rmse: 2 },
    tags: { team: 'ml' },
  }),
  run({ runId: 'c3', runName: 'calm_fox', status: 'RUNNING', experimentId: '1', startTime: null, endTime: null }),
];

const ids = (filter: string): string[] => RUNS.filter(parseFilter(filter)).map((r) => r.runId);
const sorted = (spec: string | readonly string[], runs: readonly Run[] = RUNS): string[] =>
  [...runs].sort(parseOrderBy(spec)).map((r) => r.runId);

t.test('metrics: every numeric comparator; a run without the metric never matches', async (t) => {
  t.same(ids('metrics.mae = 2000'), ['a1']);
  t.same(ids('metrics.mae != 2000'), ['b2']);
  t.same(ids('metrics.mae < 2500'), ['a1']);
  t.same(ids('metrics.mae <= 3000'), ['a1', 'b2']);
  t.same(ids('metrics.mae > 2000'), ['b2']);
  t.same(ids('metrics.mae >= 2e3'), ['a1', 'b2']);
  t.same(ids('metrics.mae > -2.5'), ['a1', 'b2']);
  t.same(ids('metrics.mae<3e3'), ['a1'], 'no spaces needed');
  t.same(ids('metrics.mae > +.5e4'), []);
  t.same(ids('metrics.rmse != 0'), ['a1', 'b2'], 'NaN differs from everything');
  t.same(ids('metrics.rmse >= 0'), ['b2'], 'NaN is not in any order');
});

t.test('every prefix MLflow accepts, and keys with dots, quotes or symbols', async (t) => {
  t.same(ids('metric.mae < 2500'), ['a1']);
  t.same(ids("params.max_depth = '5'"), ['a1']);
  t.same(ids("param.max_depth = '10'"), ['b2']);
  t.same(ids("parameters.max_depth = '10'"), ['b2']);
  t.same(ids("parameter.max_depth = '10'"), ['b2']);
  t.same(ids("tags.team = 'ml'"), ['b2']);
  t.same(ids("tag.team = 'ml'"), ['b2']);
  t.same(ids("attributes.status = 'FAILED'"), ['b2']);
  t.same(ids("attribute.status = 'FAILED'"), ['b2']);
  t.same(ids("attr.status = 'FAILED'"), ['b2']);
  t.same(ids("run.status = 'FAILED'"), ['b2']);
  t.same(ids("params.hyper_params.max_depth = '7'"), ['a1'], 'a dotted key is one key');
  t.same(ids("params.max_depth = '7'"), [], 'not its last part');
  t.same(ids("tags.mlflow.source.name = 'train.py'"), ['a1']);
  t.same(ids('metrics.`my metric` = 1'), ['a1']);
  t.same(ids('metrics."my metric" = 1'), ['a1']);
  t.same(ids("params.'a b' = 'x'"), ['a1']);
  t.same(ids('params."a b" = "x"'), ['a1'], 'double quotes around a value too');
  t.same(ids('metrics.val/loss < 1'), ['b2']);
  t.same(ids('metrics.`val/loss` < 1'), ['b2']);
  t.same(ids("params.constructor = 'x'"), [], 'a key of Object.prototype is no key of a run');
});

t.test('params and tags: = != LIKE ILIKE IS NULL; a run without the key matches only IS NULL', async (t) => {
  t.same(ids("params.max_depth != '5'"), ['b2'], 'c3 has no max_depth, so no != either (as MLflow)');
  t.same(ids("params.model LIKE 'Random%'"), ['a1']);
  t.same(ids("params.model LIKE '%Regression'"), ['b2']);
  t.same(ids("params.model LIKE '%a%'"), ['a1', 'b2']);
  t.same(ids("params.model LIKE 'R_ndomForest'"), ['a1']);
  t.same(ids("params.max_depth LIKE '_'"), ['a1'], '_ is exactly one character');
  t.same(ids("params.model LIKE 'random%'"), [], 'LIKE is case-sensitive');
  t.same(ids("params.model ILIKE 'random%'"), ['a1']);
  t.same(ids("params.model LIKE 'Random.orest'"), [], 'a dot is literal');
  t.same(ids("params.model like '(%'"), [], 'regex characters are literal');
  t.same(ids("tags.team ILIKE 'ds-%'"), ['a1']);
  t.same(ids("tags.team = 'ds-core'"), [], '= is exact');
  t.same(ids('params.max_depth IS NULL'), ['c3']);
  t.same(ids('params.max_depth is not null'), ['a1', 'b2']);
  t.same(ids('tags.team IS NULL'), ['c3']);
  t.same(ids('params."a b" LIKE \'%\''), ['a1']);
  const odd = run({ runId: 'odd', params: { p: 'x.*+?^${}()|[]\\/-y\nz' } });
  t.equal(parseFilter("params.p LIKE 'x.*+?^${}()|[]\\/-_\nz'")(odd), true, 'every regex character is literal');
  t.equal(parseFilter("params.p LIKE 'x%z'")(odd), true, '% spans a newline');
});

t.test('attributes: strings with = != LIKE ILIKE IN NOT IN, times as numbers', async (t) => {
  t.same(ids("attributes.run_id = 'b2'"), ['b2']);
  t.same(ids("attributes.run_id IN ('a1', 'c3')"), ['a1', 'c3']);
  t.same(ids("attributes.run_id NOT IN ('a1')"), ['b2', 'c3']);
  t.same(ids("attributes.status in ('FAILED','RUNNING')"), ['b2', 'c3']);
  t.same(ids("attributes.status not in ('FAILED')"), ['a1', 'c3']);
  t.same(ids("attributes.status != 'FINISHED'"), ['b2', 'c3']);
  t.same(ids("attributes.run_name LIKE '%-%'"), ['a1', 'b2']);
  t.same(ids("attributes.run_name ILIKE 'CALM%'"), ['c3']);
  t.same(ids("attributes.user_id = 'bo'"), ['b2']);
  t.same(ids("attributes.experiment_id = '1'"), ['c3']);
  t.same(ids("attributes.lifecycle_stage = 'deleted'"), ['b2']);
  t.same(ids("attributes.artifact_uri LIKE '%/a1/%'"), ['a1']);
  t.same(ids('attributes.start_time >= 2000'), ['a1', 'b2'], 'a null start_time matches nothing');
  t.same(ids('attributes.end_time < 3000'), ['a1']);
  t.same(ids('attributes.end_time != 4000'), ['a1']);
  t.same(ids('attributes.created > 2500'), ['a1'], "MLflow's alias of start_time");
  t.same(ids("attributes.`Run name` = 'brave-dog'"), ['b2'], "MLflow's alias of run_name");
});

t.test('AND joins clauses, in any case; an empty filter matches all', async (t) => {
  t.same(ids("metrics.mae > 1 and params.model ILIKE 'r%'"), ['a1']);
  t.same(ids("metrics.mae > 1 AND attributes.status = 'FAILED' And tags.team = 'ml'"), ['b2']);
  t.same(ids("metrics.mae > 1 and attributes.status = 'RUNNING'"), []);
  t.same(ids(''), ['a1', 'b2', 'c3']);
  t.same(ids('  \n '), ['a1', 'b2', 'c3']);
  t.same(ids("params.model = 'it''s'"), [], 'a doubled quote is one quote');
  const quoted = run({ runId: 'q', params: { note: "it's" } });
  t.equal(parseFilter("params.note = 'it''s'")(quoted), true);
});

t.test('order by: numbers, strings, directions, missing values and NaN last', async (t) => {
  t.same(sorted('metrics.mae'), ['a1', 'b2', 'c3']);
  t.same(sorted('metrics.mae DESC'), ['b2', 'a1', 'c3'], 'the run without mae stays last');
  t.same(sorted('metrics.mae asc'), ['a1', 'b2', 'c3']);
  t.same(sorted('metrics.rmse ASC'), ['b2', 'a1', 'c3'], 'NaN after numbers, before missing');
  t.same(sorted('metrics.rmse DESC'), ['b2', 'a1', 'c3']);
  t.same(sorted('params.max_depth'), ['b2', 'a1', 'c3'], "params compare as strings: '10' < '5'");
  t.same(sorted('params.max_depth DESC'), ['a1', 'b2', 'c3']);
  t.same(sorted('tags.team'), ['a1', 'b2', 'c3'], "'DS-core' < 'ml' by code unit");
  t.same(sorted('attributes.start_time DESC'), ['a1', 'b2', 'c3']);
  t.same(sorted('start_time'), ['b2', 'a1', 'c3'], 'bare attribute name; a null start_time last');
  t.same(sorted('run_name DESC'), ['a1', 'c3', 'b2']);
  t.same(sorted('metrics.`my metric` DESC'), ['a1', 'b2', 'c3']);
  t.same(sorted('params.hyper_params.max_depth'), ['a1', 'b2', 'c3']);
});

t.test('order by: several keys, ties and the default order', async (t) => {
  const tied = [
    run({ runId: 'y', startTime: 5, metrics: { m: 1 } }),
    run({ runId: 'n', startTime: null, metrics: { m: 1 } }),
    run({ runId: 'x', startTime: 5, metrics: { m: 1 } }),
    run({ runId: 'z', startTime: 9, metrics: { m: 2 } }),
  ];
  t.same(sorted('metrics.m', tied), ['x', 'y', 'n', 'z'], 'ties: start_time DESC, null last, then run_id');
  t.same(sorted('', tied), ['z', 'x', 'y', 'n'], 'no spec: start_time DESC, run_id ASC');
  t.same(sorted([], tied), ['z', 'x', 'y', 'n']);
  t.same(sorted('metrics.m DESC, attributes.run_id DESC', tied), ['z', 'y', 'x', 'n']);
  t.same(sorted(['metrics.m DESC', 'run_id DESC'], tied), ['z', 'y', 'x', 'n'], 'a list of specs');
  t.same(sorted(['', 'metrics.m DESC'], tied), ['z', 'x', 'y', 'n'], 'an empty item adds nothing');
  t.same(sorted('attributes.status, params.model', RUNS), ['b2', 'a1', 'c3']);
});

/** The error `parse(input)` throws, checked to be a FilterError with its code and position. */
const failure = (t: Test, parse: (s: string) => unknown, input: string, position: number): string => {
  try {
    parse(input);
  } catch (err) {
    t.type(err, FilterError);
    t.equal((err as FilterError).code, 'DAGRUN_ERR_TRACKING_FILTER');
    t.equal((err as FilterError).position, position);
    t.equal((err as FilterError).expression, input);
    return (err as Error).message;
  }
  t.fail(`no error for ${input}`);
  return '';
};
const filterError = (t: Test, input: string, position: number) => failure(t, parseFilter, input, position);
const lines = (...l: string[]) => l.join('\n');

t.test('filter mistakes: exact messages with the position and a caret', async (t) => {
  t.equal(
    filterError(t, 'metrics.mae << 3', 12),
    lines(
      "Filter 'metrics.mae << 3': expected a comparator for metrics.mae (=, !=, <, <=, >, >=) at character 12, " +
        "but got '<<'.",
      'metrics.mae << 3',
      '            ^',
    ),
  );
  t.equal(
    filterError(t, 'metric_s.mae > 1', 0),
    lines(
      "Filter 'metric_s.mae > 1': expected an identifier prefix (metrics., params., tags. or attributes.) " +
        "at character 0, but got 'metric_s.'.",
      'metric_s.mae > 1',
      '^',
      "Hint: did you mean 'metrics.'?",
    ),
  );
  t.equal(
    filterError(t, 'metrics.a > 1 and metircs.mae > 1', 18),
    lines(
      "Filter 'metrics.a > 1 and metircs.mae > 1': expected an identifier prefix (metrics., params., tags. " +
        "or attributes.) at character 18, but got 'metircs.'.",
      'metrics.a > 1 and metircs.mae > 1',
      '                  ^',
      "Hint: did you mean 'metrics.'?",
    ),
  );
  t.equal(
    filterError(t, 'metrics.mae <', 13),
    lines(
      "Filter 'metrics.mae <': expected a number for metrics.mae at character 13, but got the end of the filter.",
      'metrics.mae <',
      '             ^',
    ),
  );
  t.equal(
    filterError(t, "params.model = 'Random", 15),
    lines(
      "Filter 'params.model = 'Random': expected a closing quote (') to match the one at character 15, " +
        'but got the end of the filter.',
      "params.model = 'Random",
      '               ^',
    ),
  );
  t.equal(
    filterError(t, 'metrics.`my metric > 1', 8),
    lines(
      "Filter 'metrics.`my metric > 1': expected a closing backtick (`) to match the one at character 8, " +
        'but got the end of the filter.',
      'metrics.`my metric > 1',
      '        ^',
    ),
  );
  t.equal(
    filterError(t, 'metrics.mae > 1 foo', 16),
    lines(
      "Filter 'metrics.mae > 1 foo': expected 'and' or the end of the filter at character 16, but got 'foo'.",
      'metrics.mae > 1 foo',
      '                ^',
    ),
  );
  t.equal(
    filterError(t, 'metrics.mae > 1 or metrics.mae < 5', 16),
    lines(
      "Filter 'metrics.mae > 1 or metrics.mae < 5': expected 'and' or the end of the filter at character 16, " +
        "but got 'or'.",
      'metrics.mae > 1 or metrics.mae < 5',
      '                ^',
      "Hint: MLflow's search syntax has no OR: run one search per alternative, or use IN ('a', 'b') on an attribute.",
    ),
  );
  t.equal(
    filterError(t, "metrics.mae = '3'", 14),
    lines(
      "Filter 'metrics.mae = '3'': expected a number for metrics.mae at character 14, but got the string '3'.",
      "metrics.mae = '3'",
      '              ^',
    ),
  );
  t.equal(
    filterError(t, 'params.lr < 3', 10),
    lines(
      "Filter 'params.lr < 3': expected a comparator for params.lr (=, !=, LIKE, ILIKE, IS NULL, IS NOT NULL) " +
        "at character 10, but got '<'.",
      'params.lr < 3',
      '          ^',
    ),
  );
  t.equal(
    filterError(t, 'params.lr = 3', 12),
    lines(
      "Filter 'params.lr = 3': expected a quoted string for params.lr at character 12, but got the number 3.",
      'params.lr = 3',
      '            ^',
    ),
  );
  t.equal(
    filterError(t, "status = 'FAILED'", 0),
    lines(
      "Filter 'status = 'FAILED'': expected an identifier (metrics.<key>, params.<key>, " +
        "tags.<key> or attributes.<key>) at character 0, but got 'status'.",
      "status = 'FAILED'",
      '^',
      "Hint: did you mean 'attributes.status'?",
    ),
  );
  t.equal(
    filterError(t, 'metrics > 1', 0),
    lines(
      "Filter 'metrics > 1': expected an identifier (metrics.<key>, params.<key>, tags.<key> or attributes.<key>) " +
        "at character 0, but got 'metrics'.",
      'metrics > 1',
      '^',
      "Hint: name a key after the prefix: 'metrics.<key>'.",
    ),
  );
  t.equal(
    filterError(t, 'metrics. > 1', 8),
    lines(
      "Filter 'metrics. > 1': expected a key after 'metrics.' at character 8, but got none.",
      'metrics. > 1',
      '        ^',
    ),
  );
  t.equal(
    filterError(t, 'attr.start_tme > 1', 5),
    lines(
      "Filter 'attr.start_tme > 1': expected an attribute (run_id, run_name, status, user_id, start_time, end_time, " +
        "artifact_uri, lifecycle_stage, experiment_id) at character 5, but got 'start_tme'.",
      'attr.start_tme > 1',
      '     ^',
      "Hint: did you mean 'attr.start_time'?",
    ),
  );
  t.equal(
    filterError(t, 'attributes.start_time IN (1)', 22),
    lines(
      "Filter 'attributes.start_time IN (1)': expected a comparator for attributes.start_time (=, !=, <, <=, >, >=) " +
        "at character 22, but got 'IN'.",
      'attributes.start_time IN (1)',
      '                      ^',
    ),
  );
  t.equal(
    filterError(t, "attributes.status IN ('A',)", 26),
    lines(
      "Filter 'attributes.status IN ('A',)': expected a quoted string at character 26, but got ')'.",
      "attributes.status IN ('A',)",
      '                          ^',
    ),
  );
  t.equal(
    filterError(t, "attributes.status IN ('A' 'B')", 26),
    lines(
      "Filter 'attributes.status IN ('A' 'B')': expected ',' or ')' at character 26, but got the string 'B'.",
      "attributes.status IN ('A' 'B')",
      '                          ^',
    ),
  );
  t.equal(
    filterError(t, "attributes.status IN 'A'", 21),
    lines(
      "Filter 'attributes.status IN 'A'': expected a list of quoted strings in parentheses, like ('a', 'b') " +
        "at character 21, but got the string 'A'.",
      "attributes.status IN 'A'",
      '                     ^',
    ),
  );
  t.equal(
    filterError(t, "params.a NOT LIKE 'x'", 13),
    lines(
      "Filter 'params.a NOT LIKE 'x'': expected 'IN' after 'NOT' at character 13, but got 'LIKE'.",
      "params.a NOT LIKE 'x'",
      '             ^',
    ),
  );
  t.equal(
    filterError(t, 'params.a IS NUL', 12),
    lines(
      "Filter 'params.a IS NUL': expected 'NULL' or 'NOT NULL' after 'IS' at character 12, but got 'NUL'.",
      'params.a IS NUL',
      '            ^',
    ),
  );
  t.equal(
    filterError(t, 'metrics.a > 1 and', 17),
    lines(
      "Filter 'metrics.a > 1 and': expected an identifier (metrics.<key>, params.<key>, " +
        'tags.<key> or attributes.<key>) at character 17, but got the end of the filter.',
      'metrics.a > 1 and',
      '                 ^',
    ),
  );
  t.equal(
    filterError(t, 'metrics.a > 1;', 13),
    lines(
      "Filter 'metrics.a > 1;': expected 'and' or the end of the filter at character 13, but got ';'.",
      'metrics.a > 1;',
      '             ^',
    ),
  );
  t.equal(
    filterError(t, 'metrics.a = 1 and\n\tmetrics.b <> 2', 29),
    lines(
      "Filter 'metrics.a = 1 and  metrics.b <> 2': expected a comparator for metrics.b (=, !=, <, <=, >, >=) " +
        "at character 29, but got '<>'.",
      'metrics.a = 1 and  metrics.b <> 2',
      '                             ^',
    ),
    'a newline or tab is shown as a space, so the caret stays in place',
  );
});

t.test('order-by mistakes: the same error, naming the order by', async (t) => {
  const orderError = (input: string, position: number) => failure(t, parseOrderBy, input, position);
  t.equal(
    orderError('metrics.mae DESCX', 12),
    lines(
      "Order by 'metrics.mae DESCX': expected ASC, DESC, ',' or the end of the order by at character 12, " +
        "but got 'DESCX'.",
      'metrics.mae DESCX',
      '            ^',
    ),
  );
  t.equal(
    orderError('metrics.mae DESC DESC', 17),
    lines(
      "Order by 'metrics.mae DESC DESC': expected ',' or the end of the order by at character 17, but got 'DESC'.",
      'metrics.mae DESC DESC',
      '                 ^',
    ),
  );
  t.equal(
    orderError('metrics.mae,', 12),
    lines(
      "Order by 'metrics.mae,': expected an identifier (metrics.<key>, params.<key>, tags.<key>, " +
        'attributes.<key> or an attribute name) at character 12, but got the end of the order by.',
      'metrics.mae,',
      '            ^',
    ),
  );
  t.equal(
    orderError('start_tim DESC', 0),
    lines(
      "Order by 'start_tim DESC': expected an identifier (metrics.<key>, params.<key>, tags.<key>, " +
        "attributes.<key> or an attribute name) at character 0, but got 'start_tim'.",
      'start_tim DESC',
      '^',
      "Hint: did you mean 'start_time'?",
    ),
  );
  t.equal(
    orderError('tgas.team', 0),
    lines(
      "Order by 'tgas.team': expected an identifier prefix (metrics., params., tags. or attributes.) at character 0, " +
        "but got 'tgas.'.",
      'tgas.team',
      '^',
      "Hint: did you mean 'tags.'?",
    ),
  );
  t.equal(
    failure(t, (s) => parseOrderBy(['metrics.a', s]), 'metrics.b DOWN', 10).split('\n')[0],
    "Order by 'metrics.b DOWN': expected ASC, DESC, ',' or the end of the order by at character 10, but got 'DOWN'.",
    'each item of a list on its own',
  );
});

t.test('the syntax help names every operator and prefix', async (t) => {
  const help = describeFilterSyntax();
  for (const word of [
    'metrics.<key>',
    'params.<key>',
    'tags.<key>',
    'attributes.<name>',
    'LIKE',
    'ILIKE',
    'IS NULL',
    'NOT IN',
    'start_time',
    'experiment_id',
    'ASC|DESC',
    'no OR',
  ]) {
    t.ok(help.includes(word), word);
  }
});
