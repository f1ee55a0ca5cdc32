// How many positional arguments a function takes, read from its source with acorn: Function.length stops
// at the first default, and says nothing of rest parameters, so it cannot tell `(a, b = 1)` from `(a)`.

import { parse, type Node as AcornNode, type Pattern } from 'acorn';

export interface Arity {
  /** Parameters without a default, before any with one (what a call must give). */
  readonly min: number;
  /** Every declared parameter; Infinity with a rest parameter. */
  readonly max: number;
  /** The parameters as written, for messages (`...rest`, `depth = …`). */
  readonly names: readonly string[];
}

const cache = new WeakMap<(...args: never[]) => unknown, Arity | null>();

/** The function's arity, or undefined when its source cannot be read (native, bound, or unparsable). */
export const functionArity = (fn: (...args: never[]) => unknown): Arity | undefined => {
  let known = cache.get(fn);
  if (known === undefined) {
    known = readArity(fn) ?? null;
    cache.set(fn, known);
  }
  return known ?? undefined;
};

const readArity = (fn: (...args: never[]) => unknown): Arity | undefined => {
  // biome-ignore lint/style/noRestrictedGlobals: reads a function's source text; generates no code
  const src = Function.prototype.toString.call(fn);
  if (src.endsWith('{ [native code] }') || /^class\b/.test(src)) return undefined;
  const params = paramsOf(`(${src})`) ?? paramsOf(`({${src}})`);
  if (!params) return undefined;
  let min = 0;
  let optional = false;
  const names: string[] = [];
  for (const p of params) {
    if (p.type === 'RestElement')
      return {
        min,
        max: Infinity,
        names: [...names, `...${nameOf((p as unknown as { argument: Pattern }).argument)}`],
      };
    if (p.type === 'AssignmentPattern') {
      optional = true;
      names.push(`${nameOf((p as unknown as { left: Pattern }).left)} = …`);
    } else {
      if (!optional) min++;
      names.push(nameOf(p));
    }
  }
  return { min, max: params.length, names };
};

/** The parameters of the first function in `code`: an expression, or an object literal holding a method. */
const paramsOf = (code: string): Pattern[] | undefined => {
  let ast: AcornNode;
  try {
    ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module' });
  } catch {
    return undefined;
  }
  const expr = (ast as unknown as { body: Array<{ type: string; expression?: AcornNode }> }).body[0]?.expression as
    | { type: string; params?: Pattern[]; properties?: Array<{ value: { params?: Pattern[] } }> }
    | undefined;
  if (!expr) return undefined;
  if (expr.type === 'ArrowFunctionExpression' || expr.type === 'FunctionExpression') return expr.params;
  if (expr.type === 'ObjectExpression') return expr.properties?.[0]?.value.params;
  return undefined;
};

const nameOf = (p: Pattern): string =>
  p.type === 'Identifier'
    ? (p as unknown as { name: string }).name
    : p.type === 'ObjectPattern'
      ? '{…}'
      : p.type === 'ArrayPattern'
        ? '[…]'
        : '?';
