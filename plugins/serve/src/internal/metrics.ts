// Prometheus metrics in the text exposition format (version 0.0.4): request counts by route, method and
// status, a latency histogram by route, predictions served, the prediction log's writes, and the model
// version as an info gauge.
// Small enough to write here: counting is two Map lookups and an increment on the request path, with no
// key string built per request.

import type { LogWrites } from './prediction-log.js';

const BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

interface Histogram {
  /** Requests per bucket (not cumulative: the text adds them up). */
  readonly counts: number[];
  sum: number;
  count: number;
}

/** What is counted for one route. */
interface RouteStats {
  /** Requests by method, then status code. */
  readonly requests: Map<string, Map<number, number>>;
  readonly latency: Histogram;
}

export class Metrics {
  readonly #routes = new Map<string, RouteStats>();
  #predictions = 0;
  #modelVersion = '';
  #modelDataset = '';
  readonly #started = Date.now();

  /** One finished request; `seconds` from arrival to the response. */
  observe(route: string, method: string, status: number, seconds: number): void {
    let stats = this.#routes.get(route);
    if (stats === undefined) this.#routes.set(route, (stats = { requests: new Map(), latency: { counts: BUCKETS_S.map(() => 0), sum: 0, count: 0 } }));
    let byStatus = stats.requests.get(method);
    if (byStatus === undefined) stats.requests.set(method, (byStatus = new Map()));
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    const h = stats.latency;
    let i = 0;
    while (i < BUCKETS_S.length && seconds > BUCKETS_S[i]!) i++;
    if (i < BUCKETS_S.length) h.counts[i]!++;
    h.sum += seconds;
    h.count++;
  }

  predictions(n: number): void {
    this.#predictions += n;
  }

  model(dataset: string, version: string | undefined): void {
    this.#modelDataset = dataset;
    this.#modelVersion = version ?? 'unversioned';
  }

  /** The exposition text; `logWrites`: the prediction log's writes so far, by where they ran. */
  render(logWrites?: LogWrites): string {
    const out: string[] = [];
    out.push('# HELP dagrun_http_requests_total Requests answered, by route, method and status code.', '# TYPE dagrun_http_requests_total counter');
    for (const [route, stats] of this.#routes) {
      for (const [method, byStatus] of stats.requests) {
        for (const [status, n] of byStatus) out.push(`dagrun_http_requests_total{route="${escapeLabel(route)}",method="${method}",status="${status}"} ${n}`);
      }
    }
    out.push('# HELP dagrun_http_request_duration_seconds Time from a request\'s arrival to its response, by route.', '# TYPE dagrun_http_request_duration_seconds histogram');
    for (const [route, { latency: h }] of this.#routes) {
      const r = escapeLabel(route);
      let cumulative = 0;
      BUCKETS_S.forEach((le, i) => out.push(`dagrun_http_request_duration_seconds_bucket{route="${r}",le="${le}"} ${(cumulative += h.counts[i]!)}`));
      out.push(`dagrun_http_request_duration_seconds_bucket{route="${r}",le="+Inf"} ${h.count}`);
      out.push(`dagrun_http_request_duration_seconds_sum{route="${r}"} ${h.sum}`);
      out.push(`dagrun_http_request_duration_seconds_count{route="${r}"} ${h.count}`);
    }
    out.push('# HELP dagrun_predictions_total Predictions served (records predicted).', '# TYPE dagrun_predictions_total counter', `dagrun_predictions_total ${this.#predictions}`);
    if (logWrites) {
      out.push('# HELP dagrun_prediction_log_writes_total Writes of the prediction log, by where they ran: inline, or on the thread pool while the disk is slow.', '# TYPE dagrun_prediction_log_writes_total counter');
      out.push(`dagrun_prediction_log_writes_total{mode="inline"} ${logWrites.inline}`, `dagrun_prediction_log_writes_total{mode="thread_pool"} ${logWrites.pool}`);
    }
    out.push('# HELP dagrun_model_info The model being served (value 1), by dataset and version.', '# TYPE dagrun_model_info gauge');
    out.push(`dagrun_model_info{dataset="${escapeLabel(this.#modelDataset)}",version="${escapeLabel(this.#modelVersion)}"} 1`);
    out.push('# HELP dagrun_uptime_seconds Seconds since the server started.', '# TYPE dagrun_uptime_seconds gauge', `dagrun_uptime_seconds ${(Date.now() - this.#started) / 1000}`);
    return `${out.join('\n')}\n`;
  }
}
