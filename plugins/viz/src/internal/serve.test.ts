// `dagrun viz --serve`: the page and /version on 127.0.0.1, a rebuild when pipeline.yaml, conf/ or the
// run records change, an error page while the project does not build, and a clean stop.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { copyProperty, trainProperty } from '../../test/fixture.js';
import { startVizServer, type VizServer } from './serve.js';

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};
/** Waits until the server's version passes `from` (the watchers debounce, then rebuild). */
const nextVersion = async (server: VizServer, from: number, ms = 10_000): Promise<number> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const { version } = JSON.parse((await get(`${server.url}/version`)).body) as { version: number };
    if (version > from) return version;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected a rebuild after version ${from} within ${ms} ms, but got none`);
};
const embedded = (
  html: string,
): { model: { pipelines: Array<{ name: string }>; run?: { runId: string } }; live: { version: number } } =>
  JSON.parse(/<script id="dagrun-data" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!);

t.test('serves the page, and rebuilds it when the project changes', async (t) => {
  const dir = copyProperty(t, 'serve');
  const builds: Array<{ version: number; error?: string | undefined }> = [];
  const server = await startVizServer({ projectDir: dir, port: 0, onBuild: (b) => builds.push(b) });
  t.teardown(() => server.close());
  t.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);

  const page = await get(`${server.url}/`);
  t.equal(page.status, 200);
  t.match(page.type, /^text\/html/);
  t.same(embedded(page.body).live, { url: '/version', version: 1 }, 'the served page knows its version');
  t.same(JSON.parse((await get(`${server.url}/version`)).body), { version: 1 });
  t.equal((await get(`${server.url}/nope`)).status, 404);

  // A new pipeline in pipeline.yaml.
  const file = join(dir, 'pipeline.yaml');
  const yaml = readFileSync(file, 'utf8');
  writeFileSync(file, `${yaml}\nextra:\n  pipelines: [inference]\n`);
  const v2 = await nextVersion(server, 1);
  t.ok(
    embedded((await get(`${server.url}/`)).body).model.pipelines.some((p) => p.name === 'extra'),
    'the new pipeline is drawn',
  );

  // A file that does not parse: the page shows the error, and comes back once it is fixed.
  writeFileSync(file, `${yaml}\nbroken: [\n`);
  const v3 = await nextVersion(server, v2);
  const broken = await get(`${server.url}/`);
  t.match(broken.body, /The graph could not be built/);
  t.match(broken.body, /pipeline\.yaml/);
  t.ok(
    builds.some((b) => b.error),
    'onBuild heard of the failure',
  );
  writeFileSync(file, yaml);
  const v4 = await nextVersion(server, v3);
  t.notMatch((await get(`${server.url}/`)).body, /could not be built/);

  // A run: its record appears in the runs folder, and the overlay follows.
  const run = await trainProperty(dir);
  await nextVersion(server, v4);
  // The run writes its record twice (start and end): wait for the rebuild that saw the end.
  const deadline = Date.now() + 10_000;
  let runId: string | undefined;
  while (Date.now() < deadline && runId !== run.runId) {
    runId = embedded((await get(`${server.url}/`)).body).model.run?.runId;
    await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(runId, run.runId, 'the new run is overlaid');
});

t.test('a port in use is an error naming --port', async (t) => {
  const dir = copyProperty(t, 'port');
  const first = await startVizServer({ projectDir: dir, port: 0, run: false });
  t.teardown(() => first.close());
  const port = Number(new URL(first.url).port);
  await t.rejects(startVizServer({ projectDir: dir, port, run: false }), {
    code: 'DAGRUN_ERR_CLI_USAGE',
    message: new RegExp(`--port ${port}: expected a free port on 127\\.0\\.0\\.1, but got one in use`),
  });
});
