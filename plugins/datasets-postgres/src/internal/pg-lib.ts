// pg and pg-copy-streams are required on first use, not when the plugin is imported: a project that lists
// the plugin but runs without Postgres (the property project's default environment) does not pay their
// ~40 ms of loading on every `dagrun` start.

import { createRequire } from 'node:module';
import type Pg from 'pg';
import type * as CopyStreams from 'pg-copy-streams';

const require = createRequire(import.meta.url);
let pg: typeof Pg | undefined;
let copyStreams: typeof CopyStreams | undefined;

export const pgLib = (): typeof Pg => (pg ??= require('pg') as typeof Pg);
export const copyLib = (): typeof CopyStreams => (copyStreams ??= require('pg-copy-streams') as typeof CopyStreams);
