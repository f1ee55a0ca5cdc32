// `dagrun new NAME`: a project that runs at once, with the Kedro-style layout people expect.
// Refuses to write into a folder that already holds files.

import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const files = (name: string): Record<string, string> => ({
  'dagrun.yaml': `# Project settings. Plugins add dataset types, hooks and commands.\nname: ${name}\nplugins: []\n`,
  'pipeline.yaml': `# Pipelines: each node is a function plus the datasets it reads and writes.
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
`,
  'conf/base/catalog.yaml': `# Datasets by name. Anything a node produces that is not here is kept in memory.
orders:
  type: csv
  path: data/01_raw/orders.csv

region_summary:
  type: json
  path: data/08_reporting/region_summary.json
  versioned: true
`,
  'conf/base/parameters.yaml': `min_quantity: 1\n`,
  'conf/local/.gitkeep': '',
  'data/01_raw/orders.csv': `order_id,region,product,quantity,unit_price
1,north,widget,3,2.5
2,south,gadget,1,10
3,north,gadget,0,10
4,east,widget,7,2.5
5,south,widget,2,2.5
6,east,gizmo,4,6
`,
  'src/nodes.ts': `// Node functions: plain TypeScript, no framework imports needed. Tables arrive as polars
// DataFrames; after \`npm install\`, \`import pl from 'nodejs-polars'\` gives expressions such as
// orders.filter(pl.col('quantity').gtEq(minQuantity)).
import type { DataFrame } from 'nodejs-polars';

interface Order {
  order_id: number;
  region: string;
  product: string;
  quantity: number;
  unit_price: number;
}

export const cleanOrders = (orders: DataFrame, minQuantity: number): Order[] =>
  (orders.toRecords() as unknown as Order[]).filter((o) => o.quantity >= minQuantity);

export const summariseByRegion = ({ orders }: { orders: Order[] }) => {
  const out: Record<string, { orders: number; revenue: number }> = {};
  for (const o of orders) {
    const s = (out[o.region] ??= { orders: 0, revenue: 0 });
    s.orders += 1;
    s.revenue += o.quantity * o.unit_price;
  }
  return out;
};
`,
  '.gitignore': `conf/local/*\n!conf/local/.gitkeep\n.dagrun/\n`,
  'package.json': `${JSON.stringify({ name, private: true, type: 'module', dependencies: { 'nodejs-polars': '0.24.1' } }, null, 2)}\n`,
});

export const scaffold = async (dir: string, name: string): Promise<void> => {
  const { ConfigError } = await import('@dagrun/core');
  if (!/^[A-Za-z][\w-]*$/.test(name)) {
    throw new ConfigError('DAGRUN_ERR_CLI_USAGE', `Project name '${name}': expected letters, digits, '_' or '-', starting with a letter, but got '${name}'.`);
  }
  const entries = existsSync(dir) ? readdirSync(dir).length : 0;
  if (entries > 0) {
    throw new ConfigError('DAGRUN_ERR_PROJECT_EXISTS', `Folder '${dir}': expected it empty or absent, but got ${entries} ${entries === 1 ? 'entry' : 'entries'}.`, {
      hint: 'Hint: choose another name, or remove the folder.',
    });
  }
  for (const [rel, content] of Object.entries(files(name))) {
    const p = join(dir, rel);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, content);
  }
};
