// One run (#/runs/<id>?artifact=<path>): its info, params, metrics (a sparkline when logged at several
// steps), tags, and its artifacts. The chosen artifact opens in place: HTML and SVG in a sandboxed iframe
// (the server adds CSP sandbox too), images as <img>, JSON pretty-printed, text in <pre>.

import type { StoreProblem } from '../internal/model.js';
import type { ArtifactJson, RunDetail } from '../internal/ui-api.js';
import { api, fetchText } from './api.js';
import { artifactUrl, fmtBytes, fmtDuration, fmtNum, fmtTime, h, kvTable, statusBadge, toNumber } from './dom.js';
import { sparkline } from './plots.js';
import { href, navigate, runHref, type Route, type ViewController } from './router.js';

/** Text previews stop here; the raw link has the whole file. */
const MAX_TEXT = 512 * 1024;

const systemLast = (a: string, b: string): number =>
  Number(a.startsWith('mlflow.')) - Number(b.startsWith('mlflow.')) || a.localeCompare(b);

const section = (title: string, ...children: Array<Node | null>): HTMLElement =>
  h('section', { class: 'card' }, h('h3', null, title), ...children);

/** The artifact that opens by itself: the first HTML page (an evaluation report), else the first image. */
const defaultArtifact = (artifacts: readonly ArtifactJson[]): string | undefined =>
  (artifacts.find((a) => a.kind === 'html') ?? artifacts.find((a) => a.kind === 'svg' || a.kind === 'image'))?.path;

const preview = async (runId: string, a: ArtifactJson): Promise<HTMLElement> => {
  const url = artifactUrl(runId, a.path);
  const raw = h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open raw');
  const head = h(
    'div',
    { class: 'preview-head' },
    h('span', { class: 'mono' }, a.path),
    h('span', { class: 'muted' }, `${a.contentType.split(';')[0]} · ${fmtBytes(a.size)}`),
    raw,
  );
  let body: HTMLElement;
  if (a.kind === 'html' || a.kind === 'svg') {
    // No allow-* token: the artifact's page runs no script and cannot reach the ui (same policy as its CSP header).
    body = h('iframe', {
      src: url,
      sandbox: '',
      title: a.path,
      class: 'artifact-frame',
      'data-testid': 'artifact-frame',
      referrerpolicy: 'no-referrer',
    });
  } else if (a.kind === 'image') {
    body = h('img', { src: url, alt: a.path, class: 'artifact-img', 'data-testid': 'artifact-image' });
  } else if (a.kind === 'json' || a.kind === 'text') {
    if (a.size > MAX_TEXT * 4)
      return h(
        'div',
        { class: 'preview', 'data-testid': 'artifact-preview' },
        head,
        h('p', { class: 'muted' }, `Too large to preview (${fmtBytes(a.size)}); open it raw.`),
      );
    let text = await fetchText(url);
    if (a.kind === 'json') {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // Not valid JSON after all: shown as it is.
      }
    }
    const cut = text.length > MAX_TEXT;
    body = h(
      'pre',
      { class: `artifact-text${a.kind === 'json' ? ' json' : ''}`, 'data-testid': 'artifact-text' },
      cut ? `${text.slice(0, MAX_TEXT)}\n… (${text.length - MAX_TEXT} more characters)` : text,
    );
  } else {
    body = h(
      'p',
      { class: 'muted' },
      'A binary file: ',
      h('a', { href: url, download: a.path.split('/').at(-1) ?? 'artifact' }, 'download it'),
      '.',
    );
  }
  return h('div', { class: 'preview', 'data-testid': 'artifact-preview', 'data-path': a.path }, head, body);
};

export const createRunView = async (
  root: HTMLElement,
  route: Route,
  showProblems: (p: readonly StoreProblem[]) => void,
): Promise<ViewController> => {
  const data: RunDetail = await api.run(route.arg);
  showProblems(data.problems);
  const { run } = data;

  const info = kvTable(
    [
      ['Run ID', h('span', { class: 'mono' }, run.runId)],
      [
        'Experiment',
        data.experiment
          ? h('a', { href: href('runs', { experiment: data.experiment.name }) }, data.experiment.name)
          : run.experimentId,
      ],
      ['Status', statusBadge(run.status)],
      ['User', run.userId],
      ['Start time', fmtTime(run.startTime)],
      ['End time', fmtTime(run.endTime)],
      ['Duration', fmtDuration(run.startTime, run.endTime)],
      ['Lifecycle', run.lifecycleStage],
      ['Artifact URI', h('span', { class: 'mono' }, run.artifactUri)],
    ],
    'run-info',
  );
  const params = kvTable(
    Object.keys(run.params)
      .sort()
      .map((k) => [k, h('span', { class: 'mono' }, run.params[k]!)] as const),
    'run-params',
    'No params.',
  );
  const metrics =
    data.metrics.length === 0
      ? h('p', { class: 'muted', 'data-testid': 'run-metrics' }, 'No metrics.')
      : h(
          'table',
          { class: 'kv', 'data-testid': 'run-metrics' },
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              h('th', null, 'Metric'),
              h('th', { class: 'num' }, 'Value'),
              h('th', null, 'Step'),
              h('th', null, 'History'),
            ),
          ),
          h(
            'tbody',
            null,
            ...data.metrics.map((m) => {
              const values = m.history.map((p) => toNumber(p.value)).filter((v): v is number => v !== undefined);
              return h(
                'tr',
                { 'data-key': m.key },
                h('th', null, m.key),
                h('td', { class: 'num' }, fmtNum(m.value)),
                h(
                  'td',
                  { class: 'muted' },
                  m.history.length > 1 ? `${m.step} (${m.history.length} points)` : String(m.step),
                ),
                h('td', null, values.length > 1 ? sparkline(values) : ''),
              );
            }),
          ),
        );
  const tags = kvTable(
    Object.keys(run.tags)
      .sort(systemLast)
      .map((k) => [k, run.tags[k]!] as const),
    'run-tags',
    'No tags.',
  );

  const list = h('ul', { class: 'artifacts', 'data-testid': 'artifact-list' });
  const pane = h('div', { class: 'preview-pane' });
  const byPath = new Map(data.artifacts.map((a) => [a.path, a]));
  let shown: string | undefined;

  const open = async (path: string | undefined): Promise<void> => {
    const a = path === undefined ? undefined : byPath.get(path);
    shown = a?.path;
    for (const li of list.querySelectorAll<HTMLElement>('li'))
      li.classList.toggle('current', li.dataset.path === shown);
    if (!a)
      return void pane.replaceChildren(
        data.artifacts.length > 0 ? h('p', { class: 'muted' }, 'Choose an artifact to see it here.') : '',
      );
    const el = await preview(run.runId, a).catch((err: unknown) =>
      h('pre', { class: 'error-text' }, (err as Error).message),
    );
    if (shown === a.path) pane.replaceChildren(el);
  };

  for (const a of data.artifacts) {
    list.append(
      h(
        'li',
        { 'data-path': a.path, 'data-kind': a.kind },
        h(
          'a',
          {
            href: runHref(run.runId, a.path),
            onclick: (e) => (e.preventDefault(), navigate(runHref(run.runId, a.path))),
          },
          a.path,
        ),
        h('span', { class: 'muted size' }, fmtBytes(a.size)),
      ),
    );
  }

  root.append(
    h(
      'div',
      { class: 'title-row' },
      h('a', { href: href('runs', { experiment: data.experiment?.name }), class: 'back' }, '‹ Runs'),
      h('h2', { 'data-testid': 'run-title' }, run.runName || run.runId),
      statusBadge(run.status),
    ),
    h(
      'div',
      { class: 'run-grid' },
      h(
        'div',
        { class: 'col' },
        section('Run', info),
        section('Parameters', params),
        section('Metrics', metrics),
        section('Tags', tags),
      ),
      h(
        'div',
        { class: 'col wide' },
        section(
          `Artifacts (${data.artifacts.length})`,
          data.artifacts.length > 0 ? list : h('p', { class: 'muted' }, 'No artifacts.'),
          pane,
        ),
      ),
    ),
  );
  await open(route.query.get('artifact') ?? defaultArtifact(data.artifacts));
  return { update: (r) => open(r.query.get('artifact') ?? defaultArtifact(data.artifacts)) };
};
