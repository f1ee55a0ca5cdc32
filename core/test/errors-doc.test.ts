// docs/errors.md and ERROR_CODES must agree, and every DAGRUN_ERR_ literal in the engine and CLI
// sources must be a registered code (as Fastify's test/internals/errors.test.js does for its errors).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { ERROR_CODES } from '../src/index.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOC = join(ROOT, 'docs/errors.md');
const registered = new Set(Object.keys(ERROR_CODES));

interface DocSection {
  readonly code: string;
  readonly line: number;
  readonly body: string;
}

/** `### DAGRUN_ERR_…` headings of docs/errors.md, each with its text up to the next heading. */
const parseDoc = (markdown: string): DocSection[] => {
  const lines = markdown.split('\n');
  const sections: Array<{ code: string; line: number; body: string[] }> = [];
  let current: { code: string; line: number; body: string[] } | undefined;
  let fenced = false;
  lines.forEach((text, i) => {
    if (text.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^(#{1,6})\s+(.*?)\s*$/.exec(text);
    if (heading) {
      current = undefined;
      const code = /^`?(DAGRUN_ERR_[A-Z0-9_]+)`?$/.exec(heading[2]!)?.[1];
      if (heading[1] === '###' && code) sections.push((current = { code, line: i + 1, body: [] }));
      return;
    }
    current?.body.push(text);
  });
  return sections.map((s) => ({ code: s.code, line: s.line, body: s.body.join('\n') }));
};

const sections = parseDoc(readFileSync(DOC, 'utf8'));

t.test('docs/errors.md has one section per code, with an example and a fix', async (t) => {
  t.ok(sections.length > 0, 'the page has code sections');
  const seen = new Map<string, number>();
  for (const s of sections) {
    t.notOk(seen.has(s.code), `${s.code} is documented once (line ${s.line}, also line ${seen.get(s.code) ?? '-'})`);
    seen.set(s.code, s.line);
    t.match(s.body, /\*\*What it means\.\*\* \S/, `${s.code} says what it means`);
    t.match(s.body, /\*\*How to fix\.\*\* \S/, `${s.code} says how to fix it`);
    // The example is the message as printed, so it shows the code in brackets.
    const examples = [...s.body.matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]!);
    t.ok(
      examples.some((e) => e.includes(`[${s.code}]`)),
      `${s.code} has an example message showing [${s.code}]`,
    );
  }
});

t.test('every code in ERROR_CODES is documented in docs/errors.md', async (t) => {
  const documented = new Set(sections.map((s) => s.code));
  for (const code of registered) t.ok(documented.has(code), `${code} has a "### ${code}" section in docs/errors.md`);
});

t.test('every code documented in docs/errors.md is in ERROR_CODES', async (t) => {
  for (const s of sections) t.ok(registered.has(s.code), `${s.code} (docs/errors.md:${s.line}) is in ERROR_CODES`);
});

/** Source files of core and the CLI, tests excluded (they may name codes that must not exist). */
const sourceFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return /\.[cm]?ts$/.test(name) && !/\.test\.[cm]?ts$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });

t.test('every DAGRUN_ERR_ literal in core/src and bin/src is a registered code', async (t) => {
  const files = [...sourceFiles(join(ROOT, 'core/src')), ...sourceFiles(join(ROOT, 'bin/src'))];
  t.ok(
    files.some((f) => f.endsWith('errors.ts')),
    'the scan reaches core/src/internal/errors.ts',
  );
  let literals = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(startsWith\(\s*['"`])?(DAGRUN_ERR_[A-Z0-9_]*[A-Z0-9])/g)) {
      literals++;
      const code = m[2]!;
      const line = text.slice(0, m.index).split('\n').length;
      const where = `${relative(ROOT, file)}:${line}`;
      if (m[1]) {
        // `code.startsWith('DAGRUN_ERR_DATASET')` tests an area: it must be the prefix of some code.
        t.ok(
          [...registered].some((c) => c.startsWith(`${code}_`)),
          `${where}: prefix ${code} matches registered codes`,
        );
      } else {
        t.ok(registered.has(code), `${where}: ${code} is in ERROR_CODES`);
      }
    }
  }
  t.ok(literals > registered.size, `found ${literals} literals`);
});
