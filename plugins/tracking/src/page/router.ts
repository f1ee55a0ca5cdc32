// Hash routes of the page, so every view is a link that can be shared, reloaded and gone back to:
// #/ and #/runs?experiment=&filter=&orderBy=&view=&offset= (the runs table), #/runs/<id>?artifact=<path>
// (one run), #/compare?ids=a,b,c and #/models.

export type RouteName = 'runs' | 'run' | 'compare' | 'models';

export interface Route {
  readonly name: RouteName;
  /** The run id of a run route, else ''. */
  readonly arg: string;
  readonly query: URLSearchParams;
}

/** What a view's factory returns: `update` takes a route of the same view in place (keeping focus and selection). */
export interface ViewController {
  update?(route: Route): Promise<void>;
}

export type ViewFactory = (root: HTMLElement, route: Route) => Promise<ViewController>;

export const parseRoute = (hash: string): Route => {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q))
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  if (path[0] === 'runs' && path[1] !== undefined) return { name: 'run', arg: path[1], query };
  if (path[0] === 'compare') return { name: 'compare', arg: '', query };
  if (path[0] === 'models') return { name: 'models', arg: '', query };
  return { name: 'runs', arg: '', query };
};

/** `#/path?k=v`, leaving out empty values. */
export const href = (path: string, query: Record<string, string | number | undefined> = {}): string => {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return `#/${path}${s ? `?${s}` : ''}`;
};

export const runHref = (runId: string, artifact?: string): string =>
  href(`runs/${encodeURIComponent(runId)}`, { artifact });
export const compareHref = (ids: readonly string[]): string => href('compare', { ids: ids.join(',') });

export const navigate = (hash: string): void => {
  if (location.hash !== hash) location.hash = hash;
};
