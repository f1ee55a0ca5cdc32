// The `default` starter: orders from a csv file, cleaned and summarised by region, with a test of the
// node functions. The csv type comes from @dagrun/datasets-polars.

import {
  BASE_DEPENDENCIES,
  BASE_PLUGINS,
  dagrunYaml,
  GITIGNORE,
  packageJson,
  TSCONFIG,
  type Starter,
} from './common.js';

const PIPELINE = `# Pipelines: each node is a function plus the datasets it reads and writes.
# Run with: dagrun run   (or dagrun run --pipeline summarise)
summarise:
  nodes:
    - name: clean_orders
      func: src/nodes.ts#cleanOrders
      inputs: [orders, params:min_quantity]
      outputs: clean_orders
      tags: [prep]
    - name: summarise_by_region
      func: src/nodes.ts#summariseByRegion
      inputs: { orders: clean_orders }
      outputs: region_summary
      tags: [report]

__default__:
  pipelines: [summarise]
`;

const CATALOG = `# Datasets by name. Anything a node produces that is not here is kept in memory.
orders:
  type: csv
  path: data/01_raw/orders.csv

region_summary:
  type: json
  path: data/08_reporting/region_summary.json
  versioned: true
`;

const ORDERS = `order_id,region,product,quantity,unit_price
1,north,widget,3,2.5
2,south,gadget,1,10
3,north,gadget,0,10
4,east,widget,7,2.5
5,south,widget,2,2.5
6,east,gizmo,4,6
`;

const NODES = `// Node functions: plain TypeScript, no framework imports needed. Tables arrive as polars
// DataFrames; \`import pl from 'nodejs-polars'\` gives expressions such as
// orders.filter(pl.col('quantity').gtEq(minQuantity)).
import type { DataFrame } from 'nodejs-polars';

export interface Order {
  order_id: number;
  region: string;
  product: string;
  quantity: number;
  unit_price: number;
}

export type RegionSummary = Record<string, { orders: number; revenue: number }>;

export const cleanOrders = (orders: DataFrame, minQuantity: number): Order[] =>
  (orders.toRecords() as unknown as Order[]).filter((o) => o.quantity >= minQuantity);

export const summariseByRegion = ({ orders }: { orders: Order[] }): RegionSummary => {
  const out: RegionSummary = {};
  for (const o of orders) {
    const s = (out[o.region] ??= { orders: 0, revenue: 0 });
    s.orders += 1;
    s.revenue += o.quantity * o.unit_price;
  }
  return out;
};
`;

const TEST = `// Tests of the node functions, without the pipeline: npm test (node --import tsx --test).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pl from 'nodejs-polars';
import { cleanOrders, summariseByRegion } from '../src/nodes.ts';

const orders = pl.DataFrame({
  order_id: [1, 2, 3],
  region: ['north', 'north', 'south'],
  product: ['widget', 'gadget', 'widget'],
  quantity: [2, 0, 5],
  unit_price: [2.5, 10, 1],
});

test('cleanOrders keeps the orders with at least minQuantity items', () => {
  assert.deepEqual(cleanOrders(orders, 1).map((o) => o.order_id), [1, 3]);
  assert.deepEqual(cleanOrders(orders, 3).map((o) => o.order_id), [3]);
});

test('summariseByRegion counts orders and adds up revenue per region', () => {
  assert.deepEqual(summariseByRegion({ orders: cleanOrders(orders, 1) }), {
    north: { orders: 1, revenue: 5 },
    south: { orders: 1, revenue: 5 },
  });
});
`;

export const defaultStarter: Starter = {
  description: 'orders from a csv file, cleaned and summarised by region',
  files: (name) => ({
    'dagrun.yaml': dagrunYaml(name, BASE_PLUGINS, 'Project settings.'),
    'pipeline.yaml': PIPELINE,
    'conf/base/catalog.yaml': CATALOG,
    'conf/base/parameters.yaml': 'min_quantity: 1\n',
    'conf/local/.gitkeep': '',
    'data/01_raw/orders.csv': ORDERS,
    'src/nodes.ts': NODES,
    'test/nodes.test.ts': TEST,
    'tsconfig.json': TSCONFIG,
    '.gitignore': GITIGNORE,
    'package.json': packageJson(name, BASE_DEPENDENCIES),
  }),
};
