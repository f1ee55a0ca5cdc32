// Generates the per-type options tables of docs/catalog-yaml.md from the JSON Schemas of the dataset
// types core registers, between <!-- types:start --> and <!-- types:end -->, and with --plugin NAME those
// a plugin adds, between <!-- types:NAME:start --> and <!-- types:NAME:end -->; core/test/docs.test.ts
// (and the plugin's own test) fail when the file and the schemas disagree.
// Run: node --import tsx core/scripts/catalog-docs.ts [file] [--plugin NAME] [--check]

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PluginHost, Registry, type DatasetType, type JsonSchema, type Plugin } from '../src/index.js';

export const START = '<!-- types:start -->';
export const END = '<!-- types:end -->';
export const DEFAULT_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../docs/catalog-yaml.md');

/**
 * What an option does when its schema carries no `description`, keyed `type.option`. A schema
 * `description` always wins; docs.test.ts fails when an option has neither, or a note has no option.
 */
export const NOTES: Readonly<Record<string, string>> = {
  'json.indent': 'Spaces of indentation when writing a value (not a table). Default `2`; `0` writes one line.',
  'text.encoding': 'Character encoding. Default `utf8`.',
  'object.serializer':
    "`json` (default): a JSON envelope, through a registered codec when one accepts the value. `v8`: Node's " +
    'structured serialisation (keeps Maps, Sets, Dates, typed arrays; class instances come back as plain ' +
    'objects).',
  'memory.copy_mode':
    '`assign` (default) hands later nodes the very value saved; `deepcopy` gives each load its own copy ' +
    '(DataFrames are never copied).',
};

/** The Markdown of every type: a heading, its description, and a table of its options. */
export const renderTypes = (types: readonly DatasetType[]): string => types.map((t) => renderType(t)).join('\n');

const renderType = (type: DatasetType): string => {
  const schema = type.schema;
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const facts =
    `*Versionable: ${type.versionable ? 'yes' : 'no'} · outlives the run: ` +
    `${type.persistent === false ? 'no' : 'yes'}*`;
  const lines = [`### \`${type.name}\``, '', cell(type.description), '', facts, ''];
  const names = Object.keys(props);
  if (names.length === 0) {
    lines.push('No options beyond the common keys.', '');
    return lines.join('\n');
  }
  lines.push('| option | type | required | description |', '| --- | --- | --- | --- |');
  for (const name of names) {
    const p = props[name]!;
    const text = typeof p.description === 'string' ? p.description : (NOTES[`${type.name}.${name}`] ?? '');
    lines.push(`| \`${name}\` | ${cell(describeSchema(p))} | ${required.has(name) ? 'yes' : ''} | ${cell(text)} |`);
  }
  lines.push('');
  return lines.join('\n');
};

/** Options with no description from the schema or NOTES, and NOTES that name no option (both must be empty). */
export const undocumented = (types: readonly DatasetType[]): { missing: string[]; stale: string[] } => {
  const seen = new Set<string>();
  const missing: string[] = [];
  for (const t of types) {
    for (const [name, p] of Object.entries((t.schema.properties ?? {}) as Record<string, JsonSchema>)) {
      const key = `${t.name}.${name}`;
      seen.add(key);
      if (typeof p.description !== 'string' && NOTES[key] === undefined) missing.push(key);
    }
  }
  return { missing, stale: Object.keys(NOTES).filter((k) => !seen.has(k)) };
};

/** A short reading of a JSON Schema: "string, 1 character", "list of strings", "one of `a`, `b`". */
export const describeSchema = (s: JsonSchema): string => {
  if (Array.isArray(s.enum)) return `one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`;
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  const alts = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (alts) return alts.map(describeSchema).join(' or ');
  const type = Array.isArray(s.type) ? (s.type as string[]).join(' or ') : (s.type as string | undefined);
  switch (type) {
    case 'string': {
      const parts = ['string'];
      const min = s.minLength as number | undefined;
      const max = s.maxLength as number | undefined;
      if (min !== undefined && min === max) parts.push(`${min} character${min === 1 ? '' : 's'}`);
      else if (min === 1 && max === undefined) parts.push('not empty');
      else if (min !== undefined || max !== undefined) parts.push(`${min ?? 0}–${max ?? '∞'} characters`);
      if (typeof s.pattern === 'string') parts.push(`matching \`${s.pattern}\``);
      if (typeof s.format === 'string') parts.push(`(${s.format})`);
      return parts.join(', ');
    }
    case 'integer':
    case 'number': {
      const min = s.minimum as number | undefined;
      const max = s.maximum as number | undefined;
      if (min !== undefined && max !== undefined) return `${type}, ${min}–${max}`;
      if (min !== undefined) return `${type} ≥ ${min}`;
      if (max !== undefined) return `${type} ≤ ${max}`;
      return type;
    }
    case 'array': {
      const items = s.items as JsonSchema | undefined;
      if (!items) return 'list';
      const inner = describeSchema(items);
      return `list of ${/^(string|integer|number|boolean)$/.test(inner) ? `${inner}s` : `(${inner})`}`;
    }
    case 'object': {
      const extra = s.additionalProperties;
      if (extra && typeof extra === 'object') return `mapping of name → ${describeSchema(extra as JsonSchema)}`;
      return 'mapping';
    }
    default:
      return type ?? 'any value';
  }
};

/** Table-safe text: pipes escaped, `<` and `>` outside code spans written as entities so they stay visible. */
const cell = (s: string): string =>
  s
    .replace(/\n/g, ' ')
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('')
    .replace(/\|/g, '\\|');

/** The markers of core's section (no plugin) or of a plugin's. */
export const markers = (plugin?: string): { start: string; end: string } =>
  plugin
    ? { start: `<!-- types:${plugin}:start -->`, end: `<!-- types:${plugin}:end -->` }
    : { start: START, end: END };

/** `doc` with the text between the markers replaced by `section`; throws when the markers are missing. */
export const replaceSection = (doc: string, section: string, plugin?: string): string => {
  const { start, end } = markers(plugin);
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a)
    throw new Error(
      `expected the markers ${start} and ${end} in this order, but got ` +
        `${a < 0 ? 'no start marker' : 'no end marker after it'}`,
    );
  return `${doc.slice(0, a + start.length)}\n\n${section.trimEnd()}\n\n${doc.slice(b)}`;
};

/** The text between the markers, as replaceSection writes it. */
export const currentSection = (doc: string, plugin?: string): string | undefined => {
  const { start, end } = markers(plugin);
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  return a < 0 || b < a ? undefined : doc.slice(a + start.length, b);
};

/** The section for core's own types (what `new Registry()` registers). */
export const coreSection = (): string => renderTypes(new Registry().datasetTypes());

/**
 * The types a plugin package adds to core's (one that replaces a built-in, like the polars plugin's json,
 * keeps core's section). Imported by name from the workspace, so core depends on no plugin.
 */
export const pluginTypes = async (name: string): Promise<DatasetType[]> => {
  const mod = (await import(name)) as { default?: Plugin };
  if (!mod.default) throw new Error(`expected a default export made with definePlugin() in ${name}, but got none`);
  const registry = new Registry();
  await new PluginHost(registry).register(mod.default);
  const core = new Set(new Registry().datasetTypes().map((t) => t.name));
  return registry.datasetTypes().filter((t) => !core.has(t.name));
};

/** The section for a plugin's types, or core's when `plugin` is undefined. */
export const sectionFor = async (plugin?: string): Promise<string> =>
  plugin ? renderTypes(await pluginTypes(plugin)) : coreSection();

export interface ScriptIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

/**
 * The command: rewrites `file` (default docs/catalog-yaml.md), or with --check only compares.
 * Returns the exit code.
 */
export const main = async (argv: readonly string[], io: ScriptIo): Promise<number> => {
  const check = argv.includes('--check');
  const p = argv.indexOf('--plugin');
  const plugin = p >= 0 ? argv[p + 1] : undefined;
  const file = resolve(argv.find((a, i) => !a.startsWith('--') && (p < 0 || i !== p + 1)) ?? DEFAULT_FILE);
  const before = readFileSync(file, 'utf8');
  let after: string;
  try {
    after = replaceSection(before, await sectionFor(plugin), plugin);
  } catch (err) {
    io.stderr(`catalog-docs: ${file}: ${(err as Error).message}.`);
    return 2;
  }
  if (after === before) {
    io.stdout(`catalog-docs: ${file} is up to date.`);
    return 0;
  }
  if (check) {
    io.stderr(
      `catalog-docs: ${file} differs from the dataset type schemas; run node --import tsx ` +
        `core/scripts/catalog-docs.ts${plugin ? ` --plugin ${plugin}` : ''}`,
    );
    return 1;
  }
  writeFileSync(file, after);
  io.stdout(`catalog-docs: rewrote the dataset types of ${file}.`);
  return 0;
};

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2), {
    stdout: (l) => process.stdout.write(`${l}\n`),
    stderr: (l) => process.stderr.write(`${l}\n`),
  });
}
