// Where a dataset connects: credentials entry, then DATABASE_URL, then PG* variables, then libpq's
// defaults; URLs as libpq reads them; and no message that quotes a password or a URL.

import { userInfo } from 'node:os';
import t from 'tap';
import { resolveSettings, sslOption, address } from './settings.js';
import { caughtSync } from '../../../../core/test/helpers/caught.js';

const SECRET = 's3cr3t-pa55word';

t.test('a credentials entry of fields', async (t) => {
  const s = resolveSettings(
    'd',
    { host: 'db.internal', port: 6543, user: 'etl', password: SECRET, database: 'warehouse' },
    {},
  );
  t.match(s, {
    host: 'db.internal',
    port: 6543,
    user: 'etl',
    password: SECRET,
    database: 'warehouse',
    sslmode: 'disable',
    connectTimeoutMs: 10_000,
    source: 'its credentials entry',
  });
  t.equal(address(s), 'db.internal:6543');
  t.equal(
    resolveSettings('d', { password: 12345 }, {}).password,
    '12345',
    'YAML reads a numeric password as a number: it is still the password',
  );
});

t.test('a URL, with fields of the same entry taking precedence over its parts', async (t) => {
  const s = resolveSettings(
    'd',
    {
      url:
        `postgresql://etl:${encodeURIComponent('p@ss/word')}@db.internal:6543/warehouse` +
        `?sslmode=require&connect_timeout=3`,
    },
    {},
  );
  t.match(s, {
    host: 'db.internal',
    port: 6543,
    user: 'etl',
    password: 'p@ss/word',
    database: 'warehouse',
    sslmode: 'require',
    connectTimeoutMs: 3000,
  });
  t.match(resolveSettings('d', { url: 'postgres://etl@db.internal/warehouse', database: 'other', port: '7000' }, {}), {
    database: 'other',
    port: 7000,
    user: 'etl',
  });
  t.match(resolveSettings('d', { url: 'postgres://[::1]:5433/db' }, {}), { host: '::1', port: 5433 });
  t.equal(address(resolveSettings('d', { url: 'postgres://[::1]:5433/db' }, {})), '[::1]:5433');
  t.match(resolveSettings('d', { url: 'postgres:///db?host=/var/run/postgresql' }, {}), {
    host: '/var/run/postgresql',
    database: 'db',
  });
});

t.test(
  'without an entry: DATABASE_URL, else the PG* variables; PG* fill what is left unset; then defaults',
  async (t) => {
    const env = {
      DATABASE_URL: 'postgres://app@url-host:5000/urldb',
      PGHOST: 'pg-host',
      PGUSER: 'pg-user',
      PGPASSWORD: SECRET,
      PGDATABASE: 'pgdb',
      PGPORT: '5001',
    };
    t.match(
      resolveSettings('d', undefined, env),
      { host: 'url-host', port: 5000, user: 'app', password: SECRET, database: 'urldb', source: 'DATABASE_URL' },
      'DATABASE_URL first; PGPASSWORD fills the password it lacks',
    );
    const { DATABASE_URL: _, ...pgOnly } = env;
    t.match(resolveSettings('d', undefined, pgOnly), {
      host: 'pg-host',
      port: 5001,
      user: 'pg-user',
      password: SECRET,
      database: 'pgdb',
      source: 'the PG* environment variables',
    });
    t.match(
      resolveSettings('d', { host: 'entry-host' }, env),
      { host: 'entry-host', port: 5001, user: 'pg-user', database: 'pgdb', source: 'its credentials entry' },
      'a named entry ignores DATABASE_URL; PG* fill its gaps',
    );
    const os = userInfo().username;
    t.match(
      resolveSettings('d', undefined, {}),
      { host: 'localhost', port: 5432, user: os, password: undefined, database: os, sslmode: 'disable' },
      "libpq's defaults",
    );
    t.match(resolveSettings('d', undefined, { PGSSLMODE: 'verify-full', PGCONNECT_TIMEOUT: '2.5' }), {
      sslmode: 'verify-full',
      connectTimeoutMs: 2500,
    });
  },
);

t.test('ssl: true verifies, require encrypts only, prefer and allow connect in plain text', async (t) => {
  t.equal(resolveSettings('d', { ssl: true }, {}).sslmode, 'verify-full');
  t.equal(resolveSettings('d', { ssl: false }, {}).sslmode, 'disable');
  t.equal(resolveSettings('d', { ssl: 'prefer' }, {}).sslmode, 'disable');
  t.same(sslOption(resolveSettings('d', { ssl: 'require' }, {})), { rejectUnauthorized: false });
  t.same(sslOption(resolveSettings('d', { ssl: 'verify-full' }, {})), { rejectUnauthorized: true });
  t.equal(sslOption(resolveSettings('d', {}, {})), false);
});

t.test('bad credentials fail naming the key, never quoting a value', async (t) => {
  const cases: Array<[Record<string, unknown>, string, string | undefined]> = [
    [
      { passwd: SECRET },
      "Credentials of catalog entry 'd': expected only url, host, port, user, password, database, ssl, " +
        "sslrootcert, connect_timeout, but got unknown key 'passwd'.",
      "Hint: did you mean: 'password'?",
    ],
    [
      { port: 'five' },
      "Credentials of catalog entry 'd': expected key 'port' to be a port number (1 to 65535), but got something else.",
      undefined,
    ],
    [
      { port: 70000 },
      "Credentials of catalog entry 'd': expected key 'port' to be a port number (1 to 65535), but got something else.",
      undefined,
    ],
    [
      { password: { nested: SECRET } },
      "Credentials of catalog entry 'd': expected key 'password' to be a string, but got a mapping.",
      undefined,
    ],
    [
      { ssl: 'requir' },
      "Credentials of catalog entry 'd': expected key 'ssl' to be true, false or an sslmode (disable, allow, " +
        "prefer, require, verify-ca, verify-full), but got 'requir'.",
      "Hint: did you mean: 'require'?",
    ],
    [
      { url: `mysql://u:${SECRET}@h/db` },
      "Credentials of catalog entry 'd': expected key 'url' to be a postgres:// URL, but got a mysql:// URL.",
      undefined,
    ],
    [
      { url: `postgres://u:${SECRET}@h:99999/db` },
      "Credentials of catalog entry 'd': expected key 'url' to be a postgres:// URL, " +
        'but got a value that does not parse as a URL.',
      'Hint: percent-encode special characters of the user and password (@ as %40, / as %2F).',
    ],
    [
      { url: `postgres://u:${SECRET}%zz@h/db` },
      "Credentials of catalog entry 'd': expected key 'url' to be a postgres:// URL, " +
        'but got a bad percent-encoding in it.',
      'Hint: write % itself as %25.',
    ],
    [
      { url: `postgres://u:${SECRET}@h/db?sslmod=require` },
      "Credentials of catalog entry 'd': expected key 'url' parameters among host, port, user, password, " +
        "dbname, sslmode, sslrootcert, connect_timeout, application_name, but got 'sslmod'.",
      undefined,
    ],
  ];
  for (const [credentials, detail, hint] of cases) {
    const err = caughtSync(() => resolveSettings('d', credentials, {}));
    t.equal(err.code, 'DAGRUN_ERR_CONFIG_CREDENTIALS');
    t.equal(err.detail, detail);
    t.equal(err.hint, hint);
    t.notMatch(err.message, SECRET);
  }
  const cert = caughtSync(() =>
    resolveSettings('d', { ssl: 'verify-full', sslrootcert: 'certs/ca.pem' }, {}, '/nonexistent-project'),
  );
  t.equal(
    cert.detail,
    "Credentials of catalog entry 'd': expected the sslrootcert file certs/ca.pem (relative to the project), " +
      'but got no such file.',
  );
  const env = caughtSync(() => resolveSettings('d', undefined, { DATABASE_URL: `http://u:${SECRET}@h/db` }));
  t.equal(
    env.detail,
    "Credentials of catalog entry 'd': expected DATABASE_URL to be a postgres:// URL, but got a http:// URL.",
  );
  t.equal(
    caughtSync(() => resolveSettings('d', undefined, { PGPORT: 'x' })).detail,
    "Credentials of catalog entry 'd': expected environment variable PGPORT to be a port number (1 to 65535), " +
      'but got something else.',
  );
});
