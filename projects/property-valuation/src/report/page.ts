// The report's HTML shell: inline CSS, the metrics table and the figure layout. No script, no external
// resource: the page is one file that opens anywhere, offline.
import type { RegressionMetrics } from '@dagrun/ml';
import { escapeXml, formatInt, formatPercent } from './svg.js';

export interface MetricRow {
  readonly name: string;
  readonly value: string;
  readonly note: string;
}

/** The metrics table's rows, formatted: UF amounts as integers, ratios as percentages, R² to 3 decimals. */
export const metricRows = (m: RegressionMetrics, unit: string): MetricRow[] => [
  { name: 'RMSE', value: `${formatInt(m.rmse)} ${unit}`, note: 'root mean squared error' },
  { name: 'MAE', value: `${formatInt(m.mae)} ${unit}`, note: 'mean absolute error' },
  { name: 'MAPE', value: formatPercent(m.mape), note: 'mean absolute % error, all rows' },
  {
    name: `MAPE (${unit} \u2265 ${formatInt(m.mape_threshold)})`,
    value: formatPercent(m.mape_above),
    note: 'without the few absurd prices that dominate MAPE',
  },
  { name: 'MdAPE', value: formatPercent(m.mdape), note: 'median absolute % error' },
  { name: 'R\u00b2', value: m.r2.toFixed(3), note: 'share of price variance explained' },
  { name: 'n', value: formatInt(m.n), note: 'test rows' },
];

export const metricsTable = (rows: readonly MetricRow[]): string =>
  `<table class="metrics"><thead><tr><th>metric</th><th>value</th><th></th></tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr><td>${escapeXml(r.name)}</td><td class="num">${escapeXml(r.value)}</td>` +
        `<td class="muted">${escapeXml(r.note)}</td></tr>`,
    )
    .join('')}</tbody></table>`;

export interface Figure {
  readonly title: string;
  readonly svg: string;
  readonly caption: string;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2933;margin:24px auto;max-width:1180px;\
padding:0 16px;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:16px;margin:0 0 6px}
.sub{color:#52606d;margin:0 0 18px}
.top{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
.grid{display:flex;flex-wrap:wrap;gap:24px}
figure{width:min-content;margin:0 0 8px;border:1px solid #e4e7eb;border-radius:6px;padding:12px 14px}
figcaption{color:#52606d;font-size:12.5px;margin-top:4px}
.top>section{flex:1 1 300px;display:flex;flex-direction:column;gap:16px}
table.metrics{border-collapse:collapse;font-size:14px}
table.metrics td,table.metrics th{padding:5px 10px;border-bottom:1px solid #e4e7eb;text-align:left}
table.metrics td{white-space:nowrap}table.metrics td.muted{white-space:normal}
table.metrics td.num{text-align:right;font-variant-numeric:tabular-nums;font-weight:600}
.muted{color:#7b8794;font-size:12.5px}
svg{display:block;font-family:system-ui,sans-serif}
svg .grid{stroke:#eef0f2}svg .axis{stroke:#9aa5b1}
svg .tick{font-size:11px;fill:#616e7c}svg .label{font-size:12px;fill:#323f4b}
svg .cat{font-size:12.5px;fill:#1f2933}svg .note,svg .legend{font-size:11.5px;fill:#52606d}
svg .identity{stroke:#c0392b;stroke-width:1.5;stroke-dasharray:6 4}
svg .s0{fill:#1f77b4;fill-opacity:.35}svg .s1{fill:#e67e22;fill-opacity:.35}svg .s2{fill:#2ca02c;fill-opacity:.35}
svg .solid{fill-opacity:1}
svg .box{fill:#cfe3f3;stroke:#1f5f8b}svg .median{stroke:#0b3954;stroke-width:2.5}
svg .whisker{stroke:#52606d}svg .zero{stroke:#c0392b;stroke-dasharray:4 3}
svg .bar{fill:#3d7ea6}
`;

/**
 * The whole page: the first figure beside the metrics table with the second under it, the rest below.
 * `summary` is plain text (escaped here); figures' SVG is trusted markup from charts.ts.
 */
export const renderPage = (title: string, summary: string, table: string, figures: readonly Figure[]): string => {
  const figure = (f: Figure) =>
    `<figure><h2>${escapeXml(f.title)}</h2>${f.svg}<figcaption>${escapeXml(f.caption)}</figcaption></figure>`;
  const [first, second, ...rest] = figures;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${CSS}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="sub">${escapeXml(summary)}</p>
<div class="top">${first ? figure(first) : ''}<section><div><h2>Test metrics</h2>${table}</div>\
${second ? figure(second) : ''}</section></div>
<div class="grid">${rest.map(figure).join('')}</div>
</body>
</html>
`;
};
