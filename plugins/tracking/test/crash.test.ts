// Crash safety with real processes: a `dagrun run` killed with SIGKILL mid-node leaves a store that lists,
// and the next command that opens the store marks its run FAILED (the marker's process is gone).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { cleanEnv, DAGRUN, ROOT, runNode } from '../../../bin/test/spawn.js';

const dir = mkdtempSync(join(ROOT, 'projects/.tmp-tracking-crash-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'dagrun.yaml'), 'name: crash-demo\nplugins: ["@dagrun/tracking"]\n');
writeFileSync(
  join(dir, 'pipeline.yaml'),
  '__default__:\n  nodes:\n    - { name: slow, func: src/nodes.js#slow, inputs: [params:seconds], outputs: result }\n',
);
mkdirSync(join(dir, 'conf/base'), { recursive: true });
writeFileSync(join(dir, 'conf/base/parameters.yaml'), 'seconds: 30\n');
writeFileSync(join(dir, 'conf/base/catalog.yaml'), 'result: { type: json, path: data/result.json }\n');
mkdirSync(join(dir, 'src'));
writeFileSync(
  join(dir, 'src/nodes.js'),
  'export const slow = (s) => new Promise((r) => setTimeout(() => r({ waited: s }), s * 1000));\n',
);

const waitFor = async (cond: () => boolean, ms: number): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
};

t.test('SIGKILL during a run: the store lists, and the run is marked FAILED by the next command', async (t) => {
  const child = spawn(process.execPath, [DAGRUN, 'run', '--project', dir], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  const marker = () =>
    existsSync(join(dir, 'mlruns')) && readdirSync(join(dir, 'mlruns')).some((n) => n.startsWith('.dagrun-running-'));
  t.ok(await waitFor(marker, 20_000), 'the run started and left its marker');
  child.kill('SIGKILL');
  await exited;

  const listed = await runNode([DAGRUN, 'runs', 'list', '--json', '--project', dir], ROOT);
  t.equal(listed.code, 0, listed.stderr);
  const { runs } = JSON.parse(listed.stdout) as {
    runs: Array<{ status: string; endTime: number | null; tags: Record<string, string> }>;
  };
  t.equal(runs.length, 1);
  t.equal(runs[0]!.status, 'FAILED', 'marked FAILED by the command that opened the store');
  t.ok(runs[0]!.endTime, 'with an end time: the last write of the run');
  t.match(runs[0]!.tags['dagrun.failure'], /ended without finishing the run/);
  t.notOk(marker(), 'the marker is removed');
});

t.test('a run in progress is left RUNNING by other commands', async (t) => {
  writeFileSync(join(dir, 'conf/base/parameters.yaml'), 'seconds: 4\n');
  const child = spawn(process.execPath, [DAGRUN, 'run', '--project', dir], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', r));
  const running = () => readdirSync(join(dir, 'mlruns')).some((n) => n.startsWith('.dagrun-running-'));
  t.ok(await waitFor(running, 20_000));
  const listed = await runNode(
    [DAGRUN, 'runs', 'list', '--json', '--filter', "attributes.status = 'RUNNING'", '--project', dir],
    ROOT,
  );
  t.equal((JSON.parse(listed.stdout) as { total: number }).total, 1, 'the live run stays RUNNING');
  t.equal(await exited, 0);
  const after = await runNode(
    [DAGRUN, 'runs', 'list', '--json', '--filter', "attributes.status = 'FINISHED'", '--project', dir],
    ROOT,
  );
  t.equal((JSON.parse(after.stdout) as { total: number }).total, 1, 'and ends FINISHED');
});
