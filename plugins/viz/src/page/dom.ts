// Small DOM helpers for the page: no framework, elements built directly.

type Child = Node | string | number | null | undefined | false;

/** `h('td', { class: 'x' }, 'text', child)`: an element with attributes (on* keys become listeners) and children. */
export const h = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void)> | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children)
    if (c !== null && c !== undefined && c !== false) el.append(typeof c === 'number' ? String(c) : c);
  return el;
};

export const byId = <T extends HTMLElement | SVGElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dagrun viz: expected an element #${id} in the page, but got none`);
  return el as unknown as T;
};

/** A value as readable JSON, cut when huge (a parameter can hold a whole table). */
export const pretty = (value: unknown, max = 20_000): string => {
  const s =
    value === undefined
      ? 'undefined'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : JSON.stringify(value, null, 2);
  return s.length > max ? `${s.slice(0, max)}\n… (${s.length - max} more characters)` : s;
};
