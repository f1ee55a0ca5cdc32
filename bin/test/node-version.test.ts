// CI runs the suite on the machine's Node 20 and again on Node 22 (.ci/run) with DAGRUN_EXPECT_NODE=22:
// this fails that run if PATH let tap, or the processes the tests start, fall back to another Node.

import { spawnSync } from 'node:child_process';
import t from 'tap';

t.test('the tests run on the Node major version CI asked for', async (t) => {
  const want = process.env.DAGRUN_EXPECT_NODE;
  const child = spawnSync('node', ['--version'], { encoding: 'utf8' });
  t.equal(child.status, 0);
  // The CLI tests start process.execPath; scripts and npx resolve `node` from PATH: both must agree.
  t.equal(child.stdout.trim(), process.version, '`node` on PATH is the Node running the tests');
  if (want === undefined) return;
  t.equal(process.versions.node.split('.')[0], want, `Node ${process.version}`);
});
