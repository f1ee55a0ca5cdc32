// YAML files parsed with their source positions, so every later check can say file:line:col.
// A YamlSource answers "where is the value at this path?" for the file it was read from.
// Data comes from js-yaml (fast); the position-keeping `yaml` parser runs only when a location or a
// syntax message is needed, which on the happy path is never. Aliases that loop or multiply are refused.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { CORE_SCHEMA, load as loadFast, Type } from 'js-yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { ConfigError, type SourceLocation } from './errors.js';

export type YamlPath = ReadonlyArray<string | number>;

type YamlLib = typeof import('yaml');
let yamlLib: YamlLib | undefined;
const lib = (): YamlLib => (yamlLib ??= createRequire(import.meta.url)('yaml') as YamlLib);

/**
 * YAML 1.2's core schema plus YAML 1.1's `<<` merge keys, which catalogs use to share options. The type is
 * js-yaml's own merge type, declared here because @types/js-yaml does not export js-yaml's `types`.
 */
const MERGE = new Type('tag:yaml.org,2002:merge', {
  kind: 'scalar',
  resolve: (data: unknown) => data === '<<' || data === null,
});
const SCHEMA = CORE_SCHEMA.extend({ implicit: [MERGE] });

/**
 * Parses a YAML scalar or flow value as files are read (for --params and ${env:…}); aliases are the caller's
 * to check.
 */
export const parseYamlValue = (text: string): unknown => loadFast(text, { schema: SCHEMA });

/**
 * At most this many values may aliases add to a document once written out: far above what anchors
 * shared across a real catalog add (a few thousand), far below a "billion laughs" (10^9 from 9 lines).
 */
export const MAX_ALIASED_VALUES = 100_000;

export interface AliasProblem {
  /** `cycle`: a value holds itself (an alias inside its own anchor); `expansion`: past MAX_ALIASED_VALUES. */
  readonly kind: 'cycle' | 'expansion';
  /** Where the walk found it: the alias that closes the cycle, or the one that crossed the limit. */
  readonly path: YamlPath;
}

/**
 * Whether parsed YAML refers to itself or grows too large when its aliases are written out. Both parsers
 * give an alias as the very object of its anchor, so the data stays small, but every walk over it (merging,
 * interpolation, validation, JSON) meets each alias again: a cycle never ends, and nested aliases multiply.
 * Each object's written-out size is counted once and reused, so the check is linear in the distinct values.
 */
export const aliasProblem = (data: unknown): AliasProblem | undefined => {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  const path: Array<string | number> = [];
  let added = 0;
  let problem: AliasProblem | undefined;
  const size = (value: unknown): number => {
    if (problem || value === null || typeof value !== 'object') return 1;
    const known = sizes.get(value);
    if (known !== undefined) {
      added += known;
      if (added > MAX_ALIASED_VALUES) problem = { kind: 'expansion', path: [...path] };
      return known;
    }
    if (open.has(value)) {
      problem = { kind: 'cycle', path: [...path] };
      return 1;
    }
    open.add(value);
    let n = 1;
    const entries: Iterable<[string | number, unknown]> = Array.isArray(value)
      ? value.entries()
      : Object.entries(value);
    for (const [k, v] of entries) {
      path.push(k);
      n += size(v);
      path.pop();
    }
    open.delete(value);
    sizes.set(value, n);
    return n;
  };
  size(data);
  return problem;
};

export class YamlSource {
  readonly file: string;
  readonly data: unknown;
  readonly #text: string;
  #parsed: { doc: Document; lines: LineCounter } | undefined;

  private constructor(file: string, text: string, data: unknown) {
    this.file = file;
    this.#text = text;
    this.data = data ?? {};
  }

  /**
   * Parses `text` as the content of `file` (shown relative to `root` in messages).
   * Throws a ConfigError naming the first syntax error with its position, or the alias that loops or multiplies.
   */
  static parse(text: string, file: string): YamlSource {
    let src: YamlSource;
    try {
      src = new YamlSource(file, text, loadFast(text, { schema: SCHEMA, filename: file }));
    } catch {
      // The position-keeping parser words the error (or, if it disagrees and accepts the text, gives the data).
      const failed = new YamlSource(file, text, undefined);
      src = new YamlSource(file, text, failed.#document().doc.toJS({ maxAliasCount: -1 }));
    }
    src.#refuseAliasProblem();
    return src;
  }

  /** Throws DAGRUN_ERR_CONFIG_YAML_ALIAS, at the alias, when aliases loop or expand past the limit. */
  #refuseAliasProblem(): void {
    if (!this.#text.includes('*')) return; // no alias without '*': the data is a tree no larger than the text
    const problem = aliasProblem(this.data);
    if (!problem) return;
    const location = this.locate(problem.path);
    if (problem.kind === 'cycle') {
      throw new ConfigError(
        'DAGRUN_ERR_CONFIG_YAML_ALIAS',
        `Alias in '${this.file}': ` +
          `expected a value that does not contain itself, but got an alias inside its own anchor.`,
        {
          location,
          hint: 'Hint: an alias (*name) can only repeat an anchor (&name) that it is not part of; write the value out.',
        },
      );
    }
    throw new ConfigError(
      'DAGRUN_ERR_CONFIG_YAML_ALIAS',
      `Aliases in '${this.file}': ` +
        `expected them to add at most ${MAX_ALIASED_VALUES.toLocaleString('en')} values, but got more.`,
      {
        location,
        hint:
          "Hint: each alias (*name) repeats its anchor's whole value, " +
          'and aliases of anchors holding aliases multiply; write the values out, or nest fewer aliases.',
      },
    );
  }

  static read(path: string, root: string): YamlSource {
    return YamlSource.parse(readFileSync(path, 'utf8'), relative(root, path) || path);
  }

  #document(): { doc: Document; lines: LineCounter } {
    if (this.#parsed) return this.#parsed;
    const { LineCounter, parseDocument } = lib();
    const lines = new LineCounter();
    const doc = parseDocument(this.#text, { lineCounter: lines, merge: true, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      const pos = lines.linePos(first.pos[0]);
      const detail = first.message.split('\n')[0] ?? first.message;
      const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
      throw new ConfigError('DAGRUN_ERR_CONFIG_YAML', `Invalid YAML in '${this.file}': ${detail}${more}.`, {
        location: { file: this.file, line: pos.line, col: pos.col },
        hint: 'Hint: check indentation and quoting at that line; a value with ":" or "#" needs quotes.',
      });
    }
    this.#parsed = { doc, lines };
    return this.#parsed;
  }

  /** The location of the value at `path`; of the key when `key` is set; the closest parent that exists otherwise. */
  locate(path: YamlPath, key = false): SourceLocation {
    const { isMap, isPair, isScalar, isSeq } = lib();
    const { doc, lines } = this.#document();
    let node: unknown = doc.contents;
    let best: number | undefined = rangeStart(node);
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
        if (!pair) break;
        const last = i === path.length - 1;
        if (last && key) {
          best = rangeStart(pair.key) ?? best;
          node = undefined;
          break;
        }
        node = pair.value;
        best = rangeStart(node) ?? rangeStart(pair.key) ?? best;
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        best = rangeStart(node) ?? best;
        if (node === undefined) break;
      } else break;
    }
    if (best === undefined) return { file: this.file };
    const pos = lines.linePos(best);
    return { file: this.file, line: pos.line, col: pos.col };
  }

  /** Whether the parsed document holds a value at `path` (used to find which layer set a key). */
  has(path: YamlPath): boolean {
    let cur: unknown = this.data;
    for (const seg of path) {
      if (cur === null || typeof cur !== 'object' || !(String(seg) in (cur as object))) return false;
      cur = (cur as Record<string, unknown>)[String(seg)];
    }
    return true;
  }
}

const rangeStart = (node: unknown): number | undefined => {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
};

/** Converts an ajv instancePath ("/a/0/b") into a YAML path. */
export const pointerToPath = (pointer: string): Array<string | number> =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
        .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
