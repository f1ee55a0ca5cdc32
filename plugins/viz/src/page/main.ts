// The page's entry: reads the embedded model, draws the view the filters select, and wires the
// toolbar, search, pan and zoom, selection and side panel. The layout the page opens on comes
// computed from Node; any other view is laid out here (dagre) once and kept.

import type { PageData } from '../internal/html.js';
import { layoutView, type Layout } from '../internal/layout.js';
import { graphMarkup } from '../internal/markup.js';
import { computeView, defaultState, indexModel, type View, type ViewState } from '../internal/view.js';
import { createCanvas } from './canvas.js';
import { buildControls } from './controls.js';
import { byId } from './dom.js';
import { watchVersion } from './live.js';
import { renderPanel, type PanelContext } from './panel.js';
import { readHash, writeHash } from './state.js';

const data = JSON.parse(byId('dagrun-data').textContent ?? '') as PageData;
const model = data.model;
const index = indexModel(model);
const svg = byId<SVGSVGElement>('canvas');
const viewport = byId<SVGGElement>('viewport');
const panel = byId('panel');
const search = byId<HTMLInputElement>('search');
const canvas = createCanvas(svg, viewport);
const layouts = new Map<string, Layout>([[data.initial.key, data.initial.layout]]);

const saved = readHash(model);
let state: ViewState = saved?.state ?? defaultState(model);
let showRun = saved?.showRun ?? true;
let selected: string | undefined = saved?.selected;
let view: View;
let layout: Layout;

const itemEl = (id: string): SVGGElement | null => viewport.querySelector(`.item[data-id="${CSS.escape(id)}"]`);

const render = (fit: boolean): void => {
  view = computeView(model, index, state);
  let l = layouts.get(view.key);
  if (!l) layouts.set(view.key, (l = layoutView(view)));
  layout = l;
  viewport.innerHTML = graphMarkup(model, view, layout, showRun);
  const count = (kind: string, word: string) => {
    const n = view.items.filter((i) => i.kind === kind).length;
    return `${n} ${word}${n === 1 ? '' : 's'}`;
  };
  const boxes = view.items.some((i) => i.kind === 'namespace') ? ` · ${count('namespace', 'collapsed namespace')}` : '';
  byId('counts').textContent =
    `${count('node', 'node')} · ${count('dataset', 'dataset')} · ${count('parameter', 'parameter')}${boxes} · ` +
    `${view.edges.length} edge${view.edges.length === 1 ? '' : 's'}`;
  if (fit) canvas.fit(layout.width, layout.height);
  applySearch();
  applySelection();
  controls.sync(state, showRun);
  writeHash(state, showRun, selected);
};

const applySelection = (): void => {
  for (const el of viewport.querySelectorAll('.selected, .hl')) el.classList.remove('selected', 'hl');
  const item = selected ? index.byId.get(selected) : undefined;
  renderPanel(panel, panelContext, item, () => select(undefined));
  if (!selected) return;
  itemEl(selected)?.classList.add('selected');
  for (const e of viewport.querySelectorAll<SVGPathElement>('.edge'))
    if (e.dataset.s === selected || e.dataset.t === selected) e.classList.add('hl');
};

const select = (id: string | undefined, center = false): void => {
  selected = id;
  applySelection();
  writeHash(state, showRun, selected);
  const box = id ? layout.boxes[id] : undefined;
  if (center && box) canvas.centerOn(box[0] + box[2] / 2, box[1] + box[3] / 2);
};

const setState = (change: Partial<ViewState>): void => {
  state = { ...state, ...change };
  render(true);
};

const panelContext: PanelContext = {
  model,
  index,
  get showRun() {
    return showRun && model.run !== undefined;
  },
  select: (id) => select(id, true),
  collapse: (ns) => setState({ collapsed: [...new Set([...state.collapsed, ns])] }),
};

const applySearch = (): void => {
  const q = search.value.trim().toLowerCase();
  svg.classList.toggle('searching', q !== '');
  for (const el of viewport.querySelectorAll('.match')) el.classList.remove('match');
  const count = byId('search-count');
  if (q === '') {
    count.textContent = '';
    return;
  }
  const matches = view.items.filter((i) => i.name.toLowerCase().includes(q));
  for (const m of matches) itemEl(m.id)?.classList.add('match');
  count.textContent = `${matches.length} match${matches.length === 1 ? '' : 'es'}`;
};

const controls = buildControls(
  model,
  {
    setState,
    setShowRun: (show) => {
      showRun = show;
      render(false);
    },
    select: (id) => select(id, true),
  },
  () => state,
);

viewport.addEventListener('click', (e) => {
  const el = (e.target as Element).closest<SVGGElement>('.item');
  if (!el) return;
  const id = el.dataset.id!;
  // A namespace box expands where it is; anything else opens its panel.
  if (el.dataset.kind === 'namespace') setState({ collapsed: state.collapsed.filter((ns) => ns !== id.slice(3)) });
  else select(id);
});
search.addEventListener('input', applySearch);
search.addEventListener('keydown', (e) => {
  if (e.key !== 'Enter') return;
  const q = search.value.trim().toLowerCase();
  const first = view.items.find((i) => i.kind !== 'namespace' && i.name.toLowerCase().includes(q));
  if (q && first) select(first.id, true);
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') select(undefined);
  if (e.key === '/' && document.activeElement !== search) e.preventDefault(), search.focus();
});
byId('zoom-in').addEventListener('click', () => canvas.zoomBy(1.25));
byId('zoom-out').addEventListener('click', () => canvas.zoomBy(0.8));
byId('zoom-fit').addEventListener('click', () => canvas.fit(layout.width, layout.height));
window.addEventListener('resize', () => canvas.fit(layout.width, layout.height));

render(true);
watchVersion(data.live);
// Drawn and listening: tests wait for the attribute, the benchmark reads the mark's time.
performance.mark('dagrun-viz-ready');
document.body.dataset.ready = 'true';
