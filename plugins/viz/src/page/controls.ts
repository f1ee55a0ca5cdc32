// The toolbar's filters (pipeline, tags, namespaces, parameters, last run), the run summary and the
// legend, built from the model. Each control calls back with the change; main.ts owns the state.

import type { GraphModel } from '../internal/model.js';
import { formatDuration } from '../internal/markup.js';
import { typeColor } from '../internal/style.js';
import type { ViewState } from '../internal/view.js';
import { byId, h } from './dom.js';

export interface ControlHandlers {
  setState(change: Partial<ViewState>): void;
  setShowRun(show: boolean): void;
  select(id: string): void;
}

const toggle = (list: readonly string[], value: string, on: boolean): string[] =>
  on ? [...new Set([...list, value])] : list.filter((v) => v !== value);

export const buildControls = (
  model: GraphModel,
  handlers: ControlHandlers,
  getState: () => ViewState,
): { sync(state: ViewState, showRun: boolean): void } => {
  const select = byId<HTMLSelectElement>('pipeline');
  for (const p of model.pipelines)
    select.append(h('option', { value: p.name, title: p.description ?? '' }, `${p.name} (${p.nodes.length})`));
  select.addEventListener('change', () => handlers.setState({ pipeline: select.value }));

  const tagList = byId('tag-list');
  if (model.tags.length === 0) byId('tag-menu').hidden = true;
  tagList.append(
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => handlers.setState({ tags: [] }) }, 'Show all'),
    ),
    h('p', { class: 'muted', style: 'margin:2px 4px' }, 'Show only nodes with:'),
    ...model.tags.map((t) =>
      h(
        'label',
        { class: 'row' },
        h('input', {
          type: 'checkbox',
          value: t,
          'data-tag': t,
          onchange: (e) =>
            handlers.setState({ tags: toggle(getState().tags, t, (e.target as HTMLInputElement).checked) }),
        }),
        t,
      ),
    ),
  );

  const nsList = byId('ns-list');
  const hasTop = model.items.some((i) => i.kind === 'node' && i.namespace === '');
  if (model.namespaces.length === 0) byId('ns-menu').hidden = true;
  const nsIds = model.namespaces.map((n) => n.id);
  nsList.append(
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            handlers.setState({ collapsed: model.namespaces.filter((n) => n.parent === '').map((n) => n.id) }),
        },
        'Collapse all',
      ),
      h('button', { type: 'button', onclick: () => handlers.setState({ collapsed: [] }) }, 'Expand all'),
    ),
    ...(hasTop ? [''] : []).concat(nsIds).map((ns) => {
      const depth = ns === '' ? 0 : ns.split('.').length - 1;
      return h(
        'div',
        { class: 'row', style: `padding-left:${4 + depth * 14}px` },
        h('input', {
          type: 'checkbox',
          checked: true,
          'data-ns': ns,
          title: 'show its nodes',
          onchange: (e) =>
            handlers.setState({
              hiddenNamespaces: toggle(getState().hiddenNamespaces, ns, !(e.target as HTMLInputElement).checked),
            }),
        }),
        ns === '' ? h('span', { class: 'muted' }, '(top level)') : ns.slice(ns.lastIndexOf('.') + 1),
        ns === ''
          ? null
          : h(
              'button',
              {
                type: 'button',
                'data-collapse': ns,
                onclick: () =>
                  handlers.setState({
                    collapsed: toggle(getState().collapsed, ns, !getState().collapsed.includes(ns)),
                  }),
              },
              'collapse',
            ),
      );
    }),
  );

  const params = byId<HTMLInputElement>('show-params');
  params.addEventListener('change', () => handlers.setState({ showParameters: params.checked }));
  const run = byId<HTMLInputElement>('show-run');
  if (!model.run) byId('run-toggle').hidden = true;
  run.addEventListener('change', () => handlers.setShowRun(run.checked));

  buildLegend(model);
  return {
    sync(state, showRun) {
      select.value = state.pipeline;
      for (const box of tagList.querySelectorAll<HTMLInputElement>('input[data-tag]'))
        box.checked = state.tags.includes(box.value);
      byId('tag-menu').querySelector('summary')!.textContent = state.tags.length
        ? `Tags (${state.tags.length})`
        : 'Tags';
      for (const box of nsList.querySelectorAll<HTMLInputElement>('input[data-ns]'))
        box.checked = !state.hiddenNamespaces.includes(box.dataset.ns!);
      for (const b of nsList.querySelectorAll<HTMLButtonElement>('button[data-collapse]'))
        b.textContent = state.collapsed.includes(b.dataset.collapse!) ? 'expand' : 'collapse';
      params.checked = state.showParameters;
      run.checked = showRun;
      renderRunSummary(model, showRun, handlers.select);
    },
  };
};

const renderRunSummary = (model: GraphModel, show: boolean, select: (id: string) => void): void => {
  const el = byId('run-summary');
  const run = model.run;
  el.hidden = !run || !show;
  if (!run || !show) return;
  el.className = run.status;
  const when = run.startedAt
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC');
  const failedId = run.error?.node ? Object.keys(run.nodes).find((id) => id === `n:${run.error!.node}`) : undefined;
  el.replaceChildren(
    h('strong', null, `Run ${run.runId}`),
    ` · pipeline ${run.pipeline} · started ${when} · `,
    h('span', { class: `status ${run.status}` }, run.status),
    run.durationMs !== undefined ? ` · total ${formatDuration(run.durationMs)}` : '',
    run.error ? ' · ' : '',
    run.error && failedId ? h('button', { onclick: () => select(failedId) }, `failed at ${run.error.node}`) : '',
    // The failed node's own error is the cause; the run's repeats it behind the node's location.
    run.error ? `: ${firstLine((failedId && run.nodes[failedId]?.error?.message) || run.error.message)}` : '',
  );
};

const firstLine = (s: string): string => {
  const line = s.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

const shape = (d: string, cls: string): SVGSVGElement => {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', '34');
  svg.setAttribute('height', '18');
  svg.setAttribute('class', `graph ${cls}`);
  svg.innerHTML = d;
  return svg;
};

const buildLegend = (model: GraphModel): void => {
  const types = [...new Set(model.items.flatMap((i) => (i.kind === 'dataset' ? [i.type] : [])))].sort();
  byId('legend').replaceChildren(
    h(
      'div',
      { class: 'entries' },
      h(
        'span',
        null,
        shape('<g class="k-node"><rect class="shape" x="1" y="1" rx="4" width="32" height="16"/></g>', ''),
        ' node',
      ),
      h(
        'span',
        null,
        shape('<g class="k-dataset"><rect class="shape" x="1" y="2" rx="7" width="32" height="14"/></g>', ''),
        ' dataset',
      ),
      h(
        'span',
        null,
        shape('<g class="k-parameter"><polygon class="shape" points="7,2 27,2 33,9 27,16 7,16 1,9"/></g>', ''),
        ' parameter',
      ),
      model.namespaces.length
        ? h(
            'span',
            null,
            shape('<g class="k-namespace"><rect class="shape" x="1" y="1" rx="4" width="32" height="16"/></g>', ''),
            ' namespace',
          )
        : null,
      ...types.map((t) => h('span', { class: 'type', style: `background:${typeColor(t)}` }, t)),
    ),
  );
};
