// evaluation_report: the scale helpers map known values to known pixels, and renderReport on a small
// trained model gives one well-formed, self-contained page (4 SVGs, formatted metrics, escaped text).
import { GradientBoostingRegressor, RegressionModel, regressionMetrics } from '@dagrun/ml';
import pl from 'nodejs-polars';
import t from 'tap';
import { renderReport, MAX_SCATTER_POINTS } from '../src/nodes/report.js';
import { quantile, sampleIndices } from '../src/report/charts.js';
import { metricRows } from '../src/report/page.js';
import { linearScale, linearTicks, logScale, logTicks, niceStep } from '../src/report/scale.js';
import { escapeXml, formatInt, formatPercent, formatTick } from '../src/report/svg.js';

t.test('linearScale maps the domain onto the range, also reversed (an SVG y axis)', async (t) => {
  const x = linearScale([0, 10], [50, 250]);
  t.equal(x(0), 50);
  t.equal(x(5), 150);
  t.equal(x(10), 250);
  const y = linearScale([-1, 1], [400, 0]);
  t.equal(y(-1), 400);
  t.equal(y(0), 200);
  t.equal(y(0.5), 100);
  t.same(x.ticks(5), [0, 2, 4, 6, 8, 10]);
});

t.test('logScale maps each decade to the same width', async (t) => {
  const x = logScale([10, 100000], [0, 400]);
  t.equal(x(10), 0);
  t.equal(x(100), 100);
  t.equal(x(1000), 200);
  t.equal(x(100000), 400);
  t.ok(Math.abs(x(10 ** 2.5) - 150) < 1e-9, 'half a decade is half the width');
  const y = logScale([1, 1000], [300, 0]);
  t.equal(y(10), 200);
  t.throws(() => logScale([0, 10], [0, 1]), {
    name: 'RangeError',
    message: 'logScale: expected a positive domain, but got [0, 10].',
  });
});

t.test('ticks are 1/2/5 × 10^k inside the domain', async (t) => {
  t.equal(niceStep(0, 1, 5), 0.2);
  t.equal(niceStep(0, 830, 5), 200);
  t.same(linearTicks(-0.42, 0.42, 6), [-0.4, -0.2, 0, 0.2, 0.4]);
  t.same(linearTicks(0, 0.7, 5), [0, 0.2, 0.4, 0.6]);
  t.same(logTicks(40, 270000), [100, 1000, 10000, 100000], 'powers of ten when there are at least three');
  t.same(logTicks(3, 60), [5, 10, 20, 50], 'with 2 and 5 multiples when the domain spans little');
  t.same(formatTick(100000), '100k');
  t.same(formatTick(-0.2), '\u22120.2');
  t.same(formatTick(1500000), '1.5M');
});

t.test('escapeXml, number formats, quantiles and the deterministic sample', async (t) => {
  t.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  t.equal(formatInt(5686.1168), '5,686');
  t.equal(formatPercent(0.14792), '14.8%');
  t.equal(quantile([1, 2, 3, 4], 0.5), 2.5);
  t.equal(quantile([1, 2, 3, 4, 5], 0.25), 2);
  t.same(sampleIndices(5, 10), [0, 1, 2, 3, 4]);
  t.same(sampleIndices(10, 4), [0, 2, 5, 7]);
});

/** A small world: a seeded synthetic property table, a quick model, its test predictions and metrics. */
const world = (nTest: number, sectors: readonly string[]) => {
  let s = 12345;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const make = (n: number) => {
    const rows = Array.from({ length: n }, () => {
      const type = rand() < 0.4 ? 'casa' : 'departamento';
      const sector = sectors[Math.floor(rand() * sectors.length)]!;
      const nua = 40 + rand() * 200;
      return {
        type,
        sector,
        net_usable_area: nua,
        net_area: nua * (1 + rand()),
        n_rooms: 1 + Math.floor(rand() * 5),
        n_bathroom: 1 + Math.floor(rand() * 3),
        latitude: -33.4 - rand() * 0.1,
        longitude: -70.5 - rand() * 0.1,
        price: Math.round(nua * 60 * (type === 'casa' ? 1.2 : 1) * (0.8 + rand() * 0.4)),
      };
    });
    return pl.readRecords(rows);
  };
  const train = make(800);
  const test = make(nTest);
  const features = ['type', 'sector', 'net_usable_area', 'net_area', 'n_rooms', 'n_bathroom', 'latitude', 'longitude'];
  const cols = (df: pl.DataFrame, names: string[]) =>
    Object.fromEntries(names.map((n) => [n, df.getColumn(n).toArray()]));
  const model = new RegressionModel({
    target: 'price',
    features,
    categorical: ['type', 'sector'],
    estimator: new GradientBoostingRegressor({ n_estimators: 20, max_depth: 3, learning_rate: 0.2, random_state: 1 }),
  }).fit(cols(train, [...features, 'price']), { trainedAt: '1970-01-01T00:00:00.000Z' });
  const test_target = test.getColumn('price').toArray() as number[];
  const test_predictions = Array.from(model.predict(cols(test, features)));
  const metrics = regressionMetrics(test_target, test_predictions, 1000);
  return { model, test, test_target, test_predictions, metrics, target: 'price' };
};

const count = (html: string, re: RegExp): number => (html.match(re) ?? []).length;

t.test('renderReport: one self-contained page with four SVG charts, the metrics formatted, text escaped', async (t) => {
  const inputs = world(400, ['las condes', 'a<b & "c"']);
  const html = renderReport(inputs);
  t.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  t.equal(count(html, /<html[\s>]/g), 1, 'one <html>');
  t.equal(count(html, /<\/html>/g), 1, 'one </html>');
  t.equal(count(html, /<svg[\s>]/g), 4, 'scatter, residuals by type and by sector, importances');
  t.equal(count(html, /<svg[\s>]/g), count(html, /<\/svg>/g), 'every <svg> is closed');
  t.notMatch(html, /<script/i, 'no script');
  t.notMatch(html, /https?:\/\//i, 'no URL, so no external request');

  for (const row of metricRows(inputs.metrics, 'UF'))
    t.ok(html.includes(`<td class="num">${escapeXml(row.value)}</td>`), `metric ${row.name} shown as ${row.value}`);
  t.ok(
    html.includes(`${formatInt(inputs.metrics.rmse)} UF`) &&
      html.includes(formatPercent(inputs.metrics.mape_above)) &&
      html.includes(inputs.metrics.r2.toFixed(3)),
  );

  const importances = inputs.model.featureImportances()!;
  const total = Object.values(importances).reduce((a, b) => a + b, 0);
  t.ok(Math.abs(total - 1) < 1e-9, `importances sum to 1 (${total})`);
  for (const [name, v] of Object.entries(importances))
    t.ok(html.includes(`>${name}</text>`) && html.includes(`>${formatPercent(v)}</text>`), `bar for ${name}`);

  t.ok(html.includes('a&lt;b &amp; &quot;c&quot;'), 'a category name is escaped');
  t.notOk(html.includes('a<b'), 'and never embedded raw');
  t.equal(count(html, /<circle /g), 400 + 2, 'every test row drawn (n < the cap), plus two legend dots');
  t.equal(renderReport(inputs), html, 'the same inputs give the same page');
});

t.test('renderReport samples at most MAX_SCATTER_POINTS rows, and refuses misaligned inputs', async (t) => {
  const inputs = world(MAX_SCATTER_POINTS + 500, ['vitacura']);
  const html = renderReport(inputs);
  t.equal(count(html, /<circle /g), MAX_SCATTER_POINTS + 2);
  t.ok(html.includes(`${MAX_SCATTER_POINTS} of ${MAX_SCATTER_POINTS + 500} test rows`));
  t.throws(() => renderReport({ ...inputs, test_predictions: inputs.test_predictions.slice(1) }), {
    message:
      'evaluation_report: expected test, test_target and test_predictions of one length, ' +
      'but got 3500, 3500 and 3499.',
  });
});
