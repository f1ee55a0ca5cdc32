// The compare view (#/compare?ids=a,b,c): the runs' params and metrics side by side, differing rows
// highlighted and the best value of each metric marked, and three charts: a metric against a param (one
// point per run), a metric per run as bars, and a metric's history by step (one line per run).

import type { StoreProblem } from '../internal/model.js';
import type { CompareJson } from '../internal/ui-api.js';
import { api } from './api.js';
import { fmtNum, h, select, statusBadge, toNumber } from './dom.js';
import { barChart, colorOf, lineChart, scatterPlot, type ScatterPoint } from './plots.js';
import { href, runHref, type Route, type ViewController } from './router.js';

const asNumber = (v: string): number | undefined =>
  v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;

const card = (title: string, controls: HTMLElement[], testid: string): { el: HTMLElement; body: HTMLElement } => {
  const body = h('div', { class: 'plot-body' });
  return {
    el: h(
      'section',
      { class: 'card plot-card', 'data-testid': testid },
      h('div', { class: 'card-head' }, h('h3', null, title), ...controls),
      body,
    ),
    body,
  };
};

const pickDefault = (rows: ReadonlyArray<{ key: string; differs: boolean }>): string | undefined =>
  (rows.find((r) => r.differs) ?? rows[0])?.key;

export const createCompareView = async (
  root: HTMLElement,
  route: Route,
  showProblems: (p: readonly StoreProblem[]) => void,
): Promise<ViewController> => {
  const ids = (route.query.get('ids') ?? '').split(',').filter((s) => s !== '');
  const back = h('a', { href: href('runs'), class: 'back' }, '‹ Runs');
  if (ids.length === 0) {
    root.append(
      back,
      h('p', { class: 'muted' }, 'No runs to compare: select two runs or more in the runs table, then press Compare.'),
    );
    showProblems([]);
    return {};
  }
  const data: CompareJson = await api.compare(ids);
  showProblems(data.problems);
  const names = data.runs.map((r) => r.runName || r.runId.slice(0, 8));
  const colors = data.runs.map((_, i) => colorOf(i));

  const legend = h(
    'div',
    { class: 'legend', 'data-testid': 'compare-legend' },
    ...data.runs.map((r, i) =>
      h(
        'a',
        { href: runHref(r.runId), class: 'chip run-chip', 'data-run-id': r.runId },
        h('span', { class: 'swatch', style: `background:${colors[i]}` }),
        names[i]!,
        ' ',
        statusBadge(r.status),
      ),
    ),
  );

  // ---- charts
  const metricKeys = data.metrics.map((m) => m.key);
  const paramKeys = data.params.map((p) => p.key);
  let scatterMetric = pickDefault(data.metrics);
  let scatterParam = pickDefault(data.params);
  let barMetric = scatterMetric;
  let lineMetric = data.metrics.find((m) => m.histories.some((hs) => hs.length > 1))?.key ?? scatterMetric;

  const scatterCard = card(
    'Metric against param',
    paramKeys.length === 0
      ? []
      : [
          select(metricKeys, scatterMetric, (v) => ((scatterMetric = v), drawScatter()), {
            'data-testid': 'scatter-metric',
            'aria-label': 'Metric',
          }),
          h('span', { class: 'muted' }, 'vs'),
          select(paramKeys, scatterParam, (v) => ((scatterParam = v), drawScatter()), {
            'data-testid': 'scatter-param',
            'aria-label': 'Param',
          }),
        ],
    'scatter',
  );
  const barCard = card(
    'Metric per run',
    [
      select(metricKeys, barMetric, (v) => ((barMetric = v), drawBars()), {
        'data-testid': 'bar-metric',
        'aria-label': 'Metric',
      }),
    ],
    'bars',
  );
  const lineCard = card(
    'Metric history by step',
    [
      select(metricKeys, lineMetric, (v) => ((lineMetric = v), drawLines()), {
        'data-testid': 'line-metric',
        'aria-label': 'Metric',
      }),
    ],
    'history',
  );

  function drawScatter(): void {
    const m = data.metrics.find((x) => x.key === scatterMetric);
    const p = data.params.find((x) => x.key === scatterParam);
    if (!m || !p)
      return void scatterCard.body.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          `This chart needs a metric and a param; the runs have no ${p ? 'metrics' : 'params'}.`,
        ),
      );
    const raw = data.runs.flatMap((r, i) => {
      const y = toNumber(m.values[i]);
      const x = p.values[i];
      return y === undefined || x === null || x === undefined
        ? []
        : [{ runId: r.runId, label: names[i]!, color: colors[i]!, x, y }];
    });
    const numeric = raw.every((pt) => asNumber(pt.x) !== undefined);
    const points: ScatterPoint[] = raw.map((pt) => ({ ...pt, x: numeric ? asNumber(pt.x)! : pt.x }));
    scatterCard.body.replaceChildren(scatterPlot(points, p.key, m.key));
  }

  function drawBars(): void {
    const m = data.metrics.find((x) => x.key === barMetric);
    if (!m) return void barCard.body.replaceChildren(h('p', { class: 'muted' }, 'The runs have no metrics.'));
    const bars = data.runs.flatMap((r, i) => {
      const v = toNumber(m.values[i]);
      return v === undefined
        ? []
        : [{ runId: r.runId, label: names[i]!, color: colors[i]!, value: v, best: m.best.includes(i) }];
    });
    barCard.body.replaceChildren(barChart(bars, `${m.key} (${m.better} is better)`));
  }

  function drawLines(): void {
    const m = data.metrics.find((x) => x.key === lineMetric);
    if (!m) return void lineCard.body.replaceChildren(h('p', { class: 'muted' }, 'The runs have no metrics.'));
    const series = data.runs.map((r, i) => ({
      runId: r.runId,
      label: names[i]!,
      color: colors[i]!,
      points: (m.histories[i] ?? []).flatMap((p) => {
        const y = toNumber(p.value);
        return y === undefined ? [] : [{ x: p.step, y }];
      }),
    }));
    lineCard.body.replaceChildren(lineChart(series, 'step', m.key));
  }
  drawScatter();
  drawBars();
  drawLines();

  // ---- tables
  const headRow = (first: string) =>
    h(
      'tr',
      null,
      h('th', null, first),
      ...data.runs.map((r, i) =>
        h(
          'th',
          { 'data-run-id': r.runId },
          h('span', { class: 'swatch', style: `background:${colors[i]}` }),
          h('a', { href: runHref(r.runId) }, names[i]!),
        ),
      ),
    );
  const missing = () => h('span', { class: 'muted' }, '—');
  const paramsTable = h(
    'table',
    { class: 'compare', 'data-testid': 'compare-params' },
    h('thead', null, headRow('Parameter')),
    h(
      'tbody',
      null,
      ...data.params.map((p) =>
        h(
          'tr',
          { 'data-key': p.key, class: p.differs ? 'differs' : '' },
          h('th', { class: 'mono' }, p.key),
          ...p.values.map((v) => h('td', { class: 'val' }, v ?? missing())),
        ),
      ),
    ),
  );
  const metricsTable = h(
    'table',
    { class: 'compare', 'data-testid': 'compare-metrics' },
    h('thead', null, headRow('Metric')),
    h(
      'tbody',
      null,
      ...data.metrics.map((m) =>
        h(
          'tr',
          { 'data-key': m.key, class: m.differs ? 'differs' : '' },
          h(
            'th',
            { class: 'mono', title: `${m.better === 'lower' ? 'Lower' : 'Higher'} is better` },
            m.key,
            h('span', { class: 'better' }, m.better === 'lower' ? ' ↓' : ' ↑'),
          ),
          ...m.values.map((v, i) => {
            const best = m.best.includes(i);
            return h(
              'td',
              { class: `num${best ? ' best' : ''}`, title: best ? 'best of the compared runs' : undefined },
              v === null ? missing() : fmtNum(v),
              best ? h('span', { class: 'best-mark' }, ' ★') : null,
            );
          }),
        ),
      ),
    ),
  );
  const tables = h('div', { class: 'compare-tables' });
  const onlyDiff = h('input', {
    type: 'checkbox',
    'data-testid': 'only-differing',
    onchange: () => tables.classList.toggle('only-diff', onlyDiff.checked),
  });
  const nDiffer = data.params.filter((p) => p.differs).length + data.metrics.filter((m) => m.differs).length;
  tables.append(
    h(
      'div',
      { class: 'card-head' },
      h('h3', null, 'Parameters and metrics'),
      h('label', null, onlyDiff, ` Only differing rows (${nDiffer})`),
    ),
    h('section', { class: 'card' }, data.params.length > 0 ? paramsTable : h('p', { class: 'muted' }, 'No params.')),
    h('section', { class: 'card' }, data.metrics.length > 0 ? metricsTable : h('p', { class: 'muted' }, 'No metrics.')),
  );

  root.append(
    h(
      'div',
      { class: 'title-row' },
      back,
      h('h2', null, `Comparing ${data.runs.length} run${data.runs.length === 1 ? '' : 's'}`),
    ),
    legend,
    h('div', { class: 'plots' }, scatterCard.el, barCard.el, lineCard.el),
    tables,
  );
  return {};
};
