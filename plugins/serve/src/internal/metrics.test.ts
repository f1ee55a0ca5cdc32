// Metrics: the Prometheus text exposition (format 0.0.4) — HELP/TYPE lines, counters by route, method and
// status, cumulative histogram buckets with +Inf = count, predictions served, the model info gauge.
import t from 'tap';
import { Metrics } from './metrics.js';

const BUCKETS = ['0.0005', '0.001', '0.0025', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
// A sample line: name{label="value",…} number (label values with \\, \" and \n escaped).
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*",?)*\})? -?(\d+(\.\d+)?(e[+-]?\d+)?|\+Inf|NaN)$/;

const valueOf = (text: string, prefix: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${prefix} `));
  if (line === undefined) throw new Error(`no line ${prefix}`);
  return Number(line.slice(prefix.length + 1));
};

t.test('a fresh registry: every family has HELP and TYPE, zero predictions, the model info gauge', async (t) => {
  const m = new Metrics();
  m.model('model', '2026-11-26T06.52.46.309Z');
  const text = m.render();
  t.ok(text.endsWith('\n'), 'ends with a newline');
  for (const [name, type] of [
    ['dagrun_http_requests_total', 'counter'],
    ['dagrun_http_request_duration_seconds', 'histogram'],
    ['dagrun_predictions_total', 'counter'],
    ['dagrun_model_info', 'gauge'],
    ['dagrun_uptime_seconds', 'gauge'],
  ]) {
    t.match(text, new RegExp(`^# HELP ${name} \\S.*$`, 'm'), `HELP ${name}`);
    t.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `TYPE ${name} ${type}`);
  }
  t.equal(valueOf(text, 'dagrun_predictions_total'), 0);
  t.equal(valueOf(text, 'dagrun_model_info{dataset="model",version="2026-11-26T06.52.46.309Z"}'), 1);
  t.ok(valueOf(text, 'dagrun_uptime_seconds') >= 0);
});

t.test('requests are counted by route, method and status; latency buckets are cumulative, +Inf = count', async (t) => {
  const m = new Metrics();
  m.model('model', 'v1');
  m.observe('/api/v1/predict', 'POST', 200, 0.0004);
  m.observe('/api/v1/predict', 'POST', 200, 0.003);
  m.observe('/api/v1/predict', 'POST', 200, 0.3);
  m.observe('/api/v1/predict', 'POST', 400, 0.0008);
  m.observe('/api/v1/predict', 'POST', 200, 7); // slower than the largest bucket
  m.observe('/api/v1/health', 'GET', 200, 0.0001);
  m.predictions(3);
  m.predictions(100);
  const text = m.render();
  t.equal(valueOf(text, 'dagrun_http_requests_total{route="/api/v1/predict",method="POST",status="200"}'), 4);
  t.equal(valueOf(text, 'dagrun_http_requests_total{route="/api/v1/predict",method="POST",status="400"}'), 1);
  t.equal(valueOf(text, 'dagrun_http_requests_total{route="/api/v1/health",method="GET",status="200"}'), 1);
  const buckets = BUCKETS.map((le) => valueOf(text, `dagrun_http_request_duration_seconds_bucket{route="/api/v1/predict",le="${le}"}`));
  t.same(buckets, [1, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 5], 'cumulative counts per bucket');
  t.equal(valueOf(text, 'dagrun_http_request_duration_seconds_count{route="/api/v1/predict"}'), 5);
  t.ok(Math.abs(valueOf(text, 'dagrun_http_request_duration_seconds_sum{route="/api/v1/predict"}') - 7.3042) < 1e-9, 'sum of the seconds');
  t.equal(valueOf(text, 'dagrun_http_request_duration_seconds_bucket{route="/api/v1/health",le="0.0005"}'), 1);
  t.equal(valueOf(text, 'dagrun_predictions_total'), 103);
  t.notMatch(text, 'dagrun_prediction_log_writes_total', 'no log, no log series');
});

t.test("the prediction log's writes, by where they ran", async (t) => {
  const text = new Metrics().render({ inline: 12, pool: 3 });
  t.match(text, /^# TYPE dagrun_prediction_log_writes_total counter$/m);
  t.equal(valueOf(text, 'dagrun_prediction_log_writes_total{mode="inline"}'), 12);
  t.equal(valueOf(text, 'dagrun_prediction_log_writes_total{mode="thread_pool"}'), 3);
});

t.test('every line is a comment or a sample of the exposition grammar; families are not repeated', async (t) => {
  const m = new Metrics();
  m.model('model', undefined);
  m.observe('/a', 'GET', 200, 0.01);
  m.observe('weird "route"\\with\nnewline', 'POST', 500, 0.2);
  const lines = m.render().trimEnd().split('\n');
  for (const line of lines) {
    if (line.startsWith('#')) t.match(line, /^# (HELP|TYPE) [a-z_]+ .+$/, line);
    else t.match(line, SAMPLE, line);
  }
  const types = lines.filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
  t.same(types.length, new Set(types).size, 'one TYPE line per family');
  const text = lines.join('\n');
  t.match(text, 'route="weird \\"route\\"\\\\with\\nnewline"', 'label values are escaped');
  t.match(text, 'dagrun_model_info{dataset="model",version="unversioned"} 1', 'an unversioned model');
});

t.test('a reload changes the model info gauge to the new version (one series, not two)', async (t) => {
  const m = new Metrics();
  m.model('model', 'v1');
  m.model('model', 'v2');
  const info = m.render().split('\n').filter((l) => l.startsWith('dagrun_model_info'));
  t.same(info, ['dagrun_model_info{dataset="model",version="v2"} 1']);
});
