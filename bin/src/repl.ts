// `dagrun repl`: a Node REPL with the project open: `project`, `catalog`, `params` and `pipelines`.
// Top-level await works (`await catalog.load('orders')`); the catalog is closed when the session ends.

import { start } from 'node:repl';
import { Writable } from 'node:stream';
import type { Catalog, Project } from '@dagrun/core';
import type { Out } from './progress.js';

export interface ReplIo {
  readonly input: NodeJS.ReadableStream & { readonly isTTY?: boolean | undefined };
  readonly output: Out;
}

/** What the session holds, in the order the banner lists it. */
export interface ReplContext {
  readonly project: Project;
  readonly catalog: Catalog;
  readonly params: Readonly<Record<string, unknown>>;
  readonly pipelines: NonNullable<Project['pipelines']>;
}

const list = (names: readonly string[], max = 8): string =>
  names.length === 0
    ? '(none)'
    : names.length <= max
      ? names.join(', ')
      : `${names.slice(0, max).join(', ')}, … (${names.length})`;

export const banner = (ctx: ReplContext): string =>
  [
    `dagrun repl: project '${ctx.project.settings.name}' (env ${ctx.project.config.envs.join('+')}), ` +
      `Node ${process.version}`,
    `  project    the Project: project.plan('__default__'), project.check(), project.run({ pipeline })`,
    `  catalog    await catalog.load('name'); datasets: ${list(ctx.catalog.list())}`,
    `  params     the parameters, overrides applied: ${list(Object.keys(ctx.params))}`,
    `  pipelines  pipelines.get('name'); pipelines: ${list(ctx.pipelines.names())}`,
    `.exit or Ctrl+D ends the session and closes the catalog.`,
    '',
  ].join('\n');

/** Opens the catalog, runs the session until it ends, then closes the catalog. Throws on load problems. */
export const runRepl = async (project: Project, io: ReplIo): Promise<void> => {
  const { CheckError } = await import('@dagrun/core');
  if (project.errors.length > 0 || !project.pipelines)
    throw new CheckError(`project '${project.settings.name}'`, [...project.errors]);
  const { catalog, errors } = project.createCatalog();
  if (errors.length > 0) {
    await catalog.close();
    throw new CheckError(`catalog of project '${project.settings.name}'`, errors);
  }
  const ctx: ReplContext = { project, catalog, params: project.params, pipelines: project.pipelines };
  // node:repl writes to a stream; the CLI's Out may be a plain writer (tests), so wrap it unless it is one.
  const output =
    io.output instanceof Writable
      ? io.output
      : new Writable({ write: (chunk, _enc, done) => (io.output.write(String(chunk)), done()) });
  output.write(banner(ctx));
  const server = start({
    prompt: `${project.settings.name}> `,
    input: io.input,
    output,
    terminal: Boolean(io.input.isTTY && io.output.isTTY),
  });
  for (const [k, v] of Object.entries(ctx))
    Object.defineProperty(server.context, k, { value: v, enumerable: true, writable: false });
  // Node's REPL evaluates a line as soon as it arrives, even while the previous line's top-level await is
  // pending; input piped from a file (`dagrun repl < steps.txt`) would then run out of order. One at a time:
  const evalLine = server.eval;
  let previous = Promise.resolve();
  const ordered: typeof server.eval = (code, context, file, cb) => {
    previous = previous.then(
      () =>
        new Promise<void>((done) =>
          evalLine.call(server, code, context, file, (err, result) => (cb(err, result), done())),
        ),
    );
  };
  (server as { eval: typeof server.eval }).eval = ordered;
  try {
    await new Promise<void>((done) => server.on('exit', done));
  } finally {
    await catalog.close();
  }
};
