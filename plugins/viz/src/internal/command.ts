// `dagrun viz`: writes the page (or an SVG / JSON export) and prints its path, or serves it with
// --serve. Options are checked before the project is opened, each error naming the option to change.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, join, relative, resolve } from 'node:path';
import { ConfigError, didYouMean, type CommandContext, type CommandSpec } from '@dagrun/core';
import type { GraphModel } from './model.js';
import { projectGraph } from './project-graph.js';
import { FORMATS, renderGraph, type Format } from './render.js';
import { startVizServer } from './serve.js';

export interface VizCommandOptions {
  readonly pipeline?: string | undefined;
  readonly out?: string | undefined;
  readonly format?: string | undefined;
  /** A run id, false for --no-run, undefined for the newest run. */
  readonly run?: string | false | undefined;
  readonly env?: string | undefined;
  readonly serve?: boolean | undefined;
  readonly port?: string | undefined;
}

const usage = (detail: string, hint?: string): ConfigError => new ConfigError('DAGRUN_ERR_CLI_USAGE', detail, { hint });

const checkFormat = (format: string | undefined, out: string | undefined): Format => {
  const f =
    format ??
    (out && ['.svg', '.json'].includes(extname(out).toLowerCase()) ? extname(out).slice(1).toLowerCase() : 'html');
  if ((FORMATS as readonly string[]).includes(f)) return f as Format;
  const mean = didYouMean(f, FORMATS);
  throw usage(
    `--format '${f}': expected one of ${FORMATS.join(', ')}, but got no such format.`,
    mean ? `Hint: ${mean}` : undefined,
  );
};

const checkPort = (port: string | undefined): number | undefined => {
  if (port === undefined) return undefined;
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw usage(
      `--port '${port}': expected an integer from 0 to 65535, but got '${port}'.`,
      'Hint: --port 0 picks any free port.',
    );
  return n;
};

const summary = (m: GraphModel): string => {
  const count = (kind: string) => m.items.filter((i) => i.kind === kind).length;
  const run = m.run ? `; run ${m.run.runId} (${m.run.status})` : '; no run recorded';
  return (
    `${m.pipelines.length} pipeline${m.pipelines.length === 1 ? '' : 's'}, ${count('node')} nodes, ` +
    `${count('dataset')} datasets, ${count('parameter')} parameters, ${m.edges.length} edges${run}`
  );
};

/** Relative to the working directory when the file is under it, else absolute. */
const shownPath = (file: string): string => {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
};

const printWarnings = (warnings: readonly string[], ctx: CommandContext): void => {
  for (const w of warnings.slice(0, 5)) ctx.stderr(`Warning: ${w}`);
  if (warnings.length > 5) ctx.stderr(`… and ${warnings.length - 5} more problems; \`dagrun check\` lists them all.`);
};

export const runViz = async (o: VizCommandOptions, ctx: CommandContext): Promise<number> => {
  const format = checkFormat(o.format, o.out);
  const port = checkPort(o.port);
  const graphOpts = { projectDir: ctx.projectDir, env: o.env, pipeline: o.pipeline, run: o.run };
  if (o.serve) {
    if (format !== 'html')
      throw usage(
        `--format ${format} with --serve: expected html (the served page), but got ${format}.`,
        `Hint: export with \`dagrun viz --format ${format}\` without --serve.`,
      );
    if (o.out)
      throw usage(
        `--out with --serve: expected no file (the page is served from memory), but got '${o.out}'.`,
        'Hint: drop --out, or drop --serve to write the file.',
      );
    return serve({ ...graphOpts, port }, ctx);
  }
  if (port !== undefined)
    throw usage(`--port without --serve: expected --serve as well, but got --port ${port} alone.`);
  const { model, project, warnings } = await projectGraph(graphOpts);
  printWarnings(warnings, ctx);
  const out = o.out
    ? resolve(process.cwd(), o.out)
    : join(dirname(project.runsDir), 'viz', `${o.pipeline ?? 'pipelines'}.${format}`);
  const text = await renderGraph(model, format);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  ctx.stderr(`${summary(model)}; ${(Buffer.byteLength(text) / 1024).toFixed(0)} KB.`);
  ctx.stdout(shownPath(out));
  return 0;
};

const serve = async (opts: Parameters<typeof startVizServer>[0], ctx: CommandContext): Promise<number> => {
  const server = await startVizServer({
    ...opts,
    onBuild: ({ version, error, warnings }) => {
      if (error) ctx.stderr(`Build ${version} failed; the page shows the error until the files are fixed:\n${error}`);
      else if (version > 1) ctx.stderr(`Rebuilt (version ${version}); open pages reload.`);
      printWarnings(warnings, ctx);
    },
  });
  ctx.stdout(server.url);
  ctx.stderr(
    `Serving the graph of '${ctx.projectDir}' at ${server.url}; ` +
      'it is rebuilt when dagrun.yaml, the pipelines file, conf/ or the run records change. Ctrl-C stops.',
  );
  await new Promise<void>((done) => {
    const stop = () => void server.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  ctx.stderr('Stopped.');
  return 0;
};

export const vizCommand: CommandSpec = {
  name: 'viz',
  description:
    'Draw the pipelines as one self-contained, interactive HTML page (or SVG / JSON) with the last run overlaid',
  options: [
    {
      flags: '-p, --pipeline <name>',
      description: 'only this pipeline (default: every pipeline; the page opens on __default__)',
    },
    {
      flags: '-o, --out <file>',
      description: 'where to write (default: .dagrun/viz/<pipeline or "pipelines">.<format> in the project)',
    },
    {
      flags: '-f, --format <format>',
      description:
        'html (the interactive page), svg (a static drawing) or json (the graph model); ' +
        "default html, or from --out's extension",
    },
    { flags: '--run <id>', description: 'run record to overlay (default: the newest in .dagrun/runs)' },
    { flags: '--no-run', description: 'no run overlay' },
    { flags: '-e, --env <name>', description: 'configuration environment layered over conf/base' },
    {
      flags: '--serve',
      description: 'serve the page on 127.0.0.1 and rebuild it when the pipelines, conf/ or run records change',
    },
    { flags: '--port <number>', description: 'port for --serve (default 4141; 0 for any free port)' },
  ],
  action: (_args, options, ctx) => runViz(options as VizCommandOptions, ctx),
};
