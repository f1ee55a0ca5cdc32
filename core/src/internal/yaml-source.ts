// YAML files parsed with their source positions, so every later check can say file:line:col.
// A YamlSource answers "where is the value at this path?" for the file it was read from.
// Data comes from js-yaml (fast); the position-keeping `yaml` parser runs only when a location or a
// syntax message is needed, which on the happy path is never.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { ConfigError, type SourceLocation } from './errors.js';

export type YamlPath = ReadonlyArray<string | number>;

type YamlLib = typeof import('yaml');
let yamlLib: YamlLib | undefined;
const lib = (): YamlLib => (yamlLib ??= createRequire(import.meta.url)('yaml') as YamlLib);

/** Parses a YAML scalar or flow value as the YAML 1.2 core schema reads it (for --params and ${env:…}). */
export const parseYamlValue = (text: string): unknown => loadFast(text, { schema: CORE_SCHEMA });

/**
 * js-yaml's data, with every string that fits in Latin-1 stored one byte per character.
 *
 * Why: V8 stores a string one or two bytes per character, and keeps that choice for every slice of it and
 * every string built from it. A YAML file with one character above U+00FF anywhere (an en dash in a
 * comment is enough) is two-byte text, so js-yaml's keys and values are all two-byte, even 'las condes'.
 * V8 keeps one copy of each property-name string: once 'las condes' is a two-byte key, JSON.parse of a
 * request body hands back that copy for the value "las condes", and every line, log entry or answer
 * built from it is two-byte: twice the bytes to copy, and a slower UTF-8 encoding on write (measured:
 * ~0.7 µs more CPU per request in `dagrun serve`).
 *
 * How: such characters are replaced by a Latin-1 placeholder before parsing (ÿ and four hex digits, one
 * per UTF-16 unit), so js-yaml reads one-byte text, and the strings holding a placeholder get their
 * characters back. Neither a character above U+00FF nor ÿ-plus-hex means anything in YAML syntax, so the
 * data is the same. Text that already holds a ÿ, or a character js-yaml refuses (a lone surrogate, U+FFFE,
 * U+FFFF: it must still refuse it), is parsed as it is.
 */
const loadNarrow = (text: string, filename?: string): unknown => {
  if (!WIDE.test(text) || text.includes(MARK) || REFUSED.test(text)) return loadFast(text, { schema: CORE_SCHEMA, filename });
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // js-yaml skips a byte-order mark
  // The placeholders in, then a copy through Latin-1 bytes: replace() builds its result in the subject's width.
  const narrow = Buffer.from(body.replace(WIDE_ALL, (c) => MARK + c.charCodeAt(0).toString(16).padStart(4, '0')), 'latin1').toString('latin1');
  return widen(loadFast(narrow, { schema: CORE_SCHEMA, filename }));
};
const WIDE = /[^\u0000-\u00ff]/;
const WIDE_ALL = new RegExp(WIDE.source, 'g'); // a second object: a global regex's test() keeps state
const REFUSED = /[\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/;
const MARK = '\u00ff';
const PLACEHOLDER = /\u00ff([0-9a-f]{4})/g;
const widenString = (s: string): string => (s.includes(MARK) ? s.replace(PLACEHOLDER, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))) : s);
/** The parsed data with the placeholders turned back into their characters, in keys and values alike. */
const widen = (v: unknown): unknown => {
  if (typeof v === 'string') return widenString(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = widen(v[i]);
    return v;
  }
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (!Object.keys(o).some((k) => k.includes(MARK))) {
    for (const k of Object.keys(o)) {
      const w = widen(o[k]);
      if (w !== o[k]) Object.defineProperty(o, k, { value: w }); // defineProperty: a key '__proto__' is data here, as js-yaml made it
    }
    return o;
  }
  // A key holds a placeholder: rebuild the mapping, in its order.
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) Object.defineProperty(out, widenString(k), { value: widen(o[k]), enumerable: true, writable: true, configurable: true });
  return out;
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
   * Throws a ConfigError naming the first syntax error with its position.
   */
  static parse(text: string, file: string): YamlSource {
    let data: unknown;
    try {
      data = loadNarrow(text, file);
    } catch {
      // The position-keeping parser words the error (or, if it disagrees and accepts the text, gives the data).
      const src = new YamlSource(file, text, undefined);
      return new YamlSource(file, text, src.#document().doc.toJS({ maxAliasCount: 1000 }));
    }
    return new YamlSource(file, text, data);
  }

  static read(path: string, root: string): YamlSource {
    return YamlSource.parse(readFileSync(path, 'utf8'), relative(root, path) || path);
  }

  #document(): { doc: Document; lines: LineCounter } {
    if (this.#parsed) return this.#parsed;
    const { LineCounter, parseDocument } = lib();
    const lines = new LineCounter();
    const doc = withPlainEnv(() => parseDocument(this.#text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true }));
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
        const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? p.key.value : p.key) == seg);
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

/**
 * Runs `parse` with process.env swapped for a plain object holding only yaml's debug switches: yaml's
 * parser reads process.env.LOG_TOKENS once per token, and each read of the real process.env is a
 * call into C++ (about a quarter of the parse time of a 1,000-node pipeline.yaml). Parsing is
 * synchronous, so no other code sees the swap.
 */
const withPlainEnv = <T>(parse: () => T): T => {
  const env = process.env;
  process.env = { LOG_TOKENS: env.LOG_TOKENS, LOG_STREAM: env.LOG_STREAM };
  try {
    return parse();
  } finally {
    process.env = env;
  }
};

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
