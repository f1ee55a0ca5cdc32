// The page's entry: routes the hash to a view (runs table, run, compare, models), keeps the store problems
// banner, and marks each finished render on #view (data-renders counts them, so tests wait for the next).

import type { StoreProblem } from '../internal/model.js';
import { api, RequestError } from './api.js';
import { createCompareView } from './compare.js';
import { byId, h } from './dom.js';
import { createModelsView } from './models.js';
import { parseRoute, type Route, type RouteName, type ViewController, type ViewFactory } from './router.js';
import { createRunView } from './run-page.js';
import { createRunsView } from './runs.js';

const view = byId('view');
const banner = byId('problems');

/** Shows the problems of the latest answer; the views still show everything that could be read. */
export const showProblems = (problems: readonly StoreProblem[]): void => {
  banner.hidden = problems.length === 0;
  if (problems.length === 0) {
    banner.replaceChildren();
    return;
  }
  const n = problems.length;
  const list = h(
    'ul',
    null,
    ...problems.map((p) => h('li', { 'data-testid': 'problem' }, h('code', null, p.file), ' ', p.message)),
  );
  banner.replaceChildren(
    h(
      'details',
      { open: n <= 3 },
      h(
        'summary',
        null,
        h('strong', null, `${n} problem${n === 1 ? '' : 's'} in the tracking store`),
        ': these parts could not be read and are left out; everything else is shown.',
      ),
      list,
    ),
  );
};

/** An error of a request or a view, in place of the view. */
export const errorBox = (err: unknown): HTMLElement => {
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof RequestError ? err.code : 'Error';
  return h(
    'div',
    { class: 'error-box', 'data-testid': 'view-error' },
    h('strong', null, code),
    h('pre', null, message),
  );
};

const FACTORIES: Readonly<Record<RouteName, ViewFactory>> = {
  runs: (root, route) => createRunsView(root, route, showProblems),
  run: (root, route) => createRunView(root, route, showProblems),
  compare: (root, route) => createCompareView(root, route, showProblems),
  models: (root, route) => createModelsView(root, route, showProblems),
};

let current: { key: string; controller: ViewController } | undefined;
let seq = 0;
let renders = 0;

const render = async (): Promise<void> => {
  const route: Route = parseRoute(location.hash);
  const key = `${route.name}/${route.arg}`;
  const mine = ++seq;
  view.dataset.loading = 'true';
  try {
    if (current?.key === key && current.controller.update) {
      await current.controller.update(route);
    } else {
      const root = h('div', { class: `page page-${route.name}` });
      const controller = await FACTORIES[route.name](root, route);
      if (mine !== seq) return;
      view.replaceChildren(root);
      current = { key, controller };
      window.scrollTo(0, 0);
    }
  } catch (err) {
    if (mine !== seq) return;
    view.replaceChildren(errorBox(err));
    current = undefined;
  }
  if (mine !== seq) return;
  view.dataset.view = route.name;
  view.dataset.loading = 'false';
  view.dataset.renders = String(++renders);
  for (const a of document.querySelectorAll<HTMLAnchorElement>('header nav a'))
    a.classList.toggle('current', a.dataset.nav === (route.name === 'models' ? 'models' : 'runs'));
  document.body.dataset.ready = 'true';
};

window.addEventListener('hashchange', () => void render());
void api
  .info()
  .then((info) => (byId('store-root').textContent = info.storeRoot))
  .catch(() => undefined);
void render();
