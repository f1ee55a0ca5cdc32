// `dagrun ui` in headless Chromium over a store built here: runs table (count, sort, filter and its error,
// column chooser), compare (a point, bar and line per run), run page (HTML report in a sandboxed iframe),
// models, problems banner, and no console errors. Screenshots: bench-out/tracking-ui/*.png.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import t from 'tap';
import { ModelRegistry } from '../src/internal/registry-store.js';
import { TrackingStore } from '../src/internal/store.js';
import { startUiServer, type UiServer } from '../src/internal/ui-server.js';
import { afterRender, launch, openPage, rowIds } from './browser.js';

const SHOTS = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../..'), 'bench-out/tracking-ui');
mkdirSync(SHOTS, { recursive: true });

// name, model.type, model.max_depth, mae, r2
const SPECS: ReadonlyArray<readonly [string, string, string, number, number]> = [
  ['rf-d3', 'rf', '3', 2650, 0.8],
  ['rf-d5', 'rf', '5', 2410, 0.84],
  ['rf-d8', 'rf', '8', 2480, 0.85],
  ['gbm-d3', 'gbm', '3', 2550, 0.82],
  ['gbm-d5', 'gbm', '5', 2290, 0.88],
  ['gbm-d8', 'gbm', '8', 2350, 0.87],
  ['linear', 'linear', '1', 3100, 0.7],
  ['gbm-d5-b', 'gbm', '5', 2600, 0.81],
];

const dir = mkdtempSync(join(tmpdir(), 'dagrun-ui-e2e-'));
const store = TrackingStore.open(join(dir, 'mlruns'));
const ids: Record<string, string> = {};
const mae: Record<string, number> = {};
{
  const exp = store.ensureExperiment('housing');
  SPECS.forEach(([name, type, depth, m, r2], i) => {
    const start = Date.UTC(2025, 4, 1, 9, i * 7);
    const run = store.createRun(exp.id, { runName: name, userId: 'ana', startTime: start, tags: { family: type } });
    ids[name] = run.runId;
    mae[run.runId] = m;
    store.logParams(run.runId, { 'model.type': type, 'model.max_depth': depth, 'data.rows': '20640' });
    store.logMetric(run.runId, 'mae', m, { timestamp: start });
    store.logMetric(run.runId, 'r2', r2, { timestamp: start });
    for (let step = 0; step < 5; step++)
      store.logMetric(run.runId, 'loss', (m / 1000) * (1 + 1 / (step + 1)), { timestamp: start + step, step });
    store.endRun(run.runId, 'FINISHED', start + 40_000 + i * 3_000);
  });
  const files = join(dir, 'files');
  mkdirSync(files);
  writeFileSync(
    join(files, 'evaluation_report.html'),
    '<!doctype html><html><body><h1>Evaluation report</h1>' +
      '<svg width="80" height="40"><rect width="80" height="40" fill="#1f6feb"/></svg></body></html>',
  );
  writeFileSync(join(files, 'metrics.json'), '{"mae":2290,"r2":0.88}');
  store.logArtifact(ids['gbm-d5']!, files, '.');
  const base = store.createRun('0', { runName: 'baseline', userId: 'bo', startTime: Date.UTC(2025, 3, 1) });
  ids.baseline = base.runId;
  mae[base.runId] = 3500;
  store.logMetric(base.runId, 'mae', 3500, { timestamp: 1 });
  store.endRun(base.runId, 'FAILED', Date.UTC(2025, 3, 1) + 900);
  const gone = store.createRun(exp.id, { runName: 'discarded', userId: 'bo' });
  store.deleteRun(gone.runId);
  mkdirSync(join(store.root, exp.id, 'c0ffee00'.repeat(4)));
  writeFileSync(join(store.root, exp.id, 'c0ffee00'.repeat(4), 'meta.yaml'), 'run_id: [unclosed\n');
  const registry = new ModelRegistry(store.root);
  registry.createVersion('property-valuation', {
    source: `runs:/${ids['rf-d5']}/model`,
    storageLocation: 'a',
    runId: ids['rf-d5']!,
  });
  registry.createVersion('property-valuation', {
    source: `runs:/${ids['gbm-d5']}/model`,
    storageLocation: 'b',
    runId: ids['gbm-d5']!,
  });
  registry.setAlias('property-valuation', 'champion', 2);
}
const activeRuns = store.allRuns().runs.filter((r) => r.lifecycleStage === 'active');

let browser!: Browser;
let server!: UiServer;
t.before(async () => {
  server = await startUiServer({ storeRoot: store.root, port: 0 });
  browser = await launch();
});
t.teardown(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const TABLE = '[data-testid=runs-table]';

t.test('runs table: every run, the problems banner, sorting by a metric column', async (t) => {
  const { page, errors, blocked } = await openPage(browser, server.url);
  t.equal(
    await page.locator(`${TABLE} tbody tr[data-run-id]`).count(),
    activeRuns.length,
    'as many rows as the store has active runs',
  );
  t.equal(activeRuns.length, 9);
  t.same((await rowIds(page)).sort(), activeRuns.map((r) => r.runId).sort());
  t.equal(await page.getAttribute('[data-testid=runs-count]', 'data-total'), '9');
  const banner = page.locator('[data-testid=problems-banner]');
  t.ok(await banner.isVisible(), 'the corrupt run is reported');
  t.match(await banner.textContent(), /1 problem in the tracking store/);
  t.match(await banner.textContent(), `${'c0ffee00'.repeat(4)}/meta.yaml`);
  await page.screenshot({ path: join(SHOTS, 'runs.png'), fullPage: true });

  await afterRender(page, () => page.click(`${TABLE} th[data-sort-key="metrics.mae"] button`));
  const ascending = Object.entries(mae)
    .sort((a, b) => a[1] - b[1])
    .map(([id]) => id)
    .filter((id) => activeRuns.some((r) => r.runId === id));
  t.same(await rowIds(page), ascending, 'lowest mae first');
  t.equal(await page.getAttribute(`${TABLE} th[data-sort-key="metrics.mae"]`, 'aria-sort'), 'ascending');
  t.match(page.url(), /orderBy=metrics\.mae\+ASC/, 'the sort is in the link');
  await afterRender(page, () => page.click(`${TABLE} th[data-sort-key="metrics.mae"] button`));
  t.same(await rowIds(page), [...ascending].reverse(), 'then highest first');
  const cells = await page.$$eval(`${TABLE} tbody td[data-col="metrics.mae"]`, (tds) =>
    tds.map((td) => Number(td.textContent)),
  );
  t.same(
    cells,
    [...cells].sort((a, b) => b - a),
    'the mae column reads descending',
  );

  await afterRender(page, () => page.click(`${TABLE} th[data-sort-key="params.model.max_depth"] button`));
  const depths = await page.$$eval(`${TABLE} tbody td[data-col="params.model.max_depth"]`, (tds) =>
    tds.map((td) => td.textContent ?? ''),
  );
  t.same(depths, ['1', '3', '3', '5', '5', '5', '8', '8', ''], 'params sort as strings, a run without the param last');
  t.same(errors, []);
  t.same(blocked, []);
});

t.test('filtering with the CLI syntax, and a filter that does not parse', async (t) => {
  const { page, errors } = await openPage(browser, server.url);
  const input = page.locator('[data-testid=filter-input]');
  await input.fill("metrics.mae < 2500 and params.model.max_depth = '5'");
  await afterRender(page, () => input.press('Enter'));
  t.same((await rowIds(page)).sort(), [ids['rf-d5'], ids['gbm-d5']].sort(), 'only the runs the filter keeps');
  t.equal(await page.textContent('[data-testid=runs-count]'), '1–2 of 2 runs');
  t.ok(await page.locator('[data-testid=filter-error]').isHidden());

  await input.fill('metrics.mae < 2500 and params.model.max_depth = 5');
  await afterRender(page, () => input.press('Enter'));
  const error = page.locator('[data-testid=filter-error]');
  t.ok(await error.isVisible(), 'the error is shown under the box');
  const bad = 'metrics.mae < 2500 and params.model.max_depth = 5';
  t.equal(
    await error.textContent(),
    `Filter '${bad}': expected a quoted string for params.model.max_depth at character ${bad.length - 1}, ` +
      `but got the number 5.\n${bad}\n${' '.repeat(bad.length - 1)}^`,
  );
  await page.screenshot({ path: join(SHOTS, 'filter-error.png') });

  await afterRender(page, () => page.click('[data-testid=filter-form] button:text("Clear")'));
  t.equal(await page.locator(`${TABLE} tbody tr[data-run-id]`).count(), 9);
  t.ok(await error.isHidden(), 'the error goes with the filter');

  await afterRender(page, () => page.click('[data-testid=experiments] a[data-experiment="housing"]'));
  t.equal(await page.locator(`${TABLE} tbody tr[data-run-id]`).count(), 8, 'one experiment');
  await afterRender(page, () => page.selectOption('[data-testid=view-select]', 'deleted'));
  t.same(await page.$$eval(`${TABLE} tbody td.name`, (tds) => tds.map((td) => td.textContent)), ['discarded']);
  t.same(errors, []);
});

t.test('the column chooser hides a column and remembers it', async (t) => {
  const { page, errors } = await openPage(browser, server.url);
  t.equal(await page.locator(`${TABLE} th[data-sort-key="metrics.r2"]`).count(), 1);
  await page.click('[data-testid=column-chooser] summary');
  await page.uncheck('[data-testid=column-chooser] input[data-column="metrics.r2"]');
  t.equal(await page.locator(`${TABLE} th[data-sort-key="metrics.r2"]`).count(), 0, 'hidden at once');
  await page.check('[data-testid=column-chooser] input[data-column="tags.family"]');
  t.equal(await page.locator(`${TABLE} th[data-sort-key="tags.family"]`).count(), 1, 'a tag column shown');
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  t.equal(await page.locator(`${TABLE} th[data-sort-key="metrics.r2"]`).count(), 0, 'still hidden after a reload');
  t.equal(await page.locator(`${TABLE} th[data-sort-key="tags.family"]`).count(), 1);
  t.same(errors, []);
});

t.test('selecting three runs and comparing them', async (t) => {
  const { page, errors } = await openPage(browser, server.url);
  for (const name of ['rf-d5', 'gbm-d5', 'gbm-d8'])
    await page.check(`${TABLE} tr[data-run-id="${ids[name]}"] input[data-testid=row-select]`);
  const compare = page.locator('[data-testid=compare-button]');
  t.equal(await compare.textContent(), 'Compare (3)');
  await afterRender(page, () => compare.click());
  t.equal(await page.getAttribute('#view', 'data-view'), 'compare');
  t.equal(await page.locator('[data-testid=scatter] svg circle.mark').count(), 3, 'one point per run');
  t.equal(await page.locator('[data-testid=bars] svg rect.bar').count(), 3, 'one bar per run');
  t.equal(await page.locator('[data-testid=history] svg path.line').count(), 3, 'one line per run');
  await page.selectOption('[data-testid=scatter-metric]', 'mae');
  await page.selectOption('[data-testid=scatter-param]', 'model.max_depth');
  const cy = await page.$$eval('[data-testid=scatter] circle.mark', (cs) =>
    Object.fromEntries(cs.map((c) => [(c as SVGElement).dataset.runId, Number(c.getAttribute('cy'))])),
  );
  t.ok(cy[ids['gbm-d5']!]! > cy[ids['rf-d5']!]!, 'the lower mae is drawn lower');
  t.same(
    await page.$$eval('[data-testid=compare-params] tr.differs', (rs) => rs.map((r) => (r as HTMLElement).dataset.key)),
    ['model.max_depth', 'model.type'],
    'differing params highlighted',
  );
  const best = await page.$$eval('[data-testid=compare-metrics] tr[data-key=mae] td', (tds) =>
    tds.map((td) => td.classList.contains('best')),
  );
  t.same(best, [false, true, false], 'gbm-d5 has the best (lowest) mae');
  const r2 = await page.$$eval('[data-testid=compare-metrics] tr[data-key=r2] td', (tds) =>
    tds.map((td) => td.classList.contains('best')),
  );
  t.same(r2, [false, true, false], 'and the best (highest) r2');
  await page.screenshot({ path: join(SHOTS, 'compare.png'), fullPage: true });
  t.same(errors, []);
});

t.test('the run page opens the HTML report in place, sandboxed', async (t) => {
  const { page, errors, blocked } = await openPage(browser, `${server.url}#/runs/${ids['gbm-d5']}`);
  t.equal(await page.textContent('[data-testid=run-title]'), 'gbm-d5');
  const frame = page.locator('iframe[data-testid=artifact-frame]');
  t.equal(await frame.count(), 1);
  t.equal(await frame.getAttribute('sandbox'), '', 'no allow-* token');
  t.equal(await frame.getAttribute('src'), `/artifacts/${ids['gbm-d5']}/evaluation_report.html`);
  t.equal(
    await page.frameLocator('iframe[data-testid=artifact-frame]').locator('h1').textContent(),
    'Evaluation report',
  );
  t.equal(
    await page.locator('[data-testid=run-metrics] tr[data-key=loss] svg.spark').count(),
    1,
    'a sparkline for the metric logged at 5 steps',
  );
  t.equal(await page.locator('[data-testid=run-params] tr').count(), 3);
  await page.screenshot({ path: join(SHOTS, 'run.png'), fullPage: true });
  await afterRender(page, () => page.click('[data-testid=artifact-list] li[data-path="metrics.json"] a'));
  t.equal(
    await page.textContent('[data-testid=artifact-text]'),
    '{\n  "mae": 2290,\n  "r2": 0.88\n}',
    'JSON pretty-printed',
  );
  t.same(errors, []);
  t.same(blocked, [], 'the report loads nothing from elsewhere either');
});

t.test('the models page lists versions with their alias and source run', async (t) => {
  const { page, errors } = await openPage(browser, `${server.url}#/models`);
  const model = page.locator('[data-model="property-valuation"]');
  t.equal(await model.locator('tr[data-version]').count(), 2);
  t.equal(await model.locator('tr[data-version="2"] [data-alias="champion"]').count(), 1, 'champion is on version 2');
  t.equal(await model.locator('tr[data-version="1"] [data-alias]').count(), 0);
  t.equal(await model.locator(`tr[data-version="2"] a[data-run-id="${ids['gbm-d5']}"]`).textContent(), 'gbm-d5');
  await page.screenshot({ path: join(SHOTS, 'models.png'), fullPage: true });
  await afterRender(page, () => model.locator(`tr[data-version="2"] a[data-run-id]`).click());
  t.equal(await page.textContent('[data-testid=run-title]'), 'gbm-d5', 'the source run opens');
  t.same(errors, []);
});
