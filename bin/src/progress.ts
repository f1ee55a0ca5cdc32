// Run progress for people and machines: a live line on a TTY (node i/n, current node, elapsed),
// one plain line per node start and finish otherwise, or pino JSON lines with --log-format json.

import type { AfterDatasetCheckedEvent, AfterNodeRunEvent, Hooks } from '@dagrun/core';

export type LogFormat = 'auto' | 'text' | 'json';

export interface Out {
  write(s: string): void;
  readonly isTTY?: boolean | undefined;
}

const fmtMs = (ms: number): string =>
  ms < 1000
    ? `${ms.toFixed(ms < 10 ? 2 : 0)} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${Math.floor(ms / 60_000)}m${((ms % 60_000) / 1000).toFixed(0).padStart(2, '0')}s`;
export { fmtMs };

/** "in 1.20 s (load 12 ms, save 30 ms)": a node's time with its data's time apart, when it reads or writes any. */
const stepTime = (e: AfterNodeRunEvent): string => {
  const io = e.node.inputNames.length > 0 || e.node.outputNames.length > 0;
  return `${fmtMs(e.durationMs)}${io ? ` (load ${fmtMs(e.loadMs)}, save ${fmtMs(e.saveMs)})` : ''}`;
};

/** A data contract's report when the run goes on (on_violation drop, flag or warn), as a warning. */
// Core is imported when progress starts, not when the CLI loads: `dagrun --help` must not pay for it.
let describeReport: typeof import('@dagrun/core').describeReport;
const contractWarning = (e: AfterDatasetCheckedEvent): string => `Warning: ${describeReport(e.report)}\n`;

/** Returns hooks that report progress, and a stop() that clears any live line. */
export const progressHooks = async (format: LogFormat, out: Out): Promise<{ hooks: Hooks; stop(): void }> => {
  ({ describeReport } = await import('@dagrun/core'));
  if (format === 'json') {
    const { pino } = await import('pino');
    const log = pino(
      { base: null, timestamp: pino.stdTimeFunctions.isoTime },
      pino.destination({ dest: 1, sync: true }),
    );
    return {
      hooks: {
        beforePipelineRun: (e) =>
          log.info(
            { event: 'pipeline_start', runId: e.runId, pipeline: e.pipelineName, nodes: e.pipeline.nodes.length },
            'pipeline start',
          ),
        afterPipelineRun: (e) =>
          log.info(
            { event: 'pipeline_end', runId: e.runId, status: e.record.status, durationMs: e.record.durationMs },
            'pipeline end',
          ),
        onPipelineError: (e) =>
          log.error({ event: 'pipeline_error', runId: e.runId, error: e.error.message }, 'pipeline failed'),
        beforeNodeRun: (e) =>
          log.info(
            { event: 'node_start', runId: e.runId, node: e.node.name, index: e.index + 1, total: e.total },
            'node start',
          ),
        afterNodeRun: (e) =>
          log.info(
            {
              event: 'node_end',
              runId: e.runId,
              node: e.node.name,
              index: e.index + 1,
              total: e.total,
              durationMs: e.durationMs,
              loadMs: e.loadMs,
              computeMs: e.computeMs,
              saveMs: e.saveMs,
            },
            'node end',
          ),
        onNodeError: (e) =>
          log.error({ event: 'node_error', runId: e.runId, node: e.node.name, error: e.error.message }, 'node failed'),
        afterDatasetLoaded: (e) =>
          log.info(
            { event: 'dataset_loaded', runId: e.runId, dataset: e.name, node: e.node?.name, durationMs: e.durationMs },
            'dataset loaded',
          ),
        afterDatasetSaved: (e) =>
          log.info(
            {
              event: 'dataset_saved',
              runId: e.runId,
              dataset: e.name,
              node: e.node?.name,
              version: e.version,
              durationMs: e.durationMs,
            },
            'dataset saved',
          ),
        afterDatasetChecked: (e) =>
          void (
            e.report.violations.length > 0 &&
            log.warn(
              { event: 'dataset_contract', runId: e.runId, node: e.node?.name, ...e.report },
              describeReport(e.report),
            )
          ),
      },
      stop: () => undefined,
    };
  }
  const live = format === 'auto' && out.isTTY === true;
  if (!live) {
    let t0 = 0;
    return {
      hooks: {
        beforePipelineRun: (e) => {
          t0 = performance.now();
          out.write(`Running pipeline '${e.pipelineName}' (${e.pipeline.nodes.length} nodes), run ${e.runId}\n`);
        },
        beforeNodeRun: (e) => out.write(`[${e.index + 1}/${e.total}] start  ${e.node.name}\n`),
        afterNodeRun: (e) => out.write(`[${e.index + 1}/${e.total}] done   ${e.node.name} in ${stepTime(e)}\n`),
        onNodeError: (e) => out.write(`[${e.index + 1}/${e.total}] FAILED ${e.node.name}\n`),
        afterDatasetChecked: (e) => void (e.report.violations.length > 0 && out.write(contractWarning(e))),
        afterPipelineRun: (e) =>
          out.write(
            `Pipeline '${e.pipelineName}' completed: ${e.pipeline.nodes.length} nodes in ` +
              `${fmtMs(performance.now() - t0)}\n`,
          ),
      },
      stop: () => undefined,
    };
  }
  // Live TTY line, repainted every 100 ms while a node runs.
  let current = '';
  let idx = 0;
  let total = 0;
  let runStart = 0;
  let nodeStart = 0;
  let timer: NodeJS.Timeout | undefined;
  // Nodes between beforeNodeRun and their end: between nodes (loading the next inputs, writing the
  // run record) the line stays clear rather than showing a finished node as current.
  let running = 0;
  const paint = () => {
    if (running === 0) return;
    const now = performance.now();
    const width = 30;
    const filled = total === 0 ? 0 : Math.round((idx / total) * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    out.write(
      `\r\x1b[K${bar} ${idx + 1}/${total} ${current}  node ${fmtMs(now - nodeStart)} · total ${fmtMs(now - runStart)}`,
    );
  };
  const clear = () => out.write('\r\x1b[K');
  return {
    hooks: {
      beforePipelineRun: (e) => {
        runStart = performance.now();
        total = e.pipeline.nodes.length;
        out.write(`Running pipeline '${e.pipelineName}' (${total} nodes), run ${e.runId}\n`);
      },
      beforeNodeRun: (e) => {
        idx = e.index;
        current = e.node.name;
        nodeStart = performance.now();
        running++;
        paint();
        timer ??= setInterval(paint, 100);
        timer.unref();
      },
      afterNodeRun: (e) => {
        running--;
        clear();
        out.write(`  \x1b[32m✓\x1b[0m ${e.node.name} \x1b[2m${stepTime(e)}\x1b[0m\n`);
      },
      onNodeError: (e) => {
        running = Math.max(0, running - 1); // also called when loading inputs failed, before beforeNodeRun
        clear();
        out.write(`  \x1b[31m✗\x1b[0m ${e.node.name}\n`);
      },
      afterDatasetChecked: (e) => {
        if (e.report.violations.length === 0) return;
        clear();
        out.write(contractWarning(e));
        paint();
      },
      afterPipelineRun: (e) => {
        if (timer) clearInterval(timer);
        timer = undefined;
        clear();
        out.write(
          `Pipeline '${e.pipelineName}' completed: ${e.pipeline.nodes.length} nodes in ` +
            `${fmtMs(performance.now() - runStart)}\n`,
        );
      },
      onPipelineError: () => {
        if (timer) clearInterval(timer);
        timer = undefined;
      },
    },
    stop: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
};
