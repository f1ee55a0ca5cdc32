// `dagrun viz --serve`: the page on 127.0.0.1, rebuilt when dagrun.yaml, the pipelines file, conf/
// or the run records change (fs.watch on their folders, so editors that save by rename are seen).
// The page polls GET /version and reloads when it changes. A rebuild that fails serves a page with
// the error, which reloads once the files are fixed.

import { watch, mkdirSync, existsSync, type FSWatcher } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError, type Project } from '@dagrun/core';
import { escapeXml } from './markup.js';
import { projectGraph, type ProjectGraphOptions } from './project-graph.js';
import { renderGraph } from './render.js';

export interface VizServerOptions extends ProjectGraphOptions {
  readonly port?: number | undefined;
  readonly host?: string | undefined;
  /** Called after each build, with the problem when it failed. */
  readonly onBuild?:
    | ((info: { version: number; error?: string | undefined; warnings: readonly string[] }) => void)
    | undefined;
}

export interface VizServer {
  readonly url: string;
  /** Bumped by each rebuild. */
  readonly version: number;
  /** Rebuilds now (the watchers call it; tests too). */
  rebuild(): Promise<void>;
  close(): Promise<void>;
}

const DEBOUNCE_MS = 150;

export const startVizServer = async (opts: VizServerOptions): Promise<VizServer> => {
  const host = opts.host ?? '127.0.0.1';
  let version = 0;
  let html = '';
  let project: Project | undefined;

  // The version and the page change together, so a page that sees a new version reloads into it.
  const build = async (): Promise<void> => {
    const next = version + 1;
    const live = { url: '/version', version: next };
    let warnings: readonly string[] = [];
    let error: string | undefined;
    let page: string;
    try {
      const graph = await projectGraph(opts);
      project = graph.project;
      warnings = graph.warnings;
      page = await renderGraph(graph.model, 'html', live);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      page = errorPage(error, next);
    }
    html = page;
    version = next;
    opts.onBuild?.({ version, error, warnings });
  };

  // One build at a time; changes during a build make one more.
  let running: Promise<void> | undefined;
  let again = false;
  const rebuild = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await build();
      } while (again);
    })().finally(() => (running = undefined));
    return running;
  };

  await rebuild();

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain; charset=utf-8', 'GET only\n');
    if (path === '/' || path === '/index.html') return send(200, 'text/html; charset=utf-8', html);
    if (path === '/version') return send(200, 'application/json', JSON.stringify({ version }));
    return send(404, 'text/plain; charset=utf-8', `Not found: ${path}. The page is at /.\n`);
  });
  const port = opts.port ?? 4141;
  await listen(server, port, host);
  const address = server.address();
  const url = `http://${host}:${typeof address === 'object' && address ? address.port : port}`;

  let timer: NodeJS.Timeout | undefined;
  const watchers = watchProject(opts.projectDir, project, () => {
    clearTimeout(timer);
    timer = setTimeout(() => void rebuild(), DEBOUNCE_MS);
  });

  return {
    url,
    get version() {
      return version;
    },
    rebuild,
    async close() {
      clearTimeout(timer);
      for (const w of watchers) w.close();
      await running;
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
    },
  };
};

const listen = (server: Server, port: number, host: string): Promise<void> =>
  new Promise((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new ConfigError(
              'DAGRUN_ERR_CLI_USAGE',
              `--port ${port}: expected a free port on ${host}, but got one in use.`,
              { hint: 'Hint: pick another with --port, or --port 0 for any free port.' },
            )
          : err,
      );
    });
    server.listen(port, host, () => resolveListen());
  });

/** Watches the folders holding what the graph is built from; `changed` is called on any change there. */
const watchProject = (projectDir: string, project: Project | undefined, changed: () => void): FSWatcher[] => {
  const dir = resolve(projectDir);
  const settings = project?.settings;
  const pipelinesFile = resolve(dir, settings?.pipelines_file ?? 'pipeline.yaml');
  const confDir = resolve(dir, settings?.conf_dir ?? 'conf');
  const runsDir = project?.runsDir ?? join(dir, '.dagrun/runs');
  // The runs folder is created up front (as the first run would) so a first run is seen too.
  mkdirSync(runsDir, { recursive: true });
  const files = new Set(['dagrun.yaml', basename(pipelinesFile)]);
  const watchers: FSWatcher[] = [];
  const add = (path: string, recursive: boolean, filter?: (name: string) => boolean) => {
    if (!existsSync(path)) return;
    const w = watch(path, { recursive }, (_event, name) => {
      if (!filter || (name !== null && filter(String(name)))) changed();
    });
    w.on('error', () => undefined);
    watchers.push(w);
  };
  add(dir, false, (name) => files.has(name));
  if (dirname(pipelinesFile) !== dir) add(dirname(pipelinesFile), false, (name) => name === basename(pipelinesFile));
  add(confDir, true);
  add(runsDir, false, (name) => name.endsWith('.json'));
  return watchers;
};

/** What the page shows while the project does not build: the error, and a reload once it does. */
const errorPage = (message: string, version: number): string =>
  '<!doctype html>\n' +
  '<html lang="en"><head><meta charset="utf-8"><title>dagrun viz: the project does not build</title>' +
  '<link rel="icon" href="data:,">\n' +
  '<style>body{font:14px system-ui,sans-serif;margin:2rem;color:#1d2733}' +
  'pre{background:#fdecea;border:1px solid #f2c1bc;padding:1rem;white-space:pre-wrap}</style></head>\n' +
  '<body><h1>The graph could not be built</h1><p>Fix the file named below; this page reloads when it changes.</p>' +
  `<pre>${escapeXml(message)}</pre>\n` +
  "<script>setInterval(()=>fetch('/version',{cache:'no-store'}).then(r=>r.json())" +
  `.then(v=>{if(v.version!==${version})location.reload()}).catch(()=>{}),1000)</script>\n` +
  '</body></html>\n';
