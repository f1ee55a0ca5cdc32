// The view state in the URL's fragment, so a reload (and `--serve`'s live reload) keeps the filters,
// the selection and the run toggle, and a link can point at a view. Unknown or stale values are dropped.

import type { GraphModel } from '../internal/model.js';
import type { ViewState } from '../internal/view.js';

interface Saved {
  readonly state: ViewState;
  readonly showRun: boolean;
  readonly selected: string | undefined;
}

const strings = (v: unknown, known: ReadonlySet<string>): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && known.has(x)) : [];

export const readHash = (model: GraphModel): Saved | undefined => {
  if (location.hash.length < 2) return undefined;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(decodeURIComponent(location.hash.slice(1))) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const namespaces = new Set(model.namespaces.map((n) => n.id));
  const pipeline =
    typeof raw.pipeline === 'string' && model.pipelines.some((p) => p.name === raw.pipeline)
      ? raw.pipeline
      : model.defaultPipeline;
  return {
    state: {
      pipeline,
      tags: strings(raw.tags, new Set(model.tags)),
      hiddenNamespaces: strings(raw.hidden, new Set([...namespaces, ''])),
      collapsed: strings(raw.collapsed, namespaces),
      showParameters: raw.params !== false,
    },
    showRun: raw.run !== false,
    selected:
      typeof raw.selected === 'string' && model.items.some((i) => i.id === raw.selected) ? raw.selected : undefined,
  };
};

export const writeHash = (state: ViewState, showRun: boolean, selected: string | undefined): void => {
  const saved = {
    pipeline: state.pipeline,
    tags: state.tags,
    hidden: state.hiddenNamespaces,
    collapsed: state.collapsed,
    params: state.showParameters,
    run: showRun,
    selected,
  };
  history.replaceState(null, '', `#${encodeURIComponent(JSON.stringify(saved))}`);
};
