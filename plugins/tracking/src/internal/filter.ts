// The run search language: MLflow's search_runs filter syntax (clauses joined by AND) and its order_by,
// each parsed once into a plain function over runs. One tokenizer serves both; no dependencies, so the
// ui page can bundle it. MLflow's reference: mlflow/utils/search_utils.py (SearchUtils).

import type { Run } from './model.js';

export type RunPredicate = (run: Run) => boolean;
export type RunComparator = (a: Run, b: Run) => number;

/** A mistake in a filter or an order-by spec; `position` is the 0-based index of the mistake in `expression`. */
export class FilterError extends Error {
  readonly code = 'DAGRUN_ERR_TRACKING_FILTER';
  readonly expression: string;
  readonly position: number;

  constructor(subject: string, expression: string, position: number, expected: string, got: string, hint?: string) {
    // Every whitespace character becomes one space, so a newline cannot break the lines and the caret stays under
    // its character.
    const shown = expression.replace(/\s/g, ' ');
    super(
      `${subject} '${shown}': expected ${expected} at character ${position}, but got ${got}.\n` +
        `${shown}\n${' '.repeat(position)}^${hint ? `\nHint: ${hint}` : ''}`,
    );
    this.name = 'FilterError';
    this.expression = expression;
    this.position = position;
  }
}

// ---- tokens -------------------------------------------------------------------------------------------

interface Token {
  readonly kind: 'word' | 'ident' | 'string' | 'number' | 'op' | 'punct' | 'other' | 'end';
  /** The token as written. */
  readonly text: string;
  /** A string's content, an identifier's key (unquoted), otherwise the text. */
  readonly value: string;
  /** An identifier's prefix: `metrics` in `metrics.mae`. */
  readonly prefix: string;
  readonly pos: number;
}

const NUMBER = /[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
/** An unquoted key runs to the next space, comparator, parenthesis, comma or quote: `val/loss`, `model-type`, `a.b`. */
const KEY = /[^\s=!<>(),'"`]+/y;
const OPERATOR = /[=!<>]+/y;
const QUOTE_NAMES: Readonly<Record<string, string>> = { "'": "quote (')", '"': 'quote (")', '`': 'backtick (`)' };

/** A quoted string or key from `start` (the quote); a doubled quote stands for one, as in SQL. */
const readQuoted = (src: string, start: number): { value: string; end: number } | undefined => {
  const q = src[start];
  let value = '';
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] !== q) value += src[i];
    else if (src[i + 1] === q) value += src[++i];
    else return { value, end: i + 1 };
  }
  return undefined;
};

/**
 * The tokens of `src`, ending with an `end` token. Unknown characters become `other` tokens for the parser to
 * report in context.
 */
const tokenize = (src: string, subject: string): Token[] => {
  const tokens: Token[] = [];
  const match = (re: RegExp, at: number): string | undefined => ((re.lastIndex = at), re.exec(src)?.[0]);
  const quoted = (at: number) => {
    const read = readQuoted(src, at);
    if (read) return read;
    throw new FilterError(
      subject,
      src,
      at,
      `a closing ${QUOTE_NAMES[src[at]!]} to match the one`,
      `the end of the ${subject.toLowerCase()}`,
    );
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const pos = i;
    let kind: Token['kind'];
    let value: string | undefined;
    let prefix = '';
    let m: string | undefined;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      kind = 'string';
      ({ value, end: i } = quoted(i));
    } else if ((m = match(NUMBER, i))) {
      kind = 'number';
      i += m.length;
    } else if ((m = match(WORD, i))) {
      kind = 'word';
      i += m.length;
      if (src[i] === '.') {
        // `prefix.key`: the key is quoted (`metrics.\`my metric\``) or runs to a delimiter, dots included.
        kind = 'ident';
        prefix = m;
        value = '';
        i++;
        if (src[i] === '`' || src[i] === '"' || src[i] === "'") ({ value, end: i } = quoted(i));
        else if ((m = match(KEY, i))) {
          value = m;
          i += m.length;
        }
      }
    } else if ((m = match(OPERATOR, i))) {
      kind = 'op';
      i += m.length;
    } else {
      kind = '(),'.includes(c) ? 'punct' : 'other';
      i++;
    }
    const text = src.slice(pos, i);
    tokens.push({ kind, text, value: value ?? text, prefix, pos });
  }
  tokens.push({ kind: 'end', text: '', value: '', prefix: '', pos: src.length });
  return tokens;
};

/** Walks the tokens of one expression; `fail` throws a FilterError pointing at a token or a position. */
const cursor = (src: string, subject: string) => {
  const tokens = tokenize(src, subject);
  let i = 0;
  const peek = (): Token => tokens[i]!;
  const describe = (t: Token): string =>
    t.kind === 'end'
      ? `the end of the ${subject.toLowerCase()}`
      : t.kind === 'string'
        ? `the string '${t.value}'`
        : t.kind === 'number'
          ? `the number ${t.text}`
          : `'${t.text}'`;
  return {
    peek,
    next: (): Token => (i < tokens.length - 1 ? tokens[i++]! : peek()),
    fail(at: Token | number, expected: string, hint?: string, got?: string): never {
      const pos = typeof at === 'number' ? at : at.pos;
      throw new FilterError(subject, src, pos, expected, got ?? (typeof at === 'number' ? 'none' : describe(at)), hint);
    },
  };
};
type Cursor = ReturnType<typeof cursor>;

const isWord = (t: Token, ...words: string[]): boolean => t.kind === 'word' && words.includes(t.value.toLowerCase());

// ---- identifiers --------------------------------------------------------------------------------------

type Value = string | number | null | undefined;

/** What a clause or a sort key looks at: how to read it from a run, and whether it is a number. */
interface Target {
  readonly kind: 'metric' | 'param' | 'tag' | 'attribute';
  /** The identifier as written, for messages. */
  readonly label: string;
  readonly numeric: boolean;
  readonly get: (run: Run) => Value;
}

/** Every prefix MLflow accepts, to its kind. A Map, so that `constructor.x` is not found on Object's prototype. */
const PREFIXES = new Map<string, Target['kind']>([
  ...(['metrics', 'metric'] as const).map((p) => [p, 'metric'] as const),
  ...(['params', 'param', 'parameters', 'parameter'] as const).map((p) => [p, 'param'] as const),
  ...(['tags', 'tag'] as const).map((p) => [p, 'tag'] as const),
  ...(['attributes', 'attribute', 'attr', 'run'] as const).map((p) => [p, 'attribute'] as const),
]);
const MAIN_PREFIXES = ['metrics', 'params', 'tags', 'attributes'];

const ATTRIBUTES = new Map<string, (run: Run) => Value>([
  ['run_id', (r) => r.runId],
  ['run_name', (r) => r.runName],
  ['status', (r) => r.status],
  ['user_id', (r) => r.userId],
  ['start_time', (r) => r.startTime],
  ['end_time', (r) => r.endTime],
  ['artifact_uri', (r) => r.artifactUri],
  ['lifecycle_stage', (r) => r.lifecycleStage],
  ['experiment_id', (r) => r.experimentId],
]);
const ATTRIBUTE_NAMES = [...ATTRIBUTES.keys()];
/** MLflow's alternate attribute names (SearchUtils.translate_key_alias). */
const ATTRIBUTE_ALIASES = new Map([
  ['created', 'start_time'],
  ['Created', 'start_time'],
  ['run name', 'run_name'],
  ['Run name', 'run_name'],
  ['Run Name', 'run_name'],
]);
const NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time']);

const IDENTIFIER = 'an identifier (metrics.<key>, params.<key>, tags.<key> or attributes.<key>)';
const SORT_IDENTIFIER =
  'an identifier (metrics.<key>, params.<key>, tags.<key>, attributes.<key> or an attribute name)';

/** The closest candidate within a few edits of `name`, for a did-you-mean. */
const closest = (name: string, candidates: readonly string[]): string | undefined => {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const [a, b] = [name.toLowerCase(), candidate.toLowerCase()];
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    if (row[b.length]! < bestDistance) [best, bestDistance] = [candidate, row[b.length]!];
  }
  return best;
};

const record = (pick: (run: Run) => Readonly<Record<string, Value>>, key: string) => (run: Run) => {
  const values = pick(run);
  return Object.hasOwn(values, key) ? values[key] : undefined;
};

/** The target `t` names; bare attribute names only where MLflow allows them (order_by). */
const resolve = (c: Cursor, t: Token, allowBare: boolean): Target => {
  const attribute = (name: string, label: string): Target | undefined => {
    const key = ATTRIBUTE_ALIASES.get(name) ?? name;
    const get = ATTRIBUTES.get(key);
    return get && { kind: 'attribute', label, numeric: NUMERIC_ATTRIBUTES.has(key), get };
  };
  if (t.kind !== 'ident') {
    const bare = t.kind === 'word' && allowBare ? attribute(t.value, t.text) : undefined;
    if (bare) return bare;
    const near = t.kind === 'word' && allowBare ? closest(t.value, ATTRIBUTE_NAMES) : undefined;
    let hint: string | undefined;
    if (t.kind === 'word' && ATTRIBUTES.has(t.value)) hint = `did you mean 'attributes.${t.value}'?`;
    else if (t.kind === 'word' && PREFIXES.has(t.value)) hint = `name a key after the prefix: '${t.value}.<key>'.`;
    else if (near) hint = `did you mean '${near}'?`;
    return c.fail(t, allowBare ? SORT_IDENTIFIER : IDENTIFIER, hint);
  }
  const kind = PREFIXES.get(t.prefix);
  if (!kind) {
    const near = closest(t.prefix, MAIN_PREFIXES);
    return c.fail(
      t,
      'an identifier prefix (metrics., params., tags. or attributes.)',
      near && `did you mean '${near}.'?`,
      `'${t.prefix}.'`,
    );
  }
  const keyPos = t.pos + t.prefix.length + 1;
  if (t.value === '') c.fail(keyPos, `a key after '${t.prefix}.'`);
  if (kind === 'metric') return { kind, label: t.text, numeric: true, get: record((r) => r.metrics, t.value) };
  if (kind !== 'attribute')
    return { kind, label: t.text, numeric: false, get: record((r) => (kind === 'param' ? r.params : r.tags), t.value) };
  const target = attribute(t.value, t.text);
  if (target) return target;
  const near = closest(t.value, ATTRIBUTE_NAMES);
  return c.fail(
    keyPos,
    `an attribute (${ATTRIBUTE_NAMES.join(', ')})`,
    near && `did you mean '${t.prefix}.${near}'?`,
    `'${t.text.slice(keyPos - t.pos)}'`,
  );
};

// ---- filter -------------------------------------------------------------------------------------------

const NUMERIC_COMPARATORS = ['=', '!=', '<', '<=', '>', '>='];
// IS [NOT] NULL is not MLflow's (it has no way to ask for a missing param); it is the only way to find one here.
const PARAM_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'];
const ATTRIBUTE_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

const NUMERIC_TESTS: Readonly<Record<string, (a: number, b: number) => boolean>> = {
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/** One character of a LIKE pattern as regex source. */
const likeChar = (ch: string): string =>
  ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A SQL LIKE pattern as an anchored regex: % any text (newlines too), _ one character, everything else literal. */
const likePattern = (pattern: string, flags: string): RegExp =>
  new RegExp(`^${[...pattern].map((ch) => likeChar(ch)).join('')}$`, `su${flags}`);

/** The comparator at the cursor, upper-cased and with single spaces (`NOT IN`), or undefined when there is none. */
const readComparator = (c: Cursor): string | undefined => {
  const t = c.next();
  if (t.kind === 'op') return NUMERIC_COMPARATORS.includes(t.text) ? t.text : undefined;
  if (isWord(t, 'like', 'ilike', 'in')) return t.value.toUpperCase();
  if (isWord(t, 'not')) return isWord(c.peek(), 'in') ? (c.next(), 'NOT IN') : c.fail(c.peek(), "'IN' after 'NOT'");
  if (!isWord(t, 'is')) return undefined;
  const not = isWord(c.peek(), 'not') ? (c.next(), 'NOT ') : '';
  return isWord(c.peek(), 'null')
    ? (c.next(), `IS ${not}NULL`)
    : c.fail(c.peek(), not ? "'NULL' after 'IS NOT'" : "'NULL' or 'NOT NULL' after 'IS'");
};

const readString = (c: Cursor, what: string): string => {
  const t = c.next();
  return t.kind === 'string' ? t.value : c.fail(t, what);
};

/** `( 'a', 'b' )`, at least one string. */
const readList = (c: Cursor): Set<string> => {
  const open = c.next();
  if (!(open.kind === 'punct' && open.text === '('))
    c.fail(open, "a list of quoted strings in parentheses, like ('a', 'b')");
  const values = new Set<string>();
  for (;;) {
    values.add(readString(c, 'a quoted string'));
    const t = c.next();
    if (t.kind === 'punct' && t.text === ')') return values;
    if (!(t.kind === 'punct' && t.text === ',')) c.fail(t, "',' or ')'");
  }
};

const readClause = (c: Cursor): RunPredicate => {
  const target = resolve(c, c.next(), false);
  const { get, label } = target;
  const at = c.peek();
  const op = readComparator(c);
  const allowed = target.numeric
    ? NUMERIC_COMPARATORS
    : target.kind === 'attribute'
      ? ATTRIBUTE_COMPARATORS
      : PARAM_COMPARATORS;
  if (op === undefined || !allowed.includes(op)) c.fail(at, `a comparator for ${label} (${allowed.join(', ')})`);
  if (target.numeric) {
    const t = c.next();
    if (t.kind !== 'number') c.fail(t, `a number for ${label}`);
    const [test, value] = [NUMERIC_TESTS[op]!, Number(t.text)];
    return (run) => {
      const v = get(run);
      return typeof v === 'number' && test(v, value);
    };
  }
  // A run without the param or tag matches no comparison but IS NULL (MLflow: `if lhs is None: return False`),
  // not even `!=`.
  if (op === 'IS NULL') return (run) => get(run) == null;
  if (op === 'IS NOT NULL') return (run) => get(run) != null;
  let test: (v: string) => boolean;
  if (op === 'IN' || op === 'NOT IN') {
    const values = readList(c);
    test = op === 'IN' ? (v) => values.has(v) : (v) => !values.has(v);
  } else {
    const value = readString(c, `a quoted string for ${label}`);
    if (op === 'LIKE' || op === 'ILIKE') {
      const re = likePattern(value, op === 'ILIKE' ? 'i' : '');
      test = (v) => re.test(v);
    } else test = op === '=' ? (v) => v === value : (v) => v !== value;
  }
  return (run) => {
    const v = get(run);
    return typeof v === 'string' && test(v);
  };
};

/** A filter in MLflow's search_runs syntax as a predicate; an empty filter matches every run. Throws FilterError. */
export const parseFilter = (expr: string): RunPredicate => {
  const c = cursor(expr, 'Filter');
  if (c.peek().kind === 'end') return () => true;
  const clauses = [readClause(c)];
  for (let t = c.next(); t.kind !== 'end'; t = c.next()) {
    if (!isWord(t, 'and'))
      c.fail(
        t,
        "'and' or the end of the filter",
        isWord(t, 'or')
          ? "MLflow's search syntax has no OR: run one search per alternative, or use IN ('a', 'b') on an attribute."
          : undefined,
      );
    clauses.push(readClause(c));
  }
  if (clauses.length === 1) return clauses[0]!;
  return (run) => {
    for (const clause of clauses) if (!clause(run)) return false;
    return true;
  };
};

// ---- order by -----------------------------------------------------------------------------------------

/** Missing values after NaN after the rest, whatever the direction (MLflow's _get_value_for_sort). */
const rank = (v: Value): number => (v == null ? 2 : typeof v === 'number' && Number.isNaN(v) ? 1 : 0);

const sortKey = (get: (run: Run) => Value, ascending: boolean): RunComparator => {
  const sign = ascending ? 1 : -1;
  return (a, b) => {
    const [x, y] = [get(a), get(b)];
    const [rx, ry] = [rank(x), rank(y)];
    if (rx !== ry || rx !== 0) return rx - ry;
    // Both numbers or both strings (a target is one or the other); strings by code unit, as Python compares them.
    return (x as number) < (y as number) ? -sign : (x as number) > (y as number) ? sign : 0;
  };
};

/** MLflow's natural order, also the tie-breaker of every spec: start_time DESC, then run_id ASC. */
const DEFAULT_ORDER = [sortKey((r) => r.startTime, false), sortKey((r) => r.runId, true)];

/**
 * An order_by spec (`metrics.mae DESC`, `start_time`, several comma-separated or as a list) as a comparator.
 * Metrics and numeric attributes compare as numbers, the rest as strings. Throws FilterError.
 */
export const parseOrderBy = (spec: string | readonly string[]): RunComparator => {
  const keys: RunComparator[] = [];
  for (const part of typeof spec === 'string' ? [spec] : spec) {
    const c = cursor(part, 'Order by');
    if (c.peek().kind === 'end') continue;
    for (;;) {
      const { get } = resolve(c, c.next(), true);
      const direction = isWord(c.peek(), 'asc', 'desc') ? c.next() : undefined;
      keys.push(sortKey(get, direction?.value.toLowerCase() !== 'desc'));
      const t = c.next();
      if (t.kind === 'end') break;
      if (!(t.kind === 'punct' && t.text === ','))
        c.fail(t, `${direction ? '' : 'ASC, DESC, '}',' or the end of the order by`);
    }
  }
  const all = [...keys, ...DEFAULT_ORDER];
  return (a, b) => {
    for (const key of all) {
      const d = key(a, b);
      if (d !== 0) return d;
    }
    return 0;
  };
};

/** The supported syntax in a few lines, for `--help` and the ui. */
export const describeFilterSyntax = (): string =>
  [
    'Filter: clauses joined by AND (MLflow search syntax; there is no OR), e.g.',
    "  metrics.mae < 2500 and params.model = 'rf' and attributes.status IN ('FINISHED', 'RUNNING')",
    '  metrics.<key>      = != < <= > >= a number (1e3, -2.5); runs without the metric never match',
    '  params.<key>       = != LIKE ILIKE a quoted string (\'5\' or "5"), IS NULL, IS NOT NULL',
    '  tags.<key>         as params; a run without the key only matches IS NULL',
    `  attributes.<name>  ${ATTRIBUTE_NAMES.filter((n) => !NUMERIC_ATTRIBUTES.has(n)).join(', ')}:`,
    "                     = != LIKE ILIKE a quoted string, IN ('a', 'b'), NOT IN ('a', 'b')",
    '                     start_time, end_time (ms since the epoch): = != < <= > >= a number',
    '  Prefixes also: metric., param., tag., attribute., attr., run. Keys may hold dots (params.a.b); quote others',
    '  in backticks or double quotes: metrics.`my metric`. LIKE: % any text, _ one character; ILIKE ignores case.',
    'Order by: <identifier> [ASC|DESC], comma-separated; bare attribute names allowed (start_time DESC).',
    '  Runs without the value come last either way; ties and no order: start_time DESC, run_id ASC.',
  ].join('\n');
