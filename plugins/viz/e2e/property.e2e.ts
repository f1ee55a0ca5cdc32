// The property project's page in headless Chromium: counts against the pipeline, the train_model
// panel, the tag filter, the run overlay, the pipeline switch, search, no console error and no
// request. The page is made by the real CLI (`dagrun viz`) in a trained copy of the project.
// Screenshots: bench-out/viz/property*.png.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { Browser, Page } from 'playwright-core';
import { isParamInput, openProject, type Pipeline, type Project, type RunOutcome } from '@dagrun/core';
import { copyProperty, ROOT, trainProperty } from '../test/fixture.js';
import { countEdges, countKind, launch, openPage, shownIds, type OpenedPage } from './browser.js';

const ARTIFACTS = join(ROOT, 'bench-out/viz');
mkdirSync(ARTIFACTS, { recursive: true });

// Set up once, before the first test: a trained copy, its page written by the CLI, the page opened.
let printed = '';
let file = '';
let run!: RunOutcome;
let project!: Project;
let pipeline!: Pipeline;
let opened!: OpenedPage;
let page!: Page;
let browser: Browser | undefined;
t.teardown(() => browser?.close());
t.before(async () => {
  const dir = copyProperty(t, 'e2e');
  run = await trainProperty(dir);
  file = join(dir, '.dagrun/viz/pipelines.html');
  printed = execFileSync(process.execPath, [join(ROOT, 'bin/dagrun.js'), 'viz', '--project', dir], {
    cwd: ROOT,
    encoding: 'utf8',
  }).trim();
  project = await openProject({ projectDir: dir });
  pipeline = project.pipeline('__default__');
  browser = await launch();
  // Wide enough for the screenshot docs/viz-property.png to show the graph legibly beside the panel.
  opened = await openPage(browser, file, { width: 1920, height: 1000 });
  page = opened.page;
});
const edgesOf = (nodes: Pipeline['nodes']) =>
  nodes.reduce((n, node) => n + new Set(node.inputNames).size + node.outputNames.length, 0);

t.test('`dagrun viz` writes the page and prints its path', async (t) => {
  t.equal(join(ROOT, printed), file);
});

t.test('the rendered nodes, datasets, parameters and edges are those of the pipeline', async (t) => {
  const datasets = pipeline.datasets();
  t.equal(await countKind(page, 'node'), pipeline.nodes.length);
  t.equal(await countKind(page, 'dataset'), datasets.filter((d) => !isParamInput(d)).length);
  t.equal(await countKind(page, 'parameter'), datasets.filter(isParamInput).length);
  t.equal(await countEdges(page), edgesOf(pipeline.nodes));
  t.same(await shownIds(page, 'node'), pipeline.nodes.map((n) => `n:${n.name}`).sort());
  t.match(await page.textContent('#counts'), `${pipeline.nodes.length} nodes`);
});

t.test('the last run: every node ok with its duration, and the total time', async (t) => {
  t.equal(await page.locator('#viewport .item.st-ok').count(), pipeline.nodes.length);
  const summary = (await page.textContent('#run-summary')) ?? '';
  t.match(summary, `Run ${run.runId}`);
  t.match(summary, /total \d/);
  t.match(await page.textContent('[data-id="n:train_model"] .sub'), /^ok · \d/);
});

t.test('clicking train_model shows its function, inputs and the parameter values it receives', async (t) => {
  await page.click('#viewport [data-id="n:train_model"]');
  const panel = page.locator('#panel');
  await panel.waitFor({ state: 'visible' });
  t.equal(await panel.locator('h2').textContent(), 'train_model');
  const text = (await panel.textContent()) ?? '';
  t.match(text, 'trainModel');
  t.match(text, 'src/nodes/model.ts');
  const node = pipeline.node('train_model')!;
  const inputs = await panel.locator('h3:text-is("Inputs") + ul button').allTextContents();
  t.same(
    inputs,
    node.inputNames.filter((i) => !isParamInput(i)),
  );
  for (const p of node.inputNames.filter(isParamInput)) {
    const shown = await panel.locator(`pre[data-param="${p}"]`).textContent();
    const key = p.slice('params:'.length);
    t.same(JSON.parse(shown!), project.params[key], `${p} shows its value`);
  }
  t.same(await panel.locator('h3:text-is("Outputs") + ul button').allTextContents(), ['model']);
  t.match(await page.getAttribute('[data-id="n:train_model"]', 'class'), /selected/);
  // Fit the graph beside the open panel: this screenshot is the one docs/viz-property.png shows.
  await page.click('#zoom-fit');
  await page.screenshot({ path: join(ARTIFACTS, 'property.png') });
});

t.test('clicking a dataset shows its catalog entry and versions; a parameter its value', async (t) => {
  await page.click('#panel button[data-target="d:model"]');
  const text = (await page.textContent('#panel')) ?? '';
  t.match(text, 'data/06_models/model.json');
  t.match(text, '1 present');
  t.match(text, run.runId, 'the version this run saved');
  await page.click('#viewport [data-id="p:params:target"]');
  t.equal(await page.textContent('#panel pre.value'), '"price"');
});

t.test('the tag filter hides the nodes without the tag, and their data', async (t) => {
  await page.click('#tag-menu summary');
  await page.check('#tag-list input[data-tag="training"]');
  const kept = pipeline.filter({ tags: ['training'] }).nodes;
  t.same(await shownIds(page, 'node'), kept.map((n) => `n:${n.name}`).sort());
  const data = new Set(kept.flatMap((n) => [...n.inputNames, ...n.outputNames]));
  t.same(
    await shownIds(page, 'dataset'),
    [...data]
      .filter((d) => !isParamInput(d))
      .map((d) => `d:${d}`)
      .sort(),
  );
  t.same(
    await shownIds(page, 'parameter'),
    [...data]
      .filter(isParamInput)
      .map((d) => `p:${d}`)
      .sort(),
  );
  t.equal(await countEdges(page), edgesOf(kept));
  t.equal(await page.locator('[data-id="n:build_features"]').count(), 0, 'build_features is hidden');

  await page.check('#tag-list input[data-tag="features"]');
  t.equal(
    await countKind(page, 'node'),
    pipeline.filter({ tags: ['training', 'features'] }).nodes.length,
    'two tags: nodes with either',
  );
  await page.click('#tag-list button:text-is("Show all")');
  t.equal(await countKind(page, 'node'), pipeline.nodes.length);
  await page.click('#tag-menu summary');
});

t.test('the pipeline filter, search and the parameters switch', async (t) => {
  await page.selectOption('#pipeline', 'inference');
  t.same(await shownIds(page, 'node'), ['n:predict_properties']);
  await page.selectOption('#pipeline', '__default__');
  await page.fill('#search', 'predict');
  const matches = await page.locator('#viewport .item.match').count();
  t.equal(matches, 4, 'predict_model, tabulate_predictions, test_predictions and prediction_table');
  t.match(await page.textContent('#search-count'), '4 matches');
  await page.fill('#search', '');
  await page.uncheck('#show-params');
  t.equal(await countKind(page, 'parameter'), 0);
  await page.check('#show-params');
});

t.test('pan and zoom change the view transform', async (t) => {
  const before = await page.getAttribute('#viewport', 'transform');
  await page.click('#zoom-in');
  const zoomed = await page.getAttribute('#viewport', 'transform');
  t.not(zoomed, before);
  await page.mouse.move(700, 400);
  await page.mouse.down();
  await page.mouse.move(600, 350, { steps: 4 });
  await page.mouse.up();
  t.not(await page.getAttribute('#viewport', 'transform'), zoomed, 'dragging the background pans');
});

t.test('no console error, and no request but the page itself', async (t) => {
  t.same(opened.errors, []);
  t.same(opened.blocked, []);
  t.same(opened.requests, [opened.url]);
});
