// meta.yaml as MLflow writes it: PyYAML's `safe_dump(data, default_flow_style=False, allow_unicode=True,
// sort_keys=True)`, byte for byte, for the shapes MLflow stores (maps of scalars, a nested map, a list).
// Hand-made on purpose: PyYAML resolves plain scalars by YAML 1.1 rules (`yes`, `1_000`, `2026-01-01`)
// and folds long lines its own way; no JavaScript YAML library writes the same bytes (yaml 2.x with
// version 1.1 still quotes `y` and leaves `=` plain), and the issue asks for identical files.

export type YamlScalar = string | number | boolean | null;
export type YamlValue = YamlScalar | readonly YamlValue[] | { readonly [key: string]: YamlValue };

const WIDTH = 80;

/** A regex matching a whole string that any of `alternatives` (regex sources) matches. */
const anyOf = (...alternatives: string[]): RegExp => new RegExp(`^(?:${alternatives.join('|')})$`);

/** PyYAML's implicit resolvers (YAML 1.1): a string any of these match is quoted, so it reads back as a string. */
const RESOLVED = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  anyOf(
    String.raw`[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?`,
    String.raw`\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?`,
    String.raw`[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`,
    String.raw`[-+]?\.(?:inf|Inf|INF)`,
    String.raw`\.(?:nan|NaN|NAN)`,
  ),
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL)$/,
  anyOf(
    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]',
    String.raw`[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9]` +
      String.raw`(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?`,
  ),
  /^(?:=)$/,
];

const printable = (ch: string): boolean => {
  const c = ch.codePointAt(0)!;
  return (
    ch === '\n' ||
    (c >= 0x20 && c <= 0x7e) ||
    c === 0x85 ||
    (c >= 0xa0 && c <= 0xd7ff) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
};

/** PyYAML's Emitter.analyze_scalar, reduced to what block-context dumping decides. */
const analyze = (s: string): { plain: boolean; single: boolean } => {
  if (s === '') return { plain: false, single: true };
  let blockIndicators = s.startsWith('---') || s.startsWith('...');
  let lineBreaks = false;
  let special = false;
  let spaceBreak = false;
  let breakSpace = false;
  const chars = [...s];
  const isSpace = (c: string | undefined): boolean => c === ' ';
  const isBreak = (c: string | undefined): boolean => c === '\n' || c === '\x85' || c === '\u2028' || c === '\u2029';
  const ws = (c: string | undefined): boolean =>
    c === undefined || c === '\0' || isSpace(c) || c === '\t' || isBreak(c);
  let prevSpace = false;
  let prevBreak = false;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const preceded = i === 0 || ws(chars[i - 1]);
    const followed = ws(chars[i + 1]);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':') && followed) blockIndicators = true;
      if (ch === '-' && followed) blockIndicators = true;
    } else {
      if (ch === ':' && followed) blockIndicators = true;
      if (ch === '#' && preceded) blockIndicators = true;
    }
    if (isBreak(ch)) lineBreaks = true;
    if (!printable(ch)) special = true;
    if (isSpace(ch)) {
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(ch)) {
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = prevBreak = false;
    }
  }
  const first = chars[0]!;
  const last = chars[chars.length - 1]!;
  const edgeSpace = isSpace(first) || isBreak(first) || isSpace(last) || isBreak(last);
  const plain = !edgeSpace && !breakSpace && !spaceBreak && !special && !lineBreaks && !blockIndicators;
  const single = !breakSpace && !spaceBreak && !special;
  return { plain, single };
};

/**
 * Writes words, breaking at a single space once the line passes the width, as PyYAML's
 * write_plain/write_single_quoted do.
 */
const fold = (text: string, column: number, indent: number, quoted: boolean): string => {
  let out = '';
  let col = column;
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      let end = i;
      while (text[end] === ' ') end++;
      const breakable = end - i === 1 && col > WIDTH && (!quoted || (i !== 0 && end !== text.length));
      if (breakable) {
        out += `\n${' '.repeat(indent)}`;
        col = indent;
      } else {
        out += text.slice(i, end);
        col += end - i;
      }
      i = end;
    } else if (quoted && text[i] === '\n') {
      // A line break in a single-quoted scalar is written doubled (a lone break would fold into a space).
      let end = i;
      while (text[end] === '\n') end++;
      out += `\n${'\n'.repeat(end - i)}${' '.repeat(indent)}`;
      col = indent;
      i = end;
    } else {
      let end = i;
      while (end < text.length && text[end] !== ' ' && !(quoted && text[end] === '\n')) end++;
      const word = text.slice(i, end);
      out += word;
      col += [...word].length;
      i = end;
    }
  }
  return out;
};

const doubleQuoted = (s: string): string => JSON.stringify(s);

/** A string as PyYAML writes it at `column`, continuing lines at `indent`. */
const scalarString = (s: string, column: number, indent: number, folded = true): string => {
  const a = analyze(s);
  const at = folded ? column : -Infinity;
  if (a.plain && !RESOLVED.some((r) => r.test(s))) return folded ? fold(s, at, indent, false) : s;
  if (a.single) return `'${fold(s.replace(/'/g, "''"), folded ? column + 1 : -Infinity, indent, true)}'`;
  return doubleQuoted(s);
};

/** A float as Python's repr writes it (`1.0`, `1e-07`, `2434.5`, `nan`, `inf`). */
export const pythonFloat = (v: number): string => {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mant, expPart] = v.toExponential().split('e') as [string, string];
  const exp = Number(expPart);
  if (exp < -4 || exp >= 16) {
    const digits = mant.replace(/\.?0+$/, '').replace(/\.$/, '');
    return `${digits}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  // In this range JavaScript's shortest round-trip digits are written without an exponent too.
  const fixed = String(v);
  return /[.e]/.test(fixed) ? fixed : `${fixed}.0`;
};

const scalar = (v: YamlScalar, column: number, indent: number): string => {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number')
    return Number.isInteger(v) && Math.abs(v) < 2 ** 63
      ? v.toFixed(0)
      : pythonFloat(v)
          .replace(/^nan$/, '.nan')
          .replace(/^(-?)inf$/, '$1.inf');
  return scalarString(v, column, indent);
};

const isMap = (v: YamlValue): v is { readonly [key: string]: YamlValue } =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const block = (data: YamlValue, indent: number, lines: string[]): void => {
  if (isMap(data)) {
    for (const key of Object.keys(data).sort(byCodePoint)) {
      const value = data[key]!;
      // Keys are simple keys: never folded (MLflow's keys are short names).
      const k = scalarString(key, 0, indent, false);
      const head = `${' '.repeat(indent)}${k}:`;
      if (isMap(value) && Object.keys(value).length > 0) {
        lines.push(head);
        block(value, indent + 2, lines);
      } else if (Array.isArray(value) && value.length > 0) {
        lines.push(head);
        // PyYAML writes a block sequence inside a mapping at the mapping's own indentation.
        for (const item of value as YamlValue[])
          lines.push(`${' '.repeat(indent)}- ${scalar(item as YamlScalar, indent + 2, indent + 2)}`);
      } else if (isMap(value)) {
        lines.push(`${head} {}`);
      } else if (Array.isArray(value)) {
        lines.push(`${head} []`);
      } else {
        lines.push(`${head} ${scalar(value as YamlScalar, head.length + 1, indent + 2)}`);
      }
    }
    return;
  }
  throw new Error('yaml-dump: expected a mapping at the top level');
};

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True)` of a mapping. */
export const dumpYaml = (data: { readonly [key: string]: YamlValue }): string => {
  const lines: string[] = [];
  block(data, 0, lines);
  return lines.length === 0 ? '{}\n' : `${lines.join('\n')}\n`;
};
