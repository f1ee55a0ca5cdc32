// Namespaces (modular pipelines) as dotted paths: `by_region`, `a.b` inside `a`. Shared by the model
// builder (Node) and the page (collapse and filters), so it imports nothing.

/** The deepest namespace that contains every one of `namespaces` ('' when one is top-level). */
export const commonNamespace = (namespaces: readonly string[]): string => {
  if (namespaces.length === 0) return '';
  let common = namespaces[0]!.split('.');
  for (const ns of namespaces.slice(1)) {
    const parts = ns === '' ? [] : ns.split('.');
    let k = 0;
    while (k < common.length && k < parts.length && common[k] === parts[k]) k++;
    common = common.slice(0, k);
  }
  return common.filter(Boolean).join('.');
};

/** `a.b.c` → ['a', 'a.b', 'a.b.c']. */
export const ancestry = (namespace: string): string[] => {
  if (namespace === '') return [];
  const parts = namespace.split('.');
  return parts.map((_, i) => parts.slice(0, i + 1).join('.'));
};

/** Every namespace used and its ancestors, sorted, each with its parent. */
export const namespaceTree = (used: Iterable<string>): Array<{ id: string; parent: string }> => {
  const all = new Set<string>();
  for (const ns of used) for (const a of ancestry(ns)) all.add(a);
  return [...all].sort().map((id) => ({ id, parent: id.includes('.') ? id.slice(0, id.lastIndexOf('.')) : '' }));
};

/** The outermost of `collapsed` that holds `namespace`, or undefined when none does. */
export const collapsedAncestor = (namespace: string, collapsed: ReadonlySet<string>): string | undefined =>
  collapsed.size === 0 ? undefined : ancestry(namespace).find((a) => collapsed.has(a));

/** Whether `namespace` is `root` or inside it ('' holds everything). */
export const isWithin = (namespace: string, root: string): boolean =>
  root === '' || namespace === root || namespace.startsWith(`${root}.`);
