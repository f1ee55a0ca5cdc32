// Test helper: a throw-away dagrun project (relative path -> content) in the OS temp folder, removed
// when the test ends.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const makeProject = (t: Teardown, files: Readonly<Record<string, string>>): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-pg-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [rel, content] of Object.entries({
    'dagrun.yaml': 'name: pg-test\n',
    'pipeline.yaml': '__default__:\n  nodes: []\n',
    ...files,
  })) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
};
