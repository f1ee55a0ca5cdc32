// @dagrun/datasets-polars: the public API. The dagrun plugin (default export) registering the csv,
// parquet and excel dataset types and the table side of json (`table: true`), the types and formats
// themselves, and the lazy polars import they share.
//
//   # dagrun.yaml                          # conf/base/catalog.yaml
//   plugins: ["@dagrun/datasets-polars"]    orders: { type: csv, path: data/01_raw/orders.csv }
//                                           budget: { type: excel, path: data/01_raw/budget.xlsx, sheet: "2026" }

import { polarsPlugin } from './internal/plugin.js';

export { csvType, parquetType, excelType, jsonType } from './internal/types.js';
export {
  csvFormat,
  parquetFormat,
  jsonTableFormat,
  type CsvOptions,
  type ParquetOptions,
  type JsonTableOptions,
} from './internal/formats.js';
export { excelFormat, type ExcelOptions } from './internal/excel.js';
export { loadPolars, isDataFrame, DTYPE_NAMES, type DtypeName, type Polars } from './internal/polars.js';
export { polarsPlugin };

export default polarsPlugin;
