// What the figure Format accepts as a spec, and the sentence it gives for anything else.

import t from 'tap';
import { checkSpec, isVegaSpec, specTitle, vegaLiteMarks } from './spec.js';

t.test('Vega-Lite views and Vega specs pass; other values are named', async (t) => {
  t.equal(checkSpec({ mark: 'bar' }), undefined);
  t.equal(checkSpec({ layer: [] }), undefined);
  t.equal(checkSpec(JSON.parse('{"hconcat": []}')), undefined);
  t.equal(checkSpec(Object.assign(Object.create(null) as object, { repeat: ['a'], spec: {} })), undefined);
  t.equal(checkSpec({ $schema: 'https://vega.github.io/schema/vega/v6.json', marks: [] }), undefined);

  const notASpec = 'expected a chart specification (a Vega-Lite or Vega object), but got';
  t.equal(checkSpec([{ mark: 'bar' }]), `${notASpec} an array of 1`);
  t.equal(checkSpec('{"mark":"bar"}'), `${notASpec} a string '{"mark":"bar"}'`);
  t.equal(checkSpec(null), `${notASpec} null`);
  t.equal(checkSpec(42), `${notASpec} the number 42`);
  t.equal(checkSpec(Buffer.from('x')), `${notASpec} a Buffer of 1 byte`);
  t.equal(checkSpec(new Map()), `${notASpec} a Map of 0`);
  const frameLike = new (class DataFrame {
    columns = ['a'];
    writeCSV() {}
  })();
  t.equal(checkSpec(frameLike), `${notASpec} a polars DataFrame`);
  t.equal(
    checkSpec({ data: { values: [] }, encoding: {} }),
    'expected a Vega-Lite specification (an object with one of mark, layer, facet, repeat, concat, hconcat, ' +
      'vconcat), but got an object with keys data, encoding',
  );
  t.equal(
    checkSpec({}),
    'expected a Vega-Lite specification (an object with one of mark, layer, facet, repeat, concat, hconcat, ' +
      'vconcat), but got an empty object',
  );
});

t.test('a Vega spec is told apart by its $schema only', async (t) => {
  t.ok(isVegaSpec({ $schema: 'https://vega.github.io/schema/vega/v5.json' }));
  t.ok(isVegaSpec({ $schema: 'https://vega.github.io/schema/vega/v6.0.0.json' }));
  t.notOk(isVegaSpec({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json' }));
  t.notOk(isVegaSpec({ marks: [] }), 'no $schema: Vega-Lite');
});

t.test('marks are found through layers, concatenations, repeats and facets; titles in every shape', async (t) => {
  t.same(
    vegaLiteMarks({ vconcat: [{ mark: 'bar' }, { layer: [{ mark: { type: 'line' } }] }], spec: { mark: 'point' } }).map(
      (m) => `${m.at}=${m.type}`,
    ),
    ['vconcat[0].mark=bar', 'vconcat[1].layer[0].mark=line', 'spec.mark=point'],
  );
  t.equal(specTitle({ title: 'A' }), 'A');
  t.equal(specTitle({ title: ['A', 'B'] }), 'A B');
  t.equal(specTitle({ title: { text: 'C', subtitle: 'd' } }), 'C');
  t.equal(specTitle({ title: '  ' }), undefined);
  t.equal(specTitle({}), undefined);
});
