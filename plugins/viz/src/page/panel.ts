// The side panel: what a clicked node, dataset, parameter or namespace box is, from the model.

import type { DatasetItem, GraphModel, Item, NodeItem, ParameterItem } from '../internal/model.js';
import { formatDuration } from '../internal/markup.js';
import { typeColor } from '../internal/style.js';
import type { ModelIndex } from '../internal/view.js';
import { h, pretty } from './dom.js';

export interface PanelContext {
  readonly model: GraphModel;
  readonly index: ModelIndex;
  readonly showRun: boolean;
  /** Selects (and centres) another item. */
  select(id: string): void;
  collapse(namespace: string): void;
}

const STATUS_TEXT = { ok: 'ok', failed: 'failed', skipped: 'skipped', not_run: 'not run' } as const;

/** " in namespace by_region (collapse)" */
const namespaceNote = (ctx: PanelContext, ns: string): Array<string | HTMLElement> =>
  ns
    ? [
        ` in namespace ${ns} `,
        h(
          'button',
          { class: 'link', title: 'draw the namespace as one box', onclick: () => ctx.collapse(ns) },
          '(collapse)',
        ),
      ]
    : [];

const row = (label: string, ...value: Array<Node | string>): HTMLTableRowElement =>
  h('tr', null, h('td', null, label), h('td', null, ...value));
const section = (title: string, ...content: Array<Node | null | false>): DocumentFragment => {
  const f = document.createDocumentFragment();
  f.append(h('h3', null, title), ...content.filter((c): c is Node => !!c));
  return f;
};
const dataId = (name: string): string =>
  name === 'parameters' || name.startsWith('params:') ? `p:${name}` : `d:${name}`;

const link = (ctx: PanelContext, id: string): HTMLElement => {
  const item = ctx.index.byId.get(id);
  return h('button', { class: 'link', 'data-target': id, onclick: () => ctx.select(id) }, item?.name ?? id.slice(2));
};
const nameList = (ctx: PanelContext, ids: readonly string[]): HTMLElement =>
  ids.length === 0
    ? h('p', { class: 'muted' }, 'none')
    : h('ul', null, ...ids.map((id) => h('li', null, link(ctx, id))));

const producersAndConsumers = (ctx: PanelContext, id: string): { from: string[]; to: string[] } => ({
  from: ctx.model.edges.filter((e) => e.target === id).map((e) => e.source),
  to: ctx.model.edges.filter((e) => e.source === id).map((e) => e.target),
});

const nodePanel = (ctx: PanelContext, n: NodeItem): Node[] => {
  const run = ctx.showRun ? ctx.model.run?.nodes[n.id] : undefined;
  const params = n.inputs.filter((i) => i === 'parameters' || i.startsWith('params:'));
  const datasets = n.inputs.filter((i) => !params.includes(i));
  const pipelines = ctx.model.pipelines.filter((p) => p.nodes.includes(n.id)).map((p) => p.name);
  return [
    h('h2', null, n.name),
    h('div', { class: 'kind' }, 'node', ...namespaceNote(ctx, n.namespace)),
    h(
      'table',
      { class: 'facts' },
      row(
        'function',
        n.func ? h('code', null, n.func.export || n.func.ref) : h('span', { class: 'muted' }, 'built in code'),
      ),
      n.func ? row('file', h('code', null, n.func.file)) : null,
      n.declared ? row('declared', h('code', null, n.declared)) : null,
      row(
        'tags',
        ...(n.tags.length
          ? n.tags.map((t) => h('span', { class: 'chip' }, t))
          : [h('span', { class: 'muted' }, 'none')]),
      ),
      row('pipelines', pipelines.join(', ')),
    ),
    run
      ? section(
          'Last run',
          h(
            'table',
            null,
            row('status', h('span', { class: `status ${run.status}` }, STATUS_TEXT[run.status])),
            run.durationMs !== undefined ? row('duration', formatDuration(run.durationMs)) : null,
          ),
          run.error ? h('pre', { class: 'error' }, `[${run.error.code}] ${run.error.message}`) : null,
        )
      : null,
    section('Inputs', nameList(ctx, datasets.map(dataId))),
    section('Outputs', nameList(ctx, n.outputs.map(dataId))),
    section(
      'Parameters',
      params.length === 0
        ? h('p', { class: 'muted' }, 'none')
        : h(
            'div',
            { class: 'params' },
            ...params.flatMap((p) => [
              h('div', null, link(ctx, `p:${p}`)),
              h('pre', { 'data-param': p }, pretty((ctx.index.byId.get(`p:${p}`) as ParameterItem | undefined)?.value)),
            ]),
          ),
    ),
  ].filter((x): x is Exclude<typeof x, null> => x !== null);
};

const datasetPanel = (ctx: PanelContext, d: DatasetItem): Node[] => {
  const { from, to } = producersAndConsumers(ctx, d.id);
  const saved = ctx.showRun ? ctx.model.run?.saved[d.id] : undefined;
  const facts = Object.entries(d.facts).filter(([k]) => k !== 'type');
  return [
    h('h2', null, d.name),
    h(
      'div',
      { class: 'kind' },
      'dataset ',
      h('span', { class: 'chip', style: `background:${typeColor(d.type)};color:#fff` }, d.type),
      ...namespaceNote(ctx, d.namespace),
    ),
    section(
      'Catalog entry',
      d.problem ? h('pre', { class: 'error' }, d.problem) : null,
      d.declared ? null : h('p', { class: 'muted' }, 'Not in catalog.yaml: held in memory for the length of a run.'),
      facts.length
        ? h(
            'table',
            { class: 'facts' },
            row('type', d.type),
            ...facts.map(([k, v]) =>
              row(k, typeof v === 'object' && v !== null ? h('pre', null, pretty(v)) : h('code', null, String(v))),
            ),
          )
        : null,
    ),
    d.facts.versioned === true
      ? section(
          'Versions',
          d.versionCount === 0
            ? h('p', { class: 'muted' }, 'none saved yet')
            : h(
                'div',
                null,
                h(
                  'p',
                  { class: 'muted' },
                  `${d.versionCount} present, newest first` +
                    `${d.versionCount > d.versions.length ? ` (${d.versions.length} shown)` : ''}`,
                ),
                h('ul', { class: 'versions' }, ...d.versions.map((v) => h('li', null, h('code', null, v)))),
              ),
        )
      : null,
    saved
      ? section(
          'Last run',
          h(
            'table',
            null,
            row('saved', saved.version ? h('code', null, saved.version) : 'yes'),
            row('save time', formatDuration(saved.durationMs)),
          ),
        )
      : null,
    section('Written by', nameList(ctx, from)),
    section('Read by', nameList(ctx, to)),
  ].filter((x): x is Exclude<typeof x, null> => x !== null);
};

const parameterPanel = (ctx: PanelContext, p: ParameterItem): Node[] => [
  h('h2', null, p.name),
  h('div', { class: 'kind' }, 'parameter', ...namespaceNote(ctx, p.namespace)),
  section('Value', h('pre', { class: 'value' }, pretty(p.value))),
  section('Read by', nameList(ctx, producersAndConsumers(ctx, p.id).to)),
];

export const renderPanel = (panel: HTMLElement, ctx: PanelContext, item: Item | undefined, close: () => void): void => {
  panel.replaceChildren();
  if (!item) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  panel.dataset.id = item.id;
  panel.append(h('button', { class: 'close', title: 'Close (Esc)', onclick: close }, '×'));
  const body =
    item.kind === 'node'
      ? nodePanel(ctx, item)
      : item.kind === 'dataset'
        ? datasetPanel(ctx, item)
        : parameterPanel(ctx, item);
  panel.append(...body);
};
