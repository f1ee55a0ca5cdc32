// The runs table: fixed run columns then the chosen params, metrics and tags; a click on a header sorts by
// it through the API's order_by (`metrics.mae DESC`); a checkbox per row selects runs to compare. The
// column chooser's choice is kept in localStorage, per experiment.

import type { RunJson, RunsPage } from '../internal/ui-api.js';
import { fmtDuration, fmtNum, fmtTime, h, statusBadge } from './dom.js';
import { navigate, runHref } from './router.js';

export interface Columns {
  readonly params: readonly string[];
  readonly metrics: readonly string[];
  readonly tags: readonly string[];
}
type Group = keyof Columns;
const GROUPS: ReadonlyArray<[Group, string, string]> = [
  ['params', 'Parameters', 'params'],
  ['metrics', 'Metrics', 'metrics'],
  ['tags', 'Tags', 'tags'],
];

// ---- the chooser --------------------------------------------------------------------------------------

const storageKey = (experiment: string): string => `dagrun-ui:columns:${experiment || '*'}`;

/** The saved choice, or the default: every metric and param (up to 12 each), no tags. */
export const chosenColumns = (experiment: string, available: Columns): Columns => {
  try {
    const saved = JSON.parse(localStorage.getItem(storageKey(experiment)) ?? 'null') as Columns | null;
    if (saved && Array.isArray(saved.params) && Array.isArray(saved.metrics) && Array.isArray(saved.tags)) return saved;
  } catch {
    // An unreadable choice is forgotten; the default applies.
  }
  return { params: available.params.slice(0, 12), metrics: available.metrics.slice(0, 12), tags: [] };
};

const saveColumns = (experiment: string, columns: Columns): void => {
  try {
    localStorage.setItem(storageKey(experiment), JSON.stringify(columns));
  } catch {
    // Storage may be full or disabled: the choice lasts for this page only.
  }
};

/** Fills the chooser's list: a checkbox per key, grouped, with all/none per group. */
export const renderChooser = (
  list: HTMLElement,
  experiment: string,
  available: Columns,
  chosen: Columns,
  onChange: (c: Columns) => void,
): void => {
  const change = (group: Group, keys: readonly string[]) => {
    const next = { ...chosen, [group]: keys };
    saveColumns(experiment, next);
    onChange(next);
  };
  const sections = GROUPS.filter(([g]) => available[g].length > 0).map(([group, title]) => {
    const on = new Set(chosen[group]);
    const boxes = available[group].map((key) =>
      h(
        'label',
        { class: 'row' },
        h('input', {
          type: 'checkbox',
          checked: on.has(key),
          'data-column': `${group}.${key}`,
          onchange: (e) => {
            const checked = (e.target as HTMLInputElement).checked;
            change(group, checked ? [...chosen[group], key] : chosen[group].filter((k) => k !== key));
          },
        }),
        h('span', { class: 'mono' }, key),
      ),
    );
    return h(
      'div',
      { class: 'group' },
      h(
        'div',
        { class: 'actions' },
        h('strong', null, title),
        h('button', { type: 'button', onclick: () => change(group, available[group]) }, 'All'),
        h('button', { type: 'button', onclick: () => change(group, []) }, 'None'),
      ),
      ...boxes,
    );
  });
  list.replaceChildren(
    ...(sections.length > 0 ? sections : [h('p', { class: 'muted' }, 'The runs have no params, metrics or tags.')]),
  );
};

// ---- sorting ------------------------------------------------------------------------------------------

/** A key in order_by / filter syntax: quoted in backticks when it holds a character that would end it. */
export const quoteKey = (key: string): string =>
  /[\s=!<>(),'"`]/.test(key) || key === '' ? `\`${key.replace(/`/g, '``')}\`` : key;

interface Sort {
  readonly key: string;
  readonly desc: boolean;
}

/** The column the order_by sorts by; none given is the API's own order, start time descending. */
const currentSort = (orderBy: string): Sort => {
  const spec = orderBy.trim();
  if (spec === '') return { key: 'attributes.start_time', desc: true };
  const m = /^(.*?)\s+(asc|desc)$/i.exec(spec);
  return m ? { key: m[1]!, desc: m[2]!.toLowerCase() === 'desc' } : { key: spec, desc: false };
};

// ---- the table ----------------------------------------------------------------------------------------

export interface TableOptions {
  readonly orderBy: string;
  readonly onSort: (orderBy: string) => void;
  readonly selected: Set<string>;
  readonly onSelect: () => void;
}

interface Column {
  readonly label: string;
  readonly sortKey: string;
  readonly cls?: string;
  readonly cell: (r: RunJson) => Node | string;
}

const FIXED: readonly Column[] = [
  {
    label: 'Run name',
    sortKey: 'attributes.run_name',
    cls: 'name',
    cell: (r) => h('a', { href: runHref(r.runId) }, r.runName || r.runId.slice(0, 8)),
  },
  { label: 'Status', sortKey: 'attributes.status', cell: (r) => statusBadge(r.status) },
  { label: 'Start time', sortKey: 'attributes.start_time', cls: 'time', cell: (r) => fmtTime(r.startTime) },
  { label: 'Duration', sortKey: 'duration', cls: 'num', cell: (r) => fmtDuration(r.startTime, r.endTime) },
  { label: 'User', sortKey: 'attributes.user_id', cell: (r) => r.userId },
];

const valueColumn = (group: Group, key: string): Column => ({
  label: key,
  sortKey: `${group}.${quoteKey(key)}`,
  cls: group === 'metrics' ? 'num' : 'val',
  cell: (r) => {
    const v = group === 'metrics' ? fmtNum(r.metrics[key]) : (r[group][key] ?? '');
    return v;
  },
});

const header = (col: Column, sort: Sort, onSort: (orderBy: string) => void): HTMLElement => {
  const active = sort.key === col.sortKey;
  // A new column sorts ascending first (start time, whose natural order is descending, flips instead).
  const next = active ? `${col.sortKey} ${sort.desc ? 'ASC' : 'DESC'}` : `${col.sortKey} ASC`;
  return h(
    'th',
    {
      class: `${col.cls ?? ''}${active ? ' sorted' : ''}`,
      'data-sort-key': col.sortKey,
      'aria-sort': active ? (sort.desc ? 'descending' : 'ascending') : 'none',
    },
    h(
      'button',
      { type: 'button', class: 'sort', title: `Sort by ${col.sortKey}`, onclick: () => onSort(next) },
      col.label,
      h('span', { class: 'arrow' }, active ? (sort.desc ? '▼' : '▲') : ''),
    ),
  );
};

export const renderTable = (page: RunsPage, chosen: Columns, o: TableOptions): HTMLTableElement => {
  const sort = currentSort(o.orderBy);
  const groups = GROUPS.map(([g, title, cls]) => ({
    g,
    title,
    cls,
    cols: chosen[g].filter((k) => page.columns[g].includes(k)).map((k) => valueColumn(g, k)),
  })).filter((x) => x.cols.length > 0);
  const all = h('input', { type: 'checkbox', title: 'Select every run of this page', 'data-testid': 'select-all' });
  const ids = page.runs.map((r) => r.runId);
  all.checked = ids.length > 0 && ids.every((id) => o.selected.has(id));
  all.addEventListener('change', () => {
    for (const id of ids) all.checked ? o.selected.add(id) : o.selected.delete(id);
    for (const box of body.querySelectorAll<HTMLInputElement>('input[data-testid=row-select]'))
      box.checked = all.checked;
    o.onSelect();
  });
  const groupRow = h(
    'tr',
    { class: 'groups' },
    h('th', { colspan: FIXED.length + 1 }),
    ...groups.map((g) => h('th', { colspan: g.cols.length, class: `group ${g.cls}` }, g.title)),
  );
  const headRow = h(
    'tr',
    null,
    h('th', { class: 'sel' }, all),
    ...FIXED.map((c) => header(c, sort, o.onSort)),
    ...groups.flatMap((g) => g.cols.map((c) => header(c, sort, o.onSort))),
  );
  const body = h('tbody');
  for (const r of page.runs) {
    const box = h('input', {
      type: 'checkbox',
      'data-testid': 'row-select',
      'aria-label': `Select ${r.runName || r.runId}`,
    });
    box.checked = o.selected.has(r.runId);
    box.addEventListener('change', () => {
      box.checked ? o.selected.add(r.runId) : o.selected.delete(r.runId);
      all.checked = ids.every((id) => o.selected.has(id));
      o.onSelect();
    });
    const cells = [...FIXED, ...groups.flatMap((g) => g.cols)].map((c) => {
      const v = c.cell(r);
      return h(
        'td',
        { class: c.cls ?? '', 'data-col': c.sortKey, title: typeof v === 'string' && v.length > 24 ? v : undefined },
        v,
      );
    });
    const tr = h(
      'tr',
      { 'data-run-id': r.runId, class: r.lifecycleStage === 'deleted' ? 'deleted' : '' },
      h('td', { class: 'sel' }, box),
      ...cells,
    );
    // The whole row opens the run, except its checkbox cell and link (which do their own thing).
    tr.addEventListener('click', (e) => {
      if (!(e.target as Element).closest('input, a, button, td.sel')) navigate(runHref(r.runId));
    });
    body.append(tr);
  }
  if (page.runs.length === 0)
    body.append(
      h(
        'tr',
        { class: 'empty' },
        h(
          'td',
          { colspan: FIXED.length + 1 + groups.reduce((n, g) => n + g.cols.length, 0) },
          page.total === 0 ? 'No runs match.' : 'No runs on this page.',
        ),
      ),
    );
  return h('table', { class: 'runs', 'data-testid': 'runs-table' }, h('thead', null, groupRow, headRow), body);
};
