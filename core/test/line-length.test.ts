// Lines of the repository's TypeScript are at most 120 characters (Biome's formatter wraps code at 120,
// but not comments or long strings; this catches those). A line holding a URL may be longer: a URL is
// not split.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';

const ROOT = join(import.meta.dirname, '../..');
const MAX = 120;

t.test(`every line of tracked .ts files is at most ${MAX} characters`, async (t) => {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.mts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  t.ok(files.length > 100, `${files.length} files`);
  const long: string[] = [];
  for (const file of files) {
    readFileSync(join(ROOT, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if ([...line].length > MAX && !/https?:\/\//.test(line)) long.push(`${file}:${i + 1} (${[...line].length})`);
      });
  }
  t.same(long.slice(0, 50), [], `${long.length} lines over ${MAX} characters; wrap them (first 50 shown)`);
});
