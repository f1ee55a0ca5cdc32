// The ui's HTTP side: the page, the JSON routes with their schemas (and their 400s and 404s), artifact files
// with content types and CSP sandbox, refusal of paths leaving the artifacts, a real port, and the command.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import t from 'tap';
import { TrackingStore } from './store.js';
import { ModelRegistry } from './registry-store.js';
import { buildUiApp, runUi, startUiServer, uiCommand } from './ui-server.js';

type TapTest = Parameters<Parameters<typeof t.test>[0]>[0];

/** A GET that sends the path exactly as written (no dot-segment resolution, unlike fetch and inject). */
const rawGet = (
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> =>
  new Promise((done, fail) => {
    const u = new URL(base);
    request({ host: u.hostname, port: u.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    })
      .on('error', fail)
      .end();
  });

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

const makeStore = (t: TapTest) => {
  const root = t.testdir({
    secret: 'outside the artifacts',
    files: {
      'report.html': '<h1>Report</h1><script>parent.x=1</script>',
      'plot.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
      'img.png': PNG,
      'metrics.json': '{"mae":1}',
      'notes.txt': 'hello',
      'data.csv': 'a,b\n1,2\n',
      sub: { 'deep.txt': 'deep' },
    },
  });
  const store = TrackingStore.open(join(root, 'mlruns'));
  const exp = store.ensureExperiment('housing');
  const ids: string[] = [];
  for (const [i, mae] of [2600, 2400, 2500].entries()) {
    const run = store.createRun(exp.id, { runName: `run-${i}`, userId: 'ana', startTime: 1000 * (i + 1) });
    store.logParams(run.runId, { depth: String(i + 3) });
    store.logMetric(run.runId, 'mae', mae, { timestamp: 1 });
    store.endRun(run.runId, 'FINISHED', 1000 * (i + 1) + 500);
    ids.push(run.runId);
  }
  store.logMetric(ids[0]!, 'odd', NaN, { timestamp: 1 });
  store.logArtifact(ids[1]!, join(root, 'files'), '.');
  // A link inside the artifacts to a file outside them.
  symlinkSync(join(root, 'secret'), store.artifactPath(ids[1]!, 'link.txt'));
  new ModelRegistry(store.root).createVersion('valuation', {
    source: `runs:/${ids[1]}/model`,
    storageLocation: 'x',
    runId: ids[1]!,
  });
  mkdirSync(join(store.root, exp.id, 'f'.repeat(32)));
  writeFileSync(join(store.root, exp.id, 'f'.repeat(32), 'meta.yaml'), '[1, 2]\n');
  return { root, store, ids, expId: exp.id };
};

t.test('GET / is the page, self-contained', async (t) => {
  const { store } = makeStore(t);
  const app = buildUiApp({ storeRoot: store.root });
  t.teardown(() => app.close());
  const res = await app.inject('/');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['content-type'], 'text/html; charset=utf-8');
  t.match(res.body, /<main id="view" data-testid="view"><\/main>/);
  t.match(res.body, /data-testid="problems-banner"/);
  t.notMatch(
    res.body,
    /<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org)/,
    'nothing loaded from elsewhere',
  );
  t.ok(res.body.length > 20_000, 'the bundled script and styles are inline');
});

t.test('JSON routes', async (t) => {
  const { store, ids, expId } = makeStore(t);
  const app = buildUiApp({ storeRoot: store.root });
  t.teardown(() => app.close());

  const exps = (await app.inject('/api/experiments')).json();
  t.same(
    exps.experiments.map((e: { name: string; runs: number }) => [e.name, e.runs]),
    [
      ['Default', 0],
      ['housing', 3],
    ],
  );

  const page = await app.inject('/api/runs?experiment=housing&orderBy=metrics.mae%20ASC&limit=2');
  t.equal(page.statusCode, 200);
  const body = page.json();
  t.same(
    body.runs.map((r: { runName: string }) => r.runName),
    ['run-1', 'run-2'],
  );
  t.same([body.total, body.limit, body.offset], [3, 2, 0]);
  t.same(body.columns, { params: ['depth'], metrics: ['mae', 'odd'], tags: ['mlflow.runName', 'mlflow.user'] });
  t.same(body.problems, store.allRuns().problems, 'the store problems, whole');
  t.same(
    body.problems.map((p: { file: string }) => p.file),
    [`${expId}/${'f'.repeat(32)}/meta.yaml`],
  );
  const odd = (await app.inject(`/api/runs?filter=${encodeURIComponent("attributes.run_name = 'run-0'")}`)).json();
  t.same(odd.runs[0].metrics, { mae: 2600, odd: 'NaN' }, 'NaN survives the response schema as a string');

  const bad = await app.inject(`/api/runs?filter=${encodeURIComponent('metrics.mae <')}`);
  t.equal(bad.statusCode, 400);
  t.same(bad.json(), {
    error: {
      code: 'DAGRUN_ERR_TRACKING_FILTER',
      message:
        "Filter 'metrics.mae <': expected a number for metrics.mae at character 13, but got the end of the filter.\n" +
        'metrics.mae <\n             ^',
      position: 13,
    },
  });
  const limit = await app.inject('/api/runs?limit=5000');
  t.same(
    [limit.statusCode, limit.json()],
    [
      400,
      {
        error: {
          code: 'DAGRUN_ERR_UI_REQUEST',
          message:
            "Request '/api/runs': expected its querystring to match the API's schema, but got: " +
            "'limit' must be <= 1000.",
        },
      },
    ],
  );
  const view = await app.inject('/api/runs?view=gone');
  t.same(
    [view.statusCode, view.json().error.message],
    [
      400,
      "Request '/api/runs': expected its querystring to match the API's schema, but got: " +
        "'view' must be equal to one of the allowed values (active, deleted, all).",
    ],
  );

  const run = await app.inject(`/api/runs/${ids[1]}`);
  t.equal(run.statusCode, 200);
  t.same(
    run.json().artifacts.map((a: { path: string; kind: string }) => [a.path, a.kind]),
    [
      ['data.csv', 'text'],
      ['img.png', 'image'],
      ['link.txt', 'text'],
      ['metrics.json', 'json'],
      ['notes.txt', 'text'],
      ['plot.svg', 'svg'],
      ['report.html', 'html'],
      ['sub/deep.txt', 'text'],
    ],
  );
  const missing = await app.inject(`/api/runs/${'0'.repeat(32)}`);
  t.equal(missing.statusCode, 404);
  t.equal(
    missing.json().error.message,
    `Run '${'0'.repeat(32)}': expected a run of the store at ${store.root}, but got no such run.\n` +
      'Hint: `dagrun runs list` shows the ids.',
  );

  const cmp = (await app.inject(`/api/compare?ids=${ids.join(',')}`)).json();
  t.same(cmp.metrics.find((m: { key: string }) => m.key === 'mae').best, [1]);
  t.equal((await app.inject('/api/compare')).statusCode, 400, 'ids are required');
  const models = (await app.inject('/api/models')).json();
  t.same(models.models[0].versions[0].runName, 'run-1');
  const info = (await app.inject('/api/info')).json();
  t.equal(info.storeRoot, store.root);
  t.match(info.filterSyntax, /metrics\.<key>/);
  const none = await app.inject('/api/nothing');
  t.same([none.statusCode, none.json().error.code], [404, 'DAGRUN_ERR_UI_NOT_FOUND']);
});

t.test('artifacts: content types, CSP sandbox, and no way out of the folder', async (t) => {
  const { store, ids } = makeStore(t);
  const app = buildUiApp({ storeRoot: store.root });
  t.teardown(() => app.close());
  const get = (rel: string) => app.inject(`/artifacts/${ids[1]}/${rel}`);
  for (const [rel, type, body] of [
    ['report.html', 'text/html; charset=utf-8', '<h1>Report</h1><script>parent.x=1</script>'],
    ['plot.svg', 'image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg"/>'],
    ['metrics.json', 'application/json; charset=utf-8', '{"mae":1}'],
    ['notes.txt', 'text/plain; charset=utf-8', 'hello'],
    ['data.csv', 'text/csv; charset=utf-8', 'a,b\n1,2\n'],
    ['sub/deep.txt', 'text/plain; charset=utf-8', 'deep'],
  ] as const) {
    const res = await get(rel);
    t.equal(res.statusCode, 200, rel);
    t.equal(res.headers['content-type'], type, `${rel}: content type`);
    t.equal(res.headers['content-security-policy'], 'sandbox', `${rel}: cannot script the ui`);
    t.equal(res.body, body);
  }
  const png = await get('img.png');
  t.same([png.headers['content-type'], png.rawPayload.equals(PNG)], ['image/png', true]);

  const leaving = (rel: string) => ({
    error: {
      code: 'DAGRUN_ERR_TRACKING_KEY',
      message: `Artifact path '${rel}': expected a path inside the run's artifacts, but got one that leaves it.`,
    },
  });
  const escaped = await app.inject(`/artifacts/${ids[1]}/..%2fmeta.yaml`);
  t.same([escaped.statusCode, escaped.json()], [400, leaving('../meta.yaml')], 'an encoded slash');
  // inject (like a browser) resolves dot segments before sending; a raw client does not, so the server must
  // refuse them.
  const server = await startUiServer({ storeRoot: store.root, port: 0 });
  t.teardown(() => server.close());
  for (const [path, rel] of [
    [`/artifacts/${ids[1]}/../meta.yaml`, '../meta.yaml'],
    [`/artifacts/${ids[1]}/%2e%2e/meta.yaml`, '../meta.yaml'],
    [`/artifacts/${ids[1]}/sub/../../meta.yaml`, 'sub/../../meta.yaml'],
  ] as const) {
    const res = await rawGet(server.url, path);
    t.same([res.status, JSON.parse(res.body)], [400, leaving(rel)], path);
  }
  const link = await get('link.txt');
  t.same(
    [link.statusCode, link.json().error.message],
    [400, "Artifact path 'link.txt': expected a path inside the run's artifacts, but got one that leaves it."],
    'a symbolic link out is refused',
  );
  const absent = await get('nope.txt');
  t.same(
    [absent.statusCode, absent.json().error.message],
    [404, `Artifact 'nope.txt' of run '${ids[1]}': expected a file of the run's artifacts, but got no such file.`],
  );
  t.equal(
    (await get('sub')).json().error.message,
    `Artifact 'sub' of run '${ids[1]}': expected a file, but got a folder.`,
    'a folder is not served',
  );
  t.equal((await get('')).statusCode, 404, 'nor the artifacts folder itself');
  t.equal((await app.inject(`/artifacts/${'0'.repeat(32)}/x.txt`)).statusCode, 404, 'unknown run');
});

t.test('a real port: 0 picks a free one and the url names it', async (t) => {
  const { store } = makeStore(t);
  const server = await startUiServer({ storeRoot: store.root, port: 0 });
  t.teardown(() => server.close());
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  t.notMatch(server.url, /:0\/$/);
  const res = await fetch(`${server.url}api/runs`);
  t.equal(res.status, 200);
  t.equal(((await res.json()) as { total: number }).total, 3);
  const port = Number(new URL(server.url).port);
  t.equal(
    (await rawGet(server.url, '/api/info', { host: `localhost:${port}` })).status,
    200,
    'localhost is this machine',
  );
  const rebound = await rawGet(server.url, '/api/runs', { host: `evil.example:${port}` });
  t.same(
    [rebound.status, JSON.parse(rebound.body)],
    [
      403,
      {
        error: {
          code: 'DAGRUN_ERR_UI_HOST',
          message:
            `Host 'evil.example:${port}': ` +
            `expected this machine's address (127.0.0.1:${port}, localhost:${port}, [::1]:${port}), ` +
            'but got another name.\n' +
            'Hint: open the url `dagrun ui` printed; to serve other names, listen on them with --host.',
        },
      },
    ],
    'another name (DNS rebinding) is refused',
  );
  await t.rejects(startUiServer({ storeRoot: store.root, port }), {
    message:
      `[DAGRUN_ERR_CLI_USAGE] Port ${port} on 127.0.0.1: expected a free port, but got one in use.\n` +
      '  Hint: --port 0 picks any free port.',
  });
});

t.test('the command: options, store location, printing the url', async (t) => {
  const { root } = makeStore(t);
  t.equal(uiCommand.name, 'ui');
  t.same(
    uiCommand.options?.map((o) => o.flags),
    ['--port <number>', '--host <address>', '--store <path>'],
  );
  const out: string[] = [];
  const ctx = { projectDir: root, stdout: (l: string) => out.push(l), stderr: () => undefined };
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  const running = runUi(
    { port: '0' },
    ctx,
    (dir) => join(dir, 'mlruns'),
    () => stopped,
  );
  await t.resolveMatch(
    (async () => {
      while (out.length === 0) await new Promise((r) => setTimeout(r, 20));
      return (await fetch(`${out[0]}api/experiments`)).status;
    })(),
    200,
  );
  stop();
  t.equal(await running, 0);
  await t.rejects(
    runUi({ port: '99999' }, ctx, () => root),
    {
      message:
        "[DAGRUN_ERR_CLI_USAGE] --port '99999': expected an integer from 0 to 65535, but got '99999'.\n" +
        '  Hint: --port 0 picks any free port.',
    },
  );
  await t.rejects(
    runUi({ port: '0', store: join(root, 'none') }, ctx, () => root),
    { code: 'DAGRUN_ERR_TRACKING_STORE' },
    'a missing store is not created',
  );
});
