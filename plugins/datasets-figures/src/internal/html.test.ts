// The HTML page: the SVG inlined, a title, nothing to run or fetch; titles are escaped.

import t from 'tap';
import { escapeHtml, htmlPage } from './html.js';
import { renderSvg } from './render.js';
import { barSpec } from '../../test/helpers/figures.js';

t.test('the page inlines the SVG under a title, with no script and nothing to fetch', async (t) => {
  const svg = await renderSvg(barSpec(), { baseDir: '.' });
  const page = htmlPage(svg, { title: 'Weekly report', heading: true, description: 'Sales per region, week 12' });
  t.match(page, /^<!doctype html>\n<html lang="en">/);
  t.match(page, /<title>Weekly report<\/title>/);
  t.match(page, /<h1>Weekly report<\/h1>/);
  t.match(page, /<meta name="description" content="Sales per region, week 12">/);
  t.ok(page.includes(`<figure>\n${svg}\n</figure>`), 'the SVG, byte for byte, inside a figure');
  t.notMatch(page, /<script/i);
  t.notMatch(page, /\b(?:src|href)="(?!data:)/i, 'no attribute that loads anything');
  t.notMatch(page, /@import|url\(/i, 'no stylesheet that loads anything');
  t.match(
    page,
    new RegExp(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; /.source +
        /style-src 'unsafe-inline'; img-src data:">/.source,
    ),
  );
});

t.test('without a heading the page only names itself in <title> (the chart draws its own title)', async (t) => {
  const page = htmlPage('<svg></svg>', { title: 'Sales by region', heading: false });
  t.match(page, /<title>Sales by region<\/title>/);
  t.notMatch(page, /<h1>/);
  t.notMatch(page, /name="description"/);
});

t.test('titles are escaped', async (t) => {
  t.equal(escapeHtml(`<b>"R&D" 'Q1'</b>`), '&lt;b&gt;&quot;R&amp;D&quot; &#39;Q1&#39;&lt;/b&gt;');
  const page = htmlPage('<svg></svg>', { title: '</title><script>alert(1)</script>', heading: true });
  t.notMatch(page, /<script/);
  t.match(page, /<title>&lt;\/title&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/title>/);
});
