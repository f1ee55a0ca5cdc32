// SVG markup of a laid-out view: the page sets it as the graph's innerHTML (one parse, fast for
// thousands of elements) and the `--format svg` export wraps it in a standalone <svg>. Every item
// is a <g data-id data-kind> so the page handles clicks with one listener.

import type { Layout } from './layout.js';
import { badgeWidth, labelOf, namespaceSub, truncate } from './layout.js';
import type { GraphModel } from './model.js';
import { GRAPH_CSS, typeColor } from './style.js';
import type { View, ViewItem } from './view.js';

export const escapeXml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&#39;',
  );

/** "1.23 s", "45 ms", "2 min 5 s". */
export const formatDuration = (ms: number | undefined): string => {
  if (ms === undefined) return '';
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
};

const STATUS_TEXT = { ok: 'ok', failed: 'failed', skipped: 'skipped', not_run: 'not run' } as const;

/** A smooth path through dagre's polyline: quadratic curves between the midpoints of its segments. */
export const edgePath = (p: readonly number[]): string => {
  if (p.length < 4) return '';
  let d = `M${p[0]},${p[1]}`;
  for (let i = 2; i + 3 < p.length; i += 2) {
    const mx = (p[i]! + p[i + 2]!) / 2;
    const my = (p[i + 1]! + p[i + 3]!) / 2;
    d += `Q${p[i]},${p[i + 1]} ${mx},${my}`;
  }
  return `${d}L${p[p.length - 2]},${p[p.length - 1]}`;
};

const itemMarkup = (item: ViewItem, w: number, h: number, model: GraphModel, showRun: boolean): [string, string] => {
  const label = escapeXml(labelOf(item));
  switch (item.kind) {
    case 'node': {
      const run = showRun ? model.run?.nodes[item.id] : undefined;
      const sub = run
        ? `${STATUS_TEXT[run.status]}${run.durationMs !== undefined ? ` · ${formatDuration(run.durationMs)}` : ''}`
        : (item.func?.export ?? '');
      return [
        `k-node${run ? ` st-${run.status}` : ''}`,
        `<rect class="shape" rx="6" width="${w}" height="${h}"/><text class="label" x="12" y="17">${label}</text>` +
          `<text class="sub" x="12" y="32">${escapeXml(truncate(sub))}</text>`,
      ];
    }
    case 'dataset': {
      const bw = badgeWidth(item.type);
      return [
        `k-dataset${item.declared ? '' : ' undeclared'}`,
        `<rect class="shape" rx="${h / 2}" width="${w}" height="${h}"/>` +
          `<rect class="badge" x="6" y="6" rx="9" width="${bw}" height="${h - 12}" fill="${typeColor(item.type)}"/>` +
          `<text class="badge-text" x="${6 + bw / 2}" y="${h / 2 + 3.5}" text-anchor="middle">` +
          `${escapeXml(truncate(item.type, 12))}</text>` +
          `<text class="label" x="${bw + 14}" y="${h / 2 + 4}">${label}</text>`,
      ];
    }
    case 'parameter':
      return [
        'k-parameter',
        `<polygon class="shape" points="10,0 ${w - 10},0 ${w},${h / 2} ${w - 10},${h} 10,${h} 0,${h / 2}"/>` +
          `<text class="label" x="17" y="${h / 2 + 4}">${label}</text>`,
      ];
    case 'namespace':
      return [
        'k-namespace',
        `<rect class="shape" rx="8" width="${w}" height="${h}"/><text class="label" x="14" y="19">▸ ${label}</text>` +
          `<text class="sub" x="14" y="34">${namespaceSub(item.nodeCount)}</text>`,
      ];
  }
};

/** The edges, then the items, as SVG elements (no <svg> wrapper). */
export const graphMarkup = (model: GraphModel, view: View, layout: Layout, showRun = true): string => {
  const parts: string[] = ['<g class="edges">'];
  view.edges.forEach((e, i) => {
    parts.push(
      `<path class="edge" data-s="${escapeXml(e.source)}" data-t="${escapeXml(e.target)}" ` +
        `d="${edgePath(layout.edges[i] ?? [])}"/>`,
    );
  });
  parts.push('</g><g class="items">');
  for (const item of view.items) {
    const [x, y, w, h] = layout.boxes[item.id]!;
    const [cls, body] = itemMarkup(item, w, h, model, showRun);
    parts.push(
      `<g class="item ${cls}" data-id="${escapeXml(item.id)}" data-kind="${item.kind}" ` +
        `transform="translate(${x},${y})"><title>${escapeXml(item.name)}</title>${body}</g>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
};

export const ARROW_DEFS =
  '<defs><marker id="dagrun-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" ' +
  'orient="auto-start-reverse"><path class="arrow" d="M0,0L10,5L0,10z"/></marker></defs>';

/** A standalone SVG document of the view (styles inline), for `dagrun viz --format svg`. */
export const standaloneSvg = (model: GraphModel, view: View, layout: Layout, showRun = true): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}">` +
  `<style>${GRAPH_CSS}</style>${ARROW_DEFS}<rect width="100%" height="100%" fill="#ffffff"/>` +
  `${graphMarkup(model, view, layout, showRun)}</svg>\n`;
