// Layered left-to-right layout of a view with dagre. Run in Node for the view the page opens on (so a
// large graph opens without waiting for a layout, and the SVG export has one) and in the page whenever
// the filters or collapsed namespaces change. Labels use a monospace font, so sizes are known without
// measuring text.

import dagre from '@dagrejs/dagre';
import type { ViewItem, View } from './view.js';

export const FONT_SIZE = 12;
/** Width of one character of the 12px monospace label font. */
export const CHAR_W = 7.3;
export const MAX_LABEL = 40;
/** Sizes of the shapes (markup.ts draws them to these). */
export const NODE_H = 40;
export const DATASET_H = 30;
export const PARAM_H = 26;
export const BOX_H = 44;

/**
 * Beyond this many items network-simplex ranking takes seconds (8–12 s for 1,000 items here); tight-tree stays
 * near 1 s.
 */
const NETWORK_SIMPLEX_MAX = 150;

/** [x, y, width, height] of an item, x and y its top-left corner. */
export type Box = readonly [number, number, number, number];

export interface Layout {
  readonly width: number;
  readonly height: number;
  readonly boxes: Readonly<Record<string, Box>>;
  /** Per edge of the view, in order: the polyline [x0, y0, x1, y1, …]. */
  readonly edges: readonly (readonly number[])[];
}

/** What an item's shape says: a parameter's shape already says "parameter", so `params:` is dropped. */
export const labelOf = (item: ViewItem): string =>
  truncate(
    item.kind === 'parameter' && item.name.startsWith('params:') ? item.name.slice('params:'.length) : item.name,
  );

export const truncate = (s: string, max = MAX_LABEL): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);
const textW = (s: string): number => truncate(s).length * CHAR_W;
export const badgeWidth = (type: string): number => Math.round(truncate(type, 12).length * 6.2 + 12);

export const namespaceSub = (nodeCount: number): string =>
  `${nodeCount} node${nodeCount === 1 ? '' : 's'} · click to expand`;

export const itemSize = (item: ViewItem): [number, number] => {
  switch (item.kind) {
    case 'node':
      // The second line holds the export name or the run status ("failed · 12.3 s": 16 characters).
      return [Math.round(Math.max(textW(item.name), textW(item.func?.export ?? ''), 16 * CHAR_W) + 24), NODE_H];
    case 'dataset':
      return [Math.round(textW(item.name) + badgeWidth(item.type) + 30), DATASET_H];
    case 'parameter':
      return [Math.round(labelOf(item).length * CHAR_W + 34), PARAM_H];
    case 'namespace':
      // The second line, "12 nodes · click to expand", is 10.5px text (6.4px a character).
      return [
        Math.round(Math.max(textW(item.name) + 2 * CHAR_W, namespaceSub(item.nodeCount).length * 6.4) + 28),
        BOX_H,
      ];
  }
};

export const layoutView = (view: View): Layout => {
  const g = new dagre.graphlib.Graph();
  g.setGraph({
    rankdir: 'LR',
    nodesep: 12,
    ranksep: 40,
    edgesep: 8,
    marginx: 24,
    marginy: 24,
    ranker: view.items.length <= NETWORK_SIMPLEX_MAX ? 'network-simplex' : 'tight-tree',
  });
  g.setDefaultEdgeLabel(() => ({}));
  for (const item of view.items) {
    const [width, height] = itemSize(item);
    g.setNode(item.id, { width, height });
  }
  for (const e of view.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  const boxes: Record<string, Box> = {};
  for (const item of view.items) {
    const n = g.node(item.id) as { x: number; y: number; width: number; height: number };
    boxes[item.id] = [Math.round(n.x - n.width / 2), Math.round(n.y - n.height / 2), n.width, n.height];
  }
  const edges = view.edges.map((e) => {
    const points = (g.edge(e.source, e.target) as { points?: Array<{ x: number; y: number }> }).points ?? [];
    return points.flatMap((p) => [Math.round(p.x), Math.round(p.y)]);
  });
  const label = g.graph() as { width?: number; height?: number };
  return { width: Math.ceil(label.width ?? 0), height: Math.ceil(label.height ?? 0), boxes, edges };
};
