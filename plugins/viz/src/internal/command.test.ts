// `dagrun viz` as the CLI calls it: the file written and its path printed, the exports, option errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { CommandContext } from '@dagrun/core';
import { copyProperty, PROPERTY } from '../../test/fixture.js';
import { runViz } from './command.js';

const context = (projectDir: string) => {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { projectDir, stdout: (s) => out.push(s), stderr: (s) => err.push(s) };
  return { ctx, out, err };
};
const tmp = (t: { teardown(fn: () => void): void }) => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-viz-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

t.test('writes the page where --out says and prints its path', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'graph.html');
  const { ctx, out, err } = context(PROPERTY);
  t.equal(await runViz({ out: file, run: false }, ctx), 0);
  t.same(out, [file], 'outside the working directory: the absolute path');
  t.match(err.join('\n'), /5 pipelines, 11 nodes, \d+ datasets, \d+ parameters, \d+ edges; no run recorded; \d+ KB\./);
  const html = readFileSync(file, 'utf8');
  t.match(html, /^<!doctype html>/);
  t.match(html, /<title>property-valuation · dagrun viz<\/title>/);
});

t.test('defaults to .dagrun/viz/ in the project, named after --pipeline', async (t) => {
  const dir = copyProperty(t, 'command');
  const { ctx, out } = context(dir);
  t.equal(await runViz({ pipeline: 'model_run' }, ctx), 0);
  t.ok(existsSync(join(dir, '.dagrun/viz/model_run.html')));
  t.match(out[0], /\.dagrun\/viz\/model_run\.html$/);
  t.equal(await runViz({ format: 'json' }, ctx), 0);
  t.same(JSON.parse(readFileSync(join(dir, '.dagrun/viz/pipelines.json'), 'utf8')).pipelines.length, 5);
});

t.test('--format svg|json, or the extension of --out', async (t) => {
  const dir = tmp(t);
  const { ctx } = context(PROPERTY);
  await runViz({ out: join(dir, 'g.svg'), pipeline: 'model_run', run: false }, ctx);
  const svg = readFileSync(join(dir, 'g.svg'), 'utf8');
  t.match(svg, /^<svg /);
  t.equal((svg.match(/data-kind="node"/g) ?? []).length, 7);
  await runViz({ out: join(dir, 'model.txt'), format: 'json', run: false }, ctx);
  t.equal(JSON.parse(readFileSync(join(dir, 'model.txt'), 'utf8')).project, 'property-valuation');
});

t.test('option errors name the option and what to give', async (t) => {
  const { ctx } = context(PROPERTY);
  await t.rejects(runViz({ format: 'png' }, ctx), {
    code: 'DAGRUN_ERR_CLI_USAGE',
    message: /--format 'png': expected one of html, svg, json, but got no such format\./,
  });
  await t.rejects(runViz({ format: 'jsn' }, ctx), { message: /Hint: did you mean: 'json'\?/ });
  await t.rejects(runViz({ port: '80x', serve: true }, ctx), {
    message: /--port '80x': expected an integer from 0 to 65535/,
  });
  await t.rejects(runViz({ port: '8080' }, ctx), { message: /--port without --serve/ });
  await t.rejects(runViz({ serve: true, format: 'svg' }, ctx), { message: /--format svg with --serve: expected html/ });
  await t.rejects(runViz({ serve: true, out: 'x.html' }, ctx), { message: /--out with --serve/ });
  await t.rejects(runViz({ pipeline: 'inferense' }, ctx), {
    code: 'DAGRUN_ERR_PIPELINE_UNKNOWN',
    message: /did you mean: 'inference'/,
  });
});
