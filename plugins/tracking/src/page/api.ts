// The page's client of /api: typed fetches, and the server's `{ error: { code, message, position } }`
// turned into a RequestError the views show (a filter's message carries its caret line).

import type {
  CompareJson,
  ErrorBody,
  ExperimentJson,
  ModelJson,
  RunDetail,
  RunsPage,
  RunsQuery,
} from '../internal/ui-api.js';
import type { StoreProblem } from '../internal/model.js';

export class RequestError extends Error {
  readonly status: number;
  readonly code: string;
  readonly position: number | undefined;

  constructor(status: number, code: string, message: string, position?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.position = position;
  }
}

type Query = Record<string, string | number | undefined>;

const get = async <T>(path: string, query: Query = {}): Promise<T> => {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
  const q = qs.toString();
  const url = q ? `${path}?${q}` : path;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RequestError(
      res.status,
      'DAGRUN_ERR_UI_RESPONSE',
      `Response of '${url}': expected JSON, but got ${res.status} ${text.slice(0, 200)}.`,
    );
  }
  if (!res.ok) {
    const e = (body as Partial<ErrorBody>).error;
    throw new RequestError(
      res.status,
      e?.code ?? 'DAGRUN_ERR_UI_RESPONSE',
      e?.message ?? `Request '${url}' failed with ${res.status}.`,
      e?.position,
    );
  }
  return body as T;
};

/** What the runs page asks for: the API's own query (one declaration, shared with the server). */
export type RunsRequest = RunsQuery;

export const api = {
  info: () => get<{ storeRoot: string; filterSyntax: string }>('/api/info'),
  experiments: () => get<{ experiments: ExperimentJson[]; problems: StoreProblem[] }>('/api/experiments'),
  runs: (q: RunsRequest) => get<RunsPage>('/api/runs', { ...q }),
  run: (id: string) => get<RunDetail>(`/api/runs/${encodeURIComponent(id)}`),
  compare: (ids: readonly string[]) => get<CompareJson>('/api/compare', { ids: ids.join(',') }),
  models: () => get<{ models: ModelJson[]; problems: StoreProblem[] }>('/api/models'),
};

/** A file's text, for the artifact previews. */
export const fetchText = async (url: string): Promise<string> => {
  const res = await fetch(url);
  if (!res.ok)
    throw new RequestError(
      res.status,
      'DAGRUN_ERR_UI_RESPONSE',
      `Artifact '${url}': expected its content, but got HTTP ${res.status}.`,
    );
  return res.text();
};
