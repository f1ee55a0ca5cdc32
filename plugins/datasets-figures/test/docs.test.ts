// Keeps docs/datasets-figures.md true: its example project runs as printed with the built `dagrun` CLI
// and writes the PNG and the report it describes; its options tables list every option of the schemas.
// Spawns the built CLI: needs `npx tsc -b`.

import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { Registry, PluginHost } from '@dagrun/core';
import figuresPlugin from '../src/index.js';
import { PNG_SIGNATURE, pngPixels, pngSize } from './helpers/figures.js';
import { makeProject } from '../../../core/test/helpers/project.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DOC = readFileSync(join(ROOT, 'docs/datasets-figures.md'), 'utf8');

interface Block {
  readonly lang: string;
  readonly body: string;
}
const blocks = (md: string): Block[] =>
  [...md.matchAll(/^```(\S*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]!.replace(/\n$/, '') }));
const section = (title: string): string => {
  const start = DOC.indexOf(`\n## ${title}`);
  if (start < 0) throw new Error(`no section '## ${title}'`);
  const next = DOC.indexOf('\n## ', start + 4);
  return DOC.slice(start, next < 0 ? undefined : next);
};

t.test('the example runs as printed and writes the PNG and the report it describes', async (t) => {
  const files: Record<string, string> = {};
  for (const b of blocks(section('Example'))) {
    const path = /^(?:#|\/\/) ([\w./-]+\.(?:ya?ml|ts))$/.exec(b.body.split('\n')[0]!);
    if (path) files[path[1]!] = `${b.body}\n`;
    else if (b.lang === 'json') files['data/01_raw/orders.json'] = `${b.body}\n`;
  }
  t.same(Object.keys(files).sort(), [
    'conf/base/catalog.yaml',
    'conf/base/parameters.yaml',
    'dagrun.yaml',
    'data/01_raw/orders.json',
    'pipeline.yaml',
    'src/nodes.ts',
  ]);

  const dir = makeProject(t, { ...files, 'package.json': '{ "type": "module", "private": true }\n' });
  mkdirSync(join(dir, 'node_modules/@dagrun'), { recursive: true });
  symlinkSync(join(ROOT, 'plugins/datasets-figures'), join(dir, 'node_modules/@dagrun/datasets-figures'), 'dir');
  symlinkSync(join(ROOT, 'core'), join(dir, 'node_modules/@dagrun/core'), 'dir');
  // A user's environment: no tap loader in NODE_OPTIONS, no tap variables.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)),
  );
  const run = await promisify(execFile)(process.execPath, [join(ROOT, 'bin/dagrun.js'), 'run'], {
    cwd: dir,
    env,
  }).catch((e: Error & { stdout: string; stderr: string }) => e);
  t.notOk(
    run instanceof Error,
    run instanceof Error ? `${run.message}\n${run.stdout}\n${run.stderr}` : '`dagrun run` exits 0',
  );

  const versions = readdirSync(join(dir, 'data/08_reporting/price_histogram.png'));
  t.equal(versions.length, 1, 'one version');
  const png = readFileSync(join(dir, 'data/08_reporting/price_histogram.png', versions[0]!, 'price_histogram.png'));
  t.same(png.subarray(0, 8), PNG_SIGNATURE);
  const [, w, h] = /The PNG is\s+([\d,]+) × ([\d,]+) pixels/
    .exec(section('Example'))!
    .map((s) => Number(s.replace(/,/g, '')));
  t.same(pngSize(png), { width: w, height: h }, `${w} × ${h}, as the page says`);
  const px = pngPixels(png);
  t.ok(px.darkIn(Math.round(px.width * 0.3), 0, Math.round(px.width * 0.7), 40) > 300, 'the title is drawn');

  const report = readFileSync(join(dir, 'data/08_reporting/weekly_report.html'), 'utf8');
  t.ok(report.includes('<p>24 orders, 1636 EUR in all.</p>'), 'the summary line');
  t.ok(
    report.includes(`src="data:image/png;base64,${png.toString('base64')}"`),
    'the report holds the PNG the figure dataset saved, loaded back as bytes',
  );
});

/** Option names in the first column of the table under a heading. */
const tableOptions = (title: string): string[] =>
  [...section(title).matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!).sort();

t.test('the options tables list every option of the entry and plugin schemas', async (t) => {
  const registry = new Registry();
  await new PluginHost(registry).register(figuresPlugin);
  const schema = registry.datasetType('figure')!.schema as { properties: Record<string, unknown> };
  t.same(tableOptions('Entry options'), Object.keys(schema.properties).sort());
  t.same(tableOptions('Fonts'), ['font_dirs', 'font_family', 'font_files', 'system_fonts']);
});
