// The registry (#/models): each registered model with its aliases, and its versions with their aliases,
// status and stage, linked to the run that produced them.

import type { StoreProblem } from '../internal/model.js';
import type { ModelJson } from '../internal/ui-api.js';
import { api } from './api.js';
import { fmtTime, h } from './dom.js';
import { runHref, type Route, type ViewController } from './router.js';

const aliasChip = (alias: string, version?: string): HTMLElement =>
  h(
    'span',
    { class: 'chip alias', 'data-alias': alias },
    `@${alias}`,
    version === undefined ? null : h('span', { class: 'muted' }, ` → v${version}`),
  );

const modelCard = (m: ModelJson): HTMLElement => {
  const versions = [...m.versions].reverse();
  const rows = versions.map((v) =>
    h(
      'tr',
      { 'data-version': v.version },
      h('td', null, h('strong', null, `v${v.version}`)),
      h('td', null, ...v.aliases.map((a) => aliasChip(a))),
      h('td', null, h('span', { class: `status st-${v.status.toLowerCase()}` }, v.status)),
      h('td', null, v.currentStage),
      h('td', { class: 'time' }, fmtTime(v.creationTimestamp)),
      h(
        'td',
        null,
        v.runId === null
          ? h('span', { class: 'muted' }, '—')
          : h(
              'a',
              { href: runHref(v.runId), 'data-run-id': v.runId, title: v.runId },
              v.runName ?? v.runId.slice(0, 8),
              v.runName === null ? h('span', { class: 'muted' }, ' (not in the store)') : null,
            ),
      ),
      h('td', { class: 'mono source', title: v.source }, v.source),
    ),
  );
  const aliases = Object.entries(m.aliases).sort(([a], [b]) => a.localeCompare(b));
  return h(
    'section',
    { class: 'card model', 'data-model': m.name, 'data-testid': 'model' },
    h(
      'div',
      { class: 'card-head' },
      h('h3', null, m.name),
      h('span', { class: 'muted' }, `${m.versions.length} version${m.versions.length === 1 ? '' : 's'}`),
      ...aliases.map(([a, v]) => aliasChip(a, v)),
    ),
    m.description ? h('p', null, m.description) : null,
    m.versions.length === 0
      ? h('p', { class: 'muted' }, 'No versions.')
      : h(
          'table',
          { class: 'grid-table', 'data-testid': 'model-versions' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              ...['Version', 'Aliases', 'Status', 'Stage', 'Registered', 'Source run', 'Source'].map((t) =>
                h('th', null, t),
              ),
            ),
          ),
          h('tbody', null, ...rows),
        ),
  );
};

export const createModelsView = async (
  root: HTMLElement,
  _route: Route,
  showProblems: (p: readonly StoreProblem[]) => void,
): Promise<ViewController> => {
  const { models, problems } = await api.models();
  showProblems(problems);
  root.append(
    h(
      'div',
      { class: 'title-row' },
      h('h2', null, 'Registered models'),
      h('span', { class: 'count' }, `${models.length} model${models.length === 1 ? '' : 's'}`),
    ),
    ...(models.length > 0
      ? models.map(modelCard)
      : [
          h(
            'p',
            { class: 'muted', 'data-testid': 'no-models' },
            'No registered models yet: `dagrun models register --run ID --name NAME` registers one.',
          ),
        ]),
  );
  return {};
};
