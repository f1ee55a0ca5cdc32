// The runs view: experiments on the left with their counts; a filter box (MLflow search syntax, the CLI's),
// the view (active, deleted, all), the column chooser and the Compare button above the table. Its state
// lives in the hash, so a filter, sort or page is a link; the table updates in place, keeping the selection.

import { FilterError, parseFilter, parseOrderBy } from '../internal/filter.js';
import type { StoreProblem } from '../internal/model.js';
import type { ExperimentJson, RunsView } from '../internal/ui-api.js';
import { api, RequestError } from './api.js';
import { h, select } from './dom.js';
import { compareHref, href, navigate, type Route, type ViewController } from './router.js';
import { chosenColumns, renderChooser, renderTable, type Columns } from './runs-table.js';

const PAGE = 100;
const VIEWS: readonly RunsView[] = ['active', 'deleted', 'all'];

interface State {
  readonly experiment: string;
  readonly filter: string;
  readonly orderBy: string;
  readonly view: RunsView;
  readonly offset: number;
}

const stateOf = (q: URLSearchParams): State => {
  const view = q.get('view') as RunsView | null;
  const offset = Number(q.get('offset') ?? 0);
  return {
    experiment: q.get('experiment') ?? '',
    filter: q.get('filter') ?? '',
    orderBy: q.get('orderBy') ?? '',
    view: view && VIEWS.includes(view) ? view : 'active',
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
};

const stateHref = (s: State): string =>
  href('runs', {
    experiment: s.experiment,
    filter: s.filter,
    orderBy: s.orderBy,
    view: s.view === 'active' ? '' : s.view,
    offset: s.offset || '',
  });

/** A FilterError of the filter or order as the 400 the server would answer, or undefined when both parse. */
const checkLocally = (s: State): RequestError | undefined => {
  try {
    parseFilter(s.filter);
    if (!/^\s*duration(?:\s+(?:asc|desc))?\s*$/i.test(s.orderBy)) parseOrderBy(s.orderBy);
    return undefined;
  } catch (err) {
    if (!(err instanceof FilterError)) throw err;
    return new RequestError(400, err.code, err.message, err.position);
  }
};

const dedupe = (problems: readonly StoreProblem[]): StoreProblem[] => [
  ...new Map(problems.map((p) => [`${p.file}\n${p.message}`, p])).values(),
];

export const createRunsView = async (
  root: HTMLElement,
  route: Route,
  showProblems: (p: readonly StoreProblem[]) => void,
): Promise<ViewController> => {
  let state = stateOf(route.query);
  const selected = new Set<string>();
  const go = (change: Partial<State>): void => navigate(stateHref({ ...state, ...change }));

  const sidebar = h('aside', { class: 'sidebar', 'data-testid': 'experiments' });
  const input = h('input', {
    type: 'search',
    class: 'mono',
    'data-testid': 'filter-input',
    placeholder: "metrics.mae < 2500 and params.model = 'rf'",
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-label': 'Filter runs',
  });
  const syntax = h('pre', { class: 'syntax' });
  const help = h(
    'details',
    { class: 'menu help' },
    h('summary', { title: 'Filter syntax' }, 'Syntax'),
    h('div', { class: 'list' }, syntax),
  );
  help.addEventListener('toggle', () => {
    if (help.open && syntax.textContent === '') void api.info().then((i) => (syntax.textContent = i.filterSyntax));
  });
  const form = h(
    'form',
    { class: 'filter', 'data-testid': 'filter-form' },
    input,
    h('button', { type: 'submit', 'data-testid': 'filter-apply' }, 'Search'),
    h('button', { type: 'button', onclick: () => ((input.value = ''), go({ filter: '', offset: 0 })) }, 'Clear'),
    help,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const filter = input.value.trim();
    // The same filter again (after an edit back) still re-reads the store: the hash would not change.
    if (filter === state.filter && state.offset === 0) reload();
    else go({ filter, offset: 0 });
  });
  const error = h('pre', { class: 'filter-error', 'data-testid': 'filter-error', hidden: true });
  const viewSelect = select(
    VIEWS.map((v) => [v, `${v[0]!.toUpperCase()}${v.slice(1)} runs`] as const),
    state.view,
    (v) => go({ view: v as RunsView, offset: 0 }),
    { 'data-testid': 'view-select', 'aria-label': 'Lifecycle' },
  );
  const chooserList = h('div', { class: 'list' });
  const chooser = h(
    'details',
    { class: 'menu', 'data-testid': 'column-chooser' },
    h('summary', null, 'Columns'),
    chooserList,
  );
  const refresh = h(
    'button',
    {
      type: 'button',
      title: 'Read the store again (new runs, new metric values)',
      'data-testid': 'refresh',
      onclick: () => reload(),
    },
    '↻',
  );
  const compare = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      'data-testid': 'compare-button',
      disabled: true,
      onclick: () => navigate(compareHref([...selected])),
    },
    'Compare',
  );
  const clear = h(
    'button',
    { type: 'button', class: 'link', hidden: true, onclick: () => clearSelection() },
    'Clear selection',
  );
  const title = h('h2');
  const count = h('span', { class: 'count', 'data-testid': 'runs-count' });
  const tableWrap = h('div', { class: 'table-wrap' });
  const prev = h(
    'button',
    { type: 'button', 'data-testid': 'page-prev', onclick: () => go({ offset: Math.max(0, state.offset - PAGE) }) },
    '‹ Previous',
  );
  const next = h(
    'button',
    { type: 'button', 'data-testid': 'page-next', onclick: () => go({ offset: state.offset + PAGE }) },
    'Next ›',
  );
  const pager = h('div', { class: 'pager' }, count, prev, next);

  root.append(
    h(
      'div',
      { class: 'runs-layout', 'data-testid': 'runs-view' },
      sidebar,
      h(
        'section',
        { class: 'runs-main' },
        h('div', { class: 'title-row' }, title),
        h(
          'div',
          { class: 'toolbar' },
          form,
          viewSelect,
          chooser,
          refresh,
          h('span', { class: 'spacer' }),
          clear,
          compare,
        ),
        error,
        tableWrap,
        pager,
      ),
    ),
  );

  const clearSelection = (): void => {
    selected.clear();
    for (const box of tableWrap.querySelectorAll<HTMLInputElement>('input[type=checkbox]')) box.checked = false;
    syncCompare();
  };

  const syncCompare = (): void => {
    compare.disabled = selected.size < 2;
    compare.textContent = selected.size > 0 ? `Compare (${selected.size})` : 'Compare';
    compare.title = selected.size < 2 ? 'Select two runs or more to compare' : '';
    clear.hidden = selected.size === 0;
  };

  const renderSidebar = (experiments: readonly ExperimentJson[]): void => {
    const n = (e: ExperimentJson): number =>
      state.view === 'active' ? e.runs : state.view === 'deleted' ? e.deletedRuns : e.runs + e.deletedRuns;
    const item = (name: string, label: string, count: number, deleted = false) =>
      h(
        'a',
        {
          href: stateHref({ ...state, experiment: name, offset: 0, filter: state.filter }),
          class: `exp${name === state.experiment ? ' current' : ''}${deleted ? ' deleted' : ''}`,
          'data-experiment': name,
        },
        h('span', { class: 'label' }, label),
        h('span', { class: 'badge' }, count),
      );
    const active = experiments.filter((e) => e.lifecycleStage === 'active');
    const deleted = experiments.filter((e) => e.lifecycleStage !== 'active');
    sidebar.replaceChildren(
      h('h3', null, 'Experiments'),
      item(
        '',
        'All experiments',
        experiments.reduce((s, e) => s + n(e), 0),
      ),
      ...active.map((e) => item(e.name, e.name, n(e))),
      ...(deleted.length > 0
        ? [h('h3', null, 'Deleted experiments'), ...deleted.map((e) => item(e.name, e.name, n(e), true))]
        : []),
    );
  };

  /** Reads the same state again (Refresh, or the same filter submitted); a failure shows where filter errors do. */
  const reload = (): void => {
    update(null).catch((err: unknown) => {
      error.textContent = err instanceof Error ? err.message : String(err);
      error.hidden = false;
    });
  };

  let token = 0;
  let columns: Columns | undefined;

  /** Loads the state's page of runs; `route` null re-reads the same state. */
  const update = async (r: Route | null): Promise<void> => {
    if (r) state = stateOf(r.query);
    const mine = ++token;
    if (document.activeElement !== input || r) input.value = state.filter;
    viewSelect.value = state.view;
    title.textContent = state.experiment || 'All experiments';
    tableWrap.classList.add('loading');
    // The filter and sort are checked here first, with the CLI's own parser: the mistake shows at once, and
    // the browser logs no failed request. The server checks again (other clients, the duration column).
    const mistake = checkLocally(state);
    const runs =
      mistake ??
      api
        .runs({
          experiment: state.experiment,
          filter: state.filter,
          orderBy: state.orderBy,
          view: state.view,
          offset: state.offset,
          limit: PAGE,
        })
        .catch((e: unknown) => e as Error);
    const [exps, page] = await Promise.all([api.experiments(), runs]);
    if (mine !== token) return;
    tableWrap.classList.remove('loading');
    renderSidebar(exps.experiments);
    if (page instanceof RequestError && page.status === 400) {
      // The filter (or sort) does not parse: its message with the caret, the last table dimmed behind it.
      error.textContent = page.message;
      error.hidden = false;
      tableWrap.classList.add('stale');
      if (page.position !== undefined && document.activeElement === input)
        input.setSelectionRange(page.position, page.position + 1);
      showProblems(exps.problems);
      return;
    }
    if (page instanceof Error) throw page;
    error.hidden = true;
    error.textContent = '';
    tableWrap.classList.remove('stale');
    showProblems(dedupe([...exps.problems, ...page.problems]));
    const draw = (): void =>
      tableWrap.replaceChildren(
        renderTable(page, columns!, {
          orderBy: state.orderBy,
          onSort: (orderBy) => go({ orderBy, offset: 0 }),
          selected,
          onSelect: syncCompare,
        }),
      );
    columns = chosenColumns(state.experiment, page.columns);
    const chooserChanged = (c: Columns): void => {
      columns = c;
      renderChooser(chooserList, state.experiment, page.columns, c, chooserChanged);
      draw();
    };
    renderChooser(chooserList, state.experiment, page.columns, columns, chooserChanged);
    draw();
    const last = Math.min(page.offset + page.runs.length, page.total);
    count.textContent =
      page.total === 0 ? 'No runs' : `${page.offset + 1}–${last} of ${page.total} run${page.total === 1 ? '' : 's'}`;
    count.dataset.total = String(page.total);
    prev.disabled = page.offset === 0;
    next.disabled = last >= page.total;
    syncCompare();
  };

  await update(route);
  return { update };
};
