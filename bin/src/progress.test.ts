// The run progress reporters, driven by real runs of a small temp project: the live TTY line
// (node i/n, current node, elapsed, cleared after each node) and the plain start/done lines.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { openProject } from '@dagrun/core';
import { progressHooks, type LogFormat, type Out } from './progress.js';

interface Teardown {
  teardown(fn: () => void): void;
}

const CLEAR = '\r\x1b[K';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** prepare -> numbers -> train (async, 250 ms; throws when params:fail) -> model -> report -> summary. */
const makeProject = (t: Teardown, fail: boolean): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-progress-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files: Record<string, string> = {
    'package.json': '{ "type": "module" }\n',
    'dagrun.yaml': 'name: progress-test\n',
    'pipeline.yaml': `__default__:
  nodes:
    - name: prepare
      func: src/nodes.ts#prepare
      inputs: [params:n]
      outputs: numbers
    - name: train
      func: src/nodes.ts#train
      inputs: [numbers, params:fail]
      outputs: model
    - name: report
      func: src/nodes.ts#report
      inputs: [model]
      outputs: summary
`,
    'conf/base/parameters.yaml': `n: 4\nfail: ${fail}\n`,
    'src/nodes.ts': `export const prepare = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
export const train = async (xs: number[], fail: boolean) => {
  await new Promise((r) => setTimeout(r, 250));
  if (fail) throw new Error('training diverged');
  return xs.reduce((a, b) => a + b, 0);
};
export const report = (model: number) => \`sum \${model}\`;
`,
  };
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
};

/** Runs the project the way `dagrun run` does: progress hooks registered, stop() at the end. */
const runWithProgress = async (
  t: Teardown,
  opts: { format: LogFormat; isTTY: boolean; fail?: boolean; gapMs?: number },
) => {
  const writes: string[] = [];
  const out: Out = { isTTY: opts.isTTY, write: (s) => void writes.push(s) };
  const project = await openProject({ projectDir: makeProject(t, opts.fail ?? false) });
  const progress = await progressHooks(opts.format, out);
  project.registry.registerHooks(progress.hooks);
  // A slow afterNodeRun hook leaves a gap between nodes, as loading big inputs would.
  const gapMs = opts.gapMs ?? 0;
  if (gapMs > 0) project.registry.registerHooks({ afterNodeRun: () => sleep(gapMs) });
  let error: unknown;
  try {
    await project.run();
  } catch (err) {
    error = err;
  } finally {
    progress.stop();
  }
  return { writes, error };
};

const toMs = (n: string, unit: string) => Number(n) * (unit === 's' ? 1000 : 1);
// biome-ignore lint/suspicious/noControlCharactersInRegex: the progress line is drawn with terminal escapes
const PAINT = /^\r\x1b\[K([█░]{30}) (\d+)\/(\d+) (\S+) {2}node (\d+(?:\.\d+)?) (ms|s) · total (\d+(?:\.\d+)?) (ms|s)$/;

interface Paint {
  readonly bar: string;
  readonly i: number;
  readonly n: number;
  readonly node: string;
  readonly nodeMs: number;
  readonly totalMs: number;
}

const parsePaint = (s: string): Paint | undefined => {
  const m = PAINT.exec(s);
  if (!m) return undefined;
  return {
    bar: m[1]!,
    i: Number(m[2]),
    n: Number(m[3]),
    node: m[4]!,
    nodeMs: toMs(m[5]!, m[6]!),
    totalMs: toMs(m[7]!, m[8]!),
  };
};

t.test('TTY: a live line with i/n, the current node and elapsed time, cleared after each node', async (t) => {
  const { writes, error } = await runWithProgress(t, { format: 'auto', isTTY: true, gapMs: 150 });
  t.equal(error, undefined);
  t.match(writes[0], /^Running pipeline '__default__' \(3 nodes\), run \S+\n$/);
  t.equal(writes.at(-2), CLEAR, 'the live line is cleared at the end');
  t.match(writes.at(-1), /^Pipeline '__default__' completed: 3 nodes in \d+(\.\d+)? (ms|s)\n$/);

  // Between the header and the summary: for each node, one or more paints, then a clear and a ✓ line.
  const body = writes.slice(1, -2);
  const groups: Array<{ paints: Paint[]; done: string[] }> = [];
  for (const w of body) {
    const p = parsePaint(w);
    if (p) {
      const last = groups.at(-1);
      if (last && last.done.length === 0) last.paints.push(p);
      else groups.push({ paints: [p], done: [] });
    } else {
      groups.at(-1)?.done.push(w);
    }
  }
  t.same(
    groups.map((g) => [g.paints[0]?.node, g.paints[0]?.i, g.paints[0]?.n]),
    [
      ['prepare', 1, 3],
      ['train', 2, 3],
      ['report', 3, 3],
    ],
    'one group per node, in order, with i/n',
  );
  t.same(
    groups.map((g) => g.paints[0]?.bar),
    ['░'.repeat(30), `${'█'.repeat(10)}${'░'.repeat(20)}`, `${'█'.repeat(20)}${'░'.repeat(10)}`],
    'the bar fills with the nodes done',
  );
  for (const g of groups) {
    const name = g.paints[0]!.node;
    t.ok(
      g.paints.every((p) => p.node === name),
      `${name}: every repaint names the same node`,
    );
    t.equal(g.done[0], CLEAR, `${name}: the line is cleared before the node's result`);
    t.match(
      g.done[1],
      new RegExp(
        `^ {2}\\x1b\\[32m✓\\x1b\\[0m ${name.replace('.', '\\.')} \\x1b\\[2m\\d+(\\.\\d+)? (ms|s) \\(load ` +
          '\\d+(\\.\\d+)? (ms|s), save \\d+(\\.\\d+)? (ms|s)\\)\\x1b\\[0m\\n$',
      ),
      `${name}: a ✓ line with its duration, loads and saves apart`,
    );
    t.equal(g.done.length, 2, `${name}: no repaint of a finished node in the 150 ms gap before the next`);
  }

  // train sleeps 250 ms: the line is repainted while it runs, with the elapsed time growing.
  const train = groups[1]!.paints;
  t.ok(train.length >= 2, `train was repainted while running (${train.length} paints)`);
  t.ok(train.at(-1)!.nodeMs >= 100, `the elapsed time of train reached ${train.at(-1)!.nodeMs} ms`);
  t.ok(
    train.every((p, i) => i === 0 || p.nodeMs >= train[i - 1]!.nodeMs),
    'node elapsed time never goes back',
  );
  t.ok(
    train.every((p) => p.totalMs >= p.nodeMs),
    'total elapsed covers the node elapsed',
  );

  const count = writes.length;
  await sleep(250);
  t.equal(writes.length, count, 'no repaint after the run ended');
});

t.test('TTY: a failing node clears the line, prints ✗ and the repaint stops', async (t) => {
  const { writes, error } = await runWithProgress(t, { format: 'auto', isTTY: true, fail: true });
  t.match(error, {
    code: 'DAGRUN_ERR_NODE_FAILED',
    detail: "Node 'train' (src/nodes.ts#train) failed: training diverged",
  });
  const failed = writes.indexOf('  \x1b[31m✗\x1b[0m train\n');
  t.ok(failed > 0, 'a ✗ line names the node');
  t.equal(writes[failed - 1], CLEAR, 'the live line is cleared first');
  t.equal(parsePaint(writes[failed - 2] ?? '')?.node, 'train', 'the last paint was the failing node');
  t.notOk(
    writes.some((w) => parsePaint(w)?.node === 'report'),
    'report never started',
  );
  const count = writes.length;
  await sleep(250);
  t.equal(writes.length, count, 'no repaint after the failure');
});

const TIME = String.raw`\d+(\.\d+)? (ms|s)`;
const plainLines = (writes: readonly string[]) =>
  writes.map((w) => w.replace(new RegExp(` in ${TIME}( \\(load ${TIME}, save ${TIME}\\))?\n$`), ' in T\n'));

t.test('not a TTY: one plain line per node start and finish', async (t) => {
  const { writes, error } = await runWithProgress(t, { format: 'auto', isTTY: false });
  t.equal(error, undefined);
  t.match(writes[0], /^Running pipeline '__default__' \(3 nodes\), run \S+\n$/);
  t.same(plainLines(writes.slice(1)), [
    '[1/3] start  prepare\n',
    '[1/3] done   prepare in T\n',
    '[2/3] start  train\n',
    '[2/3] done   train in T\n',
    '[3/3] start  report\n',
    '[3/3] done   report in T\n',
    "Pipeline '__default__' completed: 3 nodes in T\n",
  ]);
  t.match(
    writes[4],
    new RegExp(
      /^\[2\/3\] done {3}train in ((2\d\d|[3-9]\d\d) ms|\d\.\d\d s) /.source +
        /\(load \d+(\.\d+)? (ms|s), save \d+(\.\d+)? (ms|s)\)\n$/.source,
    ),
    'train took its 250 ms, its loads and saves shown apart',
  );
});

t.test('--log-format text on a TTY prints the plain lines too, and a failure says FAILED', async (t) => {
  const { writes, error } = await runWithProgress(t, { format: 'text', isTTY: true, fail: true });
  t.match(error, { code: 'DAGRUN_ERR_NODE_FAILED' });
  t.same(plainLines(writes.slice(1)), [
    '[1/3] start  prepare\n',
    '[1/3] done   prepare in T\n',
    '[2/3] start  train\n',
    '[2/3] FAILED train\n',
  ]);
  t.notOk(
    writes.some((w) => w.includes('\x1b') || w.includes('\r')),
    'no terminal control codes',
  );
});
