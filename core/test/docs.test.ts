// Keeps docs/ true to the code: the catalog type tables are the types' schemas, relative links
// resolve, CLI help blocks are the real --help, quoted files match their sources, and the plugin
// example of docs/plugins.md runs as printed. Spawns the built CLI: needs `npx tsc -b`.

import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseDocument } from 'yaml';
import { Registry, type DatasetType } from '../src/index.js';
import {
  coreSection,
  currentSection,
  END,
  main,
  NOTES,
  replaceSection,
  START,
  undocumented,
} from '../scripts/catalog-docs.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = join(ROOT, 'docs');
const DAGRUN = join(ROOT, 'bin/dagrun.js');
const SCRIPT = join(ROOT, 'core/scripts/catalog-docs.ts');

interface Teardown {
  teardown(fn: () => void): void;
}

const tempDir = (t: Teardown): string => {
  const dir = mkdtempSync(join(tmpdir(), 'dagrun-docs-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

const writeFile = (dir: string, rel: string, content: string): void => {
  mkdirSync(dirname(join(dir, rel)), { recursive: true });
  writeFileSync(join(dir, rel), content);
};

// Children get a user's environment: no tap loader in NODE_OPTIONS, no tap variables.
const cleanEnv = (): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_OPTIONS' && !/^_?TAP/.test(k)));

const node = (args: readonly string[], cwd: string) => {
  const r = spawnSync(process.execPath, args, { cwd, env: cleanEnv(), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

const dagrun = (args: readonly string[], cwd: string) => node([DAGRUN, ...args], cwd);

const docFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.md'))
    .sort();
const readDoc = (name: string): string => readFileSync(join(DOCS, name), 'utf8');

interface Block {
  readonly lang: string;
  readonly body: string;
  readonly line: number;
}

/** Fenced code blocks of a Markdown text, with the 1-based line of the opening fence. */
const codeBlocks = (md: string): Block[] => {
  const out: Block[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    out.push({ lang: open[2]!, body: body.join('\n'), line: i + 1 });
    i = j;
  }
  return out;
};

/** The part of a Markdown text under the `## ` heading that starts with `title`. */
const section = (md: string, title: string): string => {
  const start = md.indexOf(`\n## ${title}`);
  if (start < 0) throw new Error(`no section '## ${title}'`);
  const next = md.indexOf('\n## ', start + 4);
  return md.slice(start, next < 0 ? undefined : next);
};

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-', repeats numbered. */
const anchors = (md: string): Set<string> => {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  let fenced = false;
  for (const line of md.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const base = h[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
};

/** Relative links of every .md file in `dir` whose file or heading does not exist, as "file:line target". */
const brokenLinks = (dir: string): { broken: string[]; checked: number } => {
  const broken: string[] = [];
  let checked = 0;
  for (const name of docFiles(dir)) {
    const md = readFileSync(join(dir, name), 'utf8');
    let fenced = false;
    md.split('\n').forEach((line, i) => {
      if (/^\s*```/.test(line)) fenced = !fenced;
      if (fenced) return;
      const prose = line.replace(/`[^`]*`/g, '');
      for (const m of prose.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        checked++;
        const [path = '', anchor] = target.split('#');
        const file = path === '' ? join(dir, name) : resolve(dir, path);
        if (!existsSync(file)) {
          broken.push(`${name}:${i + 1} ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && file.endsWith('.md') && !anchors(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${name}:${i + 1} ${target} (no such heading)`);
        }
      }
    });
  }
  return { broken, checked };
};

/** Run ids and durations vary from run to run. */
const normaliseRun = (s: string): string =>
  s
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}\.\d{3}Z/g, '<run id>')
    .replace(/ in \d+(\.\d+)? (ms|s)\b/g, ' in <time>')
    .replace(/\(load \d+(\.\d+)? (ms|s), save \d+(\.\d+)? (ms|s)\)/g, '(load <time>, save <time>)')
    .trimEnd();

t.test('catalog-yaml.md holds the options tables generated from the dataset types', async (t) => {
  const doc = readDoc('catalog-yaml.md');
  const section = currentSection(doc);
  t.ok(section, `docs/catalog-yaml.md has ${START} … ${END}`);
  t.equal(
    section?.trim(),
    coreSection().trim(),
    'the types section is the generated one (if not, run node --import tsx core/scripts/catalog-docs.ts)',
  );
  const types = new Registry().datasetTypes().map((d) => d.name);
  t.same(types, ['json', 'yaml', 'text', 'object', 'memory']);
  for (const name of types) t.match(section ?? '', `### \`${name}\``, `type ${name} has its section`);
  t.match(
    section ?? '',
    '| `indent` | integer, 0–8 |  | Spaces of indentation when writing a value (not a table). Default `2`; `0` ' +
      'writes one line. |',
  );
  t.match(
    section ?? '',
    '| `path` | string, not empty | yes | File location: a path relative to the project, or protocol://bucket/key. |',
  );
});

t.test('every option of every built-in type has a description, and no note is left over', async (t) => {
  t.same(undocumented(new Registry().datasetTypes()), { missing: [], stale: [] });
  const fake = {
    name: 'fake',
    description: 'A test type.',
    schema: { type: 'object', properties: { size: { type: 'integer' } } },
    create: () => ({ load: () => 1, save: () => undefined, describe: () => ({}) }),
  } as unknown as DatasetType;
  t.same(
    undocumented([fake]),
    { missing: ['fake.size'], stale: Object.keys(NOTES) },
    'an option without description is caught, and notes for absent types are stale',
  );
});

t.test('catalog-docs.ts rewrites a stale section, leaves the rest, and --check fails on drift', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'catalog.md');
  const stale = `# Title\n\nIntro.\n\n${START}\nold table\n${END}\n\nAfter.\n`;
  writeFileSync(file, stale);
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
    return { code, out, err };
  };

  t.same(await run(file, '--check'), {
    code: 1,
    out: [],
    err: [
      `catalog-docs: ${file} differs from the dataset type schemas; run node --import tsx core/scripts/catalog-docs.ts`,
    ],
  });
  t.equal(readFileSync(file, 'utf8'), stale, '--check writes nothing');

  t.same(await run(file), { code: 0, out: [`catalog-docs: rewrote the dataset types of ${file}.`], err: [] });
  const after = readFileSync(file, 'utf8');
  t.equal(after, replaceSection(stale, coreSection()));
  t.ok(after.startsWith('# Title\n\nIntro.\n\n<!-- types:start -->\n\n### `json`'), 'text before the markers is kept');
  t.ok(after.endsWith('<!-- types:end -->\n\nAfter.\n'), 'text after the markers is kept');
  t.same(await run(file, '--check'), { code: 0, out: [`catalog-docs: ${file} is up to date.`], err: [] });

  writeFileSync(file, '# No markers\n');
  t.same(await run(file), {
    code: 2,
    out: [],
    err: [`catalog-docs: ${file}: expected the markers ${START} and ${END} in this order, but got no start marker.`],
  });

  // The command line itself, as docs and CI call it, on a copy of the real page.
  const copy = join(dir, 'catalog-yaml.md');
  writeFileSync(copy, replaceSection(readDoc('catalog-yaml.md'), 'stale'));
  const cli = node(['--import', 'tsx', SCRIPT, copy], ROOT);
  t.equal(cli.code, 0, cli.stderr);
  t.equal(cli.stdout, `catalog-docs: rewrote the dataset types of ${copy}.\n`);
  t.equal(readFileSync(copy, 'utf8'), readDoc('catalog-yaml.md'));
});

t.test('every relative link in docs/*.md points at an existing file and heading', async (t) => {
  const { broken, checked } = brokenLinks(DOCS);
  t.same(broken, []);
  t.ok(checked > 40, `links checked: ${checked}`);
  for (const page of [
    'getting-started.md',
    'pipeline-yaml.md',
    'catalog-yaml.md',
    'configuration.md',
    'cli.md',
    'plugins.md',
    'errors.md',
    'benchmarks.md',
  ]) {
    t.match(readDoc('index.md'), `](${page})`, `index.md links to ${page}`);
  }
});

t.test('the link check reports missing files and headings, and skips code and URLs', async (t) => {
  const dir = tempDir(t);
  writeFile(
    dir,
    'a.md',
    '# A\n\n## Some `code` heading: here\n\n[ok](b.md) [ok](b.md#b-part) [ok](#some-code-heading-here)\n[gone](c.md)\n[bad anchor](b.md#nope) [url](https://example.com/x.md) `[in code](d.md)`\n\n```md\n[in a block](e.md)\n```\n',
  );
  writeFile(dir, 'b.md', '# B\n\n## B part\n\n[self](#b) [up](#missing)\n');
  t.same(brokenLinks(dir), {
    broken: ['a.md:6 c.md (no such file)', 'a.md:7 b.md#nope (no such heading)', 'b.md:5 #missing (no such heading)'],
    checked: 7,
  });
});

t.test('YAML and JSON blocks in docs/*.md parse', async (t) => {
  let n = 0;
  for (const name of docFiles(DOCS)) {
    for (const b of codeBlocks(readDoc(name))) {
      if (b.lang === 'yaml') {
        n++;
        const doc = parseDocument(b.body, { uniqueKeys: true });
        t.same(
          doc.errors.map((e) => e.message),
          [],
          `${name}:${b.line} is valid YAML`,
        );
      } else if (b.lang === 'json') {
        n++;
        t.doesNotThrow(() => JSON.parse(b.body), `${name}:${b.line} is valid JSON`);
      }
    }
  }
  t.ok(n > 40, `blocks checked: ${n}`);
});

t.test('blocks quoting project files match them', async (t) => {
  const scaffolded = tempDir(t);
  const made = dagrun(['new', 'shop'], scaffolded);
  t.equal(made.code, 0, made.stderr);
  let n = 0;
  for (const name of docFiles(DOCS)) {
    for (const b of codeBlocks(readDoc(name))) {
      const m = /^(?:#|\/\/) (\S+) \((?:from |written by )?(projects\/[\w-]+|dagrun new)\)/.exec(b.body);
      if (!m) continue;
      n++;
      const source = m[2] === 'dagrun new' ? join(scaffolded, 'shop', m[1]!) : join(ROOT, m[2]!, m[1]!);
      const quoted = b.body.split('\n').slice(1).join('\n');
      t.ok(readFileSync(source, 'utf8').includes(quoted), `${name}:${b.line} matches ${relative(ROOT, source)}`);
    }
  }
  t.ok(n >= 8, `quoted blocks checked: ${n}`);
});

t.test('cli.md shows the real --help of every built-in command', async (t) => {
  const cwd = tempDir(t);
  // The --project default is the working directory, and its length changes where lines wrap.
  const normalise = (s: string) =>
    s
      .replace(/\(default:\s+"\/[^"]*"\)/g, '(default: "<cwd>")')
      .replace(/\s+/g, ' ')
      .trim();
  const shown = new Map<string, string>();
  for (const b of codeBlocks(readDoc('cli.md'))) {
    const m = /^\$ dagrun ((?:[a-z]+ )*)--help\n/.exec(b.body);
    if (m) shown.set(m[1]!.trim(), b.body.slice(m[0].length));
  }
  t.same([...shown.keys()], ['', 'run', 'check', 'pipeline list', 'pipeline show', 'catalog list', 'new']);
  for (const [cmd, text] of shown) {
    const r = dagrun([...cmd.split(' ').filter(Boolean), '--help'], cwd);
    t.equal(r.code, 0);
    t.equal(normalise(text), normalise(r.stdout), `dagrun ${cmd} --help`);
  }
});

t.test("plugins.md's complete dataset type runs as printed, and its hooks fire in the order shown", async (t) => {
  const doc = readDoc('plugins.md');
  const dir = tempDir(t);
  writeFile(dir, 'package.json', '{ "type": "module", "private": true }\n');
  mkdirSync(join(dir, 'node_modules/@dagrun'), { recursive: true });
  symlinkSync(join(ROOT, 'core'), join(dir, 'node_modules/@dagrun/core'), 'dir');

  /** Writes the blocks of a section that open with a path comment; returns the paths. */
  const writeBlocks = (text: string): string[] =>
    codeBlocks(text).flatMap((b) => {
      const m = /^(?:#|\/\/) ([\w./-]+\.(?:ts|yaml))\s*$/.exec(b.body.split('\n')[0]!);
      if (!m) return [];
      writeFile(dir, m[1]!, `${b.body}\n`);
      return [m[1]!];
    });

  const complete = section(doc, 'A complete dataset type');
  t.same(writeBlocks(complete).sort(), [
    'conf/base/catalog.yaml',
    'dagrun.yaml',
    'pipeline.yaml',
    'plugins/partitions.ts',
    'src/nodes.ts',
  ]);
  const transcript = codeBlocks(complete).find((b) => b.lang === 'console')!.body;
  // Replay the transcript: shell lines make the data, `dagrun` and `cat` outputs must match.
  const steps = transcript
    .split(/^\$ /m)
    .filter(Boolean)
    .map((s) => {
      const [command = '', ...out] = s.split('\n');
      return { command, output: out.join('\n').trimEnd() };
    });
  t.same(
    steps.map((s) => s.command.split(' ').slice(0, 2).join(' ')),
    [
      'mkdir -p',
      "echo '[{",
      "echo '[{",
      'dagrun run',
      'cat data/08_reporting/daily_totals/2026-11-02.json',
      'cat data/08_reporting/best_day.json',
      'dagrun catalog',
    ],
  );
  for (const { command, output } of steps) {
    const echo = /^echo '(.*)' > (\S+)$/.exec(command);
    if (command.startsWith('mkdir -p ')) mkdirSync(join(dir, command.slice('mkdir -p '.length)), { recursive: true });
    else if (echo) writeFileSync(join(dir, echo[2]!), `${echo[1]}\n`);
    else if (command.startsWith('cat '))
      t.equal(readFileSync(join(dir, command.slice(4)), 'utf8').trimEnd(), output, command);
    else {
      const r = dagrun(command.split(' ').slice(1), dir);
      t.equal(r.code, 0, r.stderr);
      t.equal(normaliseRun(r.stdout), normaliseRun(output), command);
    }
  }

  const hooks = section(doc, 'registerHooks');
  t.same(writeBlocks(hooks).sort(), ['dagrun.yaml', 'plugins/log-hooks.ts']);
  const shown = codeBlocks(hooks).find((b) => b.body.startsWith('$ dagrun run --log-format text\n'))!.body;
  rmSync(join(dir, 'data/08_reporting'), { recursive: true });
  const r = dagrun(['run', '--log-format', 'text'], dir);
  t.equal(r.code, 0, r.stderr);
  t.equal(normaliseRun(r.stdout), normaliseRun(shown.slice(shown.indexOf('\n') + 1)));
  t.match(r.stdout, /afterCatalogCreated\n {2}beforePipelineRun __default__\n/);
});
