// Colours and CSS of the drawn graph, shared by the page and the standalone SVG export.

/** Badge colour of a dataset type; a type not listed (a plugin's) gets a stable colour from its name. */
export const TYPE_COLORS: Readonly<Record<string, string>> = {
  csv: '#2e7d32',
  parquet: '#6a1b9a',
  json: '#e65100',
  yaml: '#00838f',
  text: '#546e7a',
  object: '#1565c0',
  memory: '#8a8a8a',
  postgres: '#283593',
  sql: '#283593',
  s3: '#8d6e63',
  partitions: '#ad1457',
};

export const typeColor = (type: string): string => {
  const known = TYPE_COLORS[type];
  if (known) return known;
  let h = 0;
  for (const c of type) h = (h * 31 + c.charCodeAt(0)) % 360;
  return `hsl(${h}, 55%, 38%)`;
};

export const GRAPH_CSS = `
.graph text { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: #1d2733; }
.graph .sub { font-size: 10.5px; fill: #5b6776; }
.graph .edge { fill: none; stroke: #9aa5b1; stroke-width: 1.3; marker-end: url(#dagrun-arrow); }
.graph .arrow { fill: #9aa5b1; }
.graph .k-node .shape { fill: #ffffff; stroke: #33414f; stroke-width: 1.5; }
.graph .k-dataset .shape { fill: #f4f7fa; stroke: #8796a6; stroke-width: 1.2; }
.graph .k-dataset.undeclared .shape { stroke-dasharray: 4 3; }
.graph .k-dataset .badge-text { fill: #ffffff; font-size: 10px; font-weight: 600; }
.graph .k-parameter .shape { fill: #fff8e1; stroke: #c79a2c; stroke-width: 1.2; }
.graph .k-namespace .shape { fill: #eef3fb; stroke: #4a6fa5; stroke-width: 1.5; stroke-dasharray: 6 3; }
.graph .k-namespace .label { font-weight: 600; }
.graph .st-ok .shape { stroke: #2e7d32; stroke-width: 2; }
.graph .st-ok .sub { fill: #2e7d32; }
.graph .st-failed .shape { fill: #fdecea; stroke: #c62828; stroke-width: 3; }
.graph .st-failed .sub { fill: #c62828; font-weight: 600; }
.graph .st-skipped .shape, .graph .st-not_run .shape { stroke: #a0a8b0; stroke-dasharray: 3 3; }
.graph .st-skipped .label, .graph .st-not_run .label { fill: #6b7580; }
`;
