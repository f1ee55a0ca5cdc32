// @dagrun/datasets-postgres: the public API. The dagrun plugin (default export) registering the
// `postgres.table` and `postgres.query` dataset types, the types themselves, and the identifier quoting
// they use, for code that builds SQL next to them.

import { postgresPlugin } from './internal/plugin.js';

export { tableType, PostgresTable, type TableOptions, type SaveMode } from './internal/table.js';
export { queryType, PostgresQuery, type QueryOptions } from './internal/query.js';
export { resolveSettings, type ConnectionSettings } from './internal/settings.js';
export { quoteIdent, qualified } from './internal/sql.js';
export { postgresPlugin };

export default postgresPlugin;
