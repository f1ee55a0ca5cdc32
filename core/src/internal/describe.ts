// Values described by what they are, for messages: "a polars Series of 120 values (use .toFrame() for a
// table)", "a Float64Array of 3", "an instance of RegressionModel". Duck-typed, so core needs no dataframe library.

/**
 * A polars DataFrame by shape, without importing polars (a second copy in node_modules still counts): to
 * word messages and to keep the memory type from cloning a table (structuredClone cannot copy one).
 */
export const isDataFrame = (v: unknown): v is { height?: unknown; width?: unknown } =>
  v !== null &&
  typeof v === 'object' &&
  typeof (v as { writeCSV?: unknown }).writeCSV === 'function' &&
  Array.isArray((v as { columns?: unknown }).columns);

const isSeriesLike = (v: object): v is { length: number; name: string } =>
  typeof (v as { toFrame?: unknown }).toFrame === 'function' &&
  typeof (v as { dtype?: unknown }).dtype === 'object' &&
  typeof (v as { length?: unknown }).length === 'number';

const quote = (s: string): string => (s.length > 40 ? `'${s.slice(0, 37)}…'` : `'${s}'`);

/**
 * A short phrase naming what `v` is, with an article: "an array of 3", "null", "a polars DataFrame (10 rows ×
 * 4 columns)".
 */
export const describeValue = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return `a string ${quote(v)}`;
    case 'number':
    case 'bigint':
      return `the number ${String(v)}`;
    case 'boolean':
      return `the boolean ${String(v)}`;
    case 'function':
      return `a function${v.name ? ` (${v.name})` : ''} (did you forget to call it?)`;
    case 'symbol':
      return 'a symbol';
  }
  const o = v as object;
  if (Array.isArray(o)) return `an array of ${o.length}`;
  if (isDataFrame(o))
    return typeof o.height === 'number' && typeof o.width === 'number'
      ? `a polars DataFrame (${o.height} rows × ${o.width} columns)`
      : 'a polars DataFrame';
  if (isSeriesLike(o)) return `a polars Series of ${o.length} values (use .toFrame() for a table)`;
  if (o instanceof Promise) return 'a Promise (await it before returning)';
  if (o instanceof Map) return `a Map of ${o.size}`;
  if (o instanceof Set) return `a Set of ${o.size}`;
  if (o instanceof Date) return 'a Date';
  if (Buffer.isBuffer(o)) return `a Buffer of ${o.length} byte${o.length === 1 ? '' : 's'}`;
  if (ArrayBuffer.isView(o))
    return `a ${o.constructor.name} of ${(o as unknown as ArrayLike<unknown>).length ?? o.byteLength}`;
  const proto = Object.getPrototypeOf(o) as object | null;
  if (proto === null || proto === Object.prototype) {
    const keys = Object.keys(o);
    return keys.length === 0
      ? 'an empty object'
      : `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}`;
  }
  const name = (o.constructor as { name?: string } | undefined)?.name;
  return name ? `an instance of ${name}` : 'an object';
};
