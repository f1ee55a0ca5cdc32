// Layout and the three outputs: every item placed left to right along the data flow; the page
// self-contained (no URL to fetch) with its data intact; the SVG and JSON exports.
import t from 'tap';
import { node, pipeline } from '@dagrun/core';
import { buildGraphModel } from './graph.js';
import { inlineJson } from './html.js';
import { layoutView } from './layout.js';
import { edgePath } from './markup.js';
import { initialView, renderGraph } from './render.js';
import { computeView, defaultState, indexModel } from './view.js';

const fn = () => 0;
const model = buildGraphModel({
  project: 'demo',
  pipelines: [
    {
      name: '__default__',
      pipeline: pipeline([
        node({ name: 'clean', func: fn, inputs: ['raw', 'params:evil'], outputs: 'clean_table', tags: ['etl'] }),
        node({ name: 'train', func: fn, inputs: ['clean_table'], outputs: 'model', tags: ['ml'] }),
      ]),
    },
  ],
  // A parameter value that would end an inline <script> if it were embedded as is.
  param: () => '</script><script>alert(1)</script><!--',
});

/** A chain of `n` nodes, each reading the previous output and a parameter. */
const chain = (n: number) =>
  buildGraphModel({
    project: 'big',
    pipelines: [
      {
        name: '__default__',
        pipeline: pipeline(
          Array.from({ length: n }, (_, i) =>
            node({ name: `step_${i}`, func: fn, inputs: i ? [`d${i - 1}`, `params:p${i % 5}`] : [], outputs: `d${i}` }),
          ),
        ),
      },
    ],
  });

t.test('the layout places every item, and every edge runs left to right', async (t) => {
  for (const m of [model, chain(80)]) {
    const { view, layout } = initialView(m);
    t.equal(Object.keys(layout.boxes).length, view.items.length, `${m.project}: every item has a box`);
    t.equal(layout.edges.length, view.edges.length, `${m.project}: every edge has a path`);
    const leftToRight = view.edges.every(
      (e) => layout.boxes[e.source]![0] + layout.boxes[e.source]![2] <= layout.boxes[e.target]![0],
    );
    t.ok(leftToRight, `${m.project}: sources end left of their targets`);
    t.ok(layout.width > 0 && layout.height > 0);
  }
});

t.test('a large view is laid out too (tight-tree ranking beyond 150 items)', async (t) => {
  const m = chain(120);
  const view = computeView(m, indexModel(m), defaultState(m));
  t.ok(view.items.length > 150);
  const layout = layoutView(view);
  t.ok(view.edges.every((e) => layout.boxes[e.source]![0] < layout.boxes[e.target]![0]));
});

t.test('edge paths go through the first and last points', async (t) => {
  t.equal(edgePath([0, 0, 10, 10]), 'M0,0L10,10');
  t.equal(edgePath([0, 0, 10, 0, 20, 10]), 'M0,0Q10,0 15,5L20,10');
  t.equal(edgePath([]), '');
});

t.test('the page is self-contained and carries the model intact', async (t) => {
  const html = await renderGraph(model, 'html');
  t.notMatch(html, /<script[^>]+src=/i, 'no external script');
  t.notMatch(html, /<link[^>]+rel="stylesheet"/i, 'no external stylesheet');
  t.notMatch(html, /(src|href)="(?!data:)[^"#]/i, 'no URL to fetch (data: only)');
  t.notMatch(html, /@import|url\((?!#)/i, 'no CSS import or URL');
  const json = /<script id="dagrun-data" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
  t.ok(json, 'the model is embedded');
  t.notOk(json!.includes('<'), 'no < inside the inline JSON');
  const data = JSON.parse(json!) as { model: typeof model; initial: { key: string } };
  t.same(data.model, JSON.parse(JSON.stringify(model)), 'the embedded model equals the built one');
  t.equal(data.initial.key, initialView(model).view.key, 'the embedded layout belongs to the view the page opens on');
  t.equal((html.match(/<\/script>/g) ?? []).length, 2, 'exactly two scripts: the data and the page');
});

t.test('inline JSON cannot close its script element', async (t) => {
  const s = inlineJson({ v: '</script><!-- \u2028' });
  t.notOk(s.includes('</'));
  t.notOk(s.includes('<!--'));
  t.same(JSON.parse(s), { v: '</script><!-- \u2028' });
});

t.test('svg: one group per item, one path per edge; json: the model', async (t) => {
  const svg = await renderGraph(model, 'svg');
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  t.equal((svg.match(/data-kind="node"/g) ?? []).length, 2);
  t.equal((svg.match(/data-kind="dataset"/g) ?? []).length, 3);
  t.equal((svg.match(/data-kind="parameter"/g) ?? []).length, 1);
  t.equal((svg.match(/class="edge"/g) ?? []).length, model.edges.length);
  t.same(JSON.parse(await renderGraph(model, 'json')), JSON.parse(JSON.stringify(model)));
});
