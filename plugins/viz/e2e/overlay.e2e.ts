// A failed run in headless Chromium: the failed node highlighted with its error, the nodes after it
// not run, the run summary naming the failure; and namespaces (the retail demo) collapsing to one box
// and expanding. Screenshots: bench-out/viz/property-failed.png, retail-collapsed.png.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import t from 'tap';
import { copyProperty, failProperty, RETAIL, ROOT } from '../test/fixture.js';
import { runViz } from '../src/internal/command.js';
import { countKind, launch, openPage, shownIds } from './browser.js';

const ARTIFACTS = join(ROOT, 'bench-out/viz');
mkdirSync(ARTIFACTS, { recursive: true });
const quiet = { stdout: () => undefined, stderr: () => undefined };

let browser!: Browser;
t.before(async () => {
  browser = await launch();
});
t.teardown(() => browser?.close());

t.test("a failed run's node is highlighted with its error", async (t) => {
  const dir = copyProperty(t, 'e2e-failed');
  const runId = await failProperty(dir);
  const file = join(dir, 'failed.html');
  await runViz({ out: file }, { projectDir: dir, ...quiet });
  const { page, errors, blocked } = await openPage(browser, file);

  t.match(await page.getAttribute('[data-id="n:train_model"]', 'class'), /st-failed/);
  t.same(await shownIds(page, 'node').then((ids) => ids.filter((id) => id !== 'n:train_model')), [
    'n:build_features',
    'n:evaluate_model',
    'n:evaluation_report',
    'n:predict_model',
    'n:tabulate_metrics',
    'n:tabulate_predictions',
  ]);
  t.equal(await page.locator('#viewport .item.st-failed').count(), 1, 'one node failed');
  t.equal(await page.locator('#viewport .item.st-ok').count(), 1, 'build_features ran');
  t.equal(
    await page.locator('#viewport .item.st-not_run').count(),
    5,
    'predict_model, evaluate_model, evaluation_report and the two tabulate nodes did not run',
  );
  const stroke = await page.$eval('[data-id="n:train_model"] .shape', (el) => getComputedStyle(el).stroke);
  t.equal(stroke, 'rgb(198, 40, 40)', 'drawn with a red border');

  const summary = page.locator('#run-summary');
  t.match(await summary.getAttribute('class'), /failed/);
  t.match(await summary.textContent(), `Run ${runId}`);
  t.match(await summary.textContent(), /failed at train_model: .*no_such_loss/);
  await summary.locator('button').click();
  t.equal(await page.textContent('#panel h2'), 'train_model');
  t.match(await page.textContent('#panel pre.error'), /DAGRUN_ERR_NODE_FAILED.*no_such_loss/);
  await page.screenshot({ path: join(ARTIFACTS, 'property-failed.png') });

  await page.uncheck('#show-run');
  t.equal(await page.locator('#viewport .item.st-failed').count(), 0, 'the overlay can be switched off');
  t.same(errors, []);
  t.same(blocked, []);
});

t.test('namespaces collapse to one box and expand', async (t) => {
  const file = join(ARTIFACTS, 'retail.html');
  await runViz({ out: file, run: false }, { projectDir: RETAIL, ...quiet });
  const { page, errors, blocked } = await openPage(browser, file);
  const nodes = await countKind(page, 'node');
  t.equal(nodes, 7, 'clean, join, compute_metrics and two namespaced nodes in each of by_region and by_product');

  await page.click('#ns-menu summary');
  await page.click('#ns-list button[data-collapse="by_region"]');
  t.same(await shownIds(page, 'namespace'), ['ns:by_region']);
  t.equal(await countKind(page, 'node'), nodes - 2, 'its two nodes are inside the box');
  t.match(await page.textContent('[data-id="ns:by_region"]'), '2 nodes');
  await page.click('#ns-list button:text-is("Collapse all")');
  t.same(await shownIds(page, 'namespace'), ['ns:by_product', 'ns:by_region']);
  await page.click('#ns-menu summary');
  await page.screenshot({ path: join(ARTIFACTS, 'retail-collapsed.png') });

  await page.click('#viewport [data-id="ns:by_region"]');
  t.same(await shownIds(page, 'namespace'), ['ns:by_product'], 'clicking a box expands it');
  t.equal(await countKind(page, 'node'), nodes - 2);

  await page.click('#ns-menu summary');
  await page.uncheck('#ns-list input[data-ns="by_product"]');
  t.equal(await countKind(page, 'namespace'), 0, 'a hidden namespace is not drawn, collapsed or not');
  t.notOk((await shownIds(page, 'node')).some((id) => id.startsWith('n:by_product.')));
  t.same(errors, []);
  t.same(blocked, []);
});
