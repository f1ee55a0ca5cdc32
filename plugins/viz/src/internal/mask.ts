// Masks secrets in what the page shows of a catalog entry: passwords in URLs, secret-looking keys and
// query parameters, and any value held in credentials.yaml. The catalog's descriptions are meant to be
// secret-free already; this is the second lock, since the HTML file is made to be shared.

export const MASK = '***';

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = new RegExp(
  [
    'pass(word|wd)?$',
    '^pwd$',
    'secret',
    'token',
    'api[_-]?key',
    'access[_-]?key',
    'private[_-]?key',
    'credential',
    '^auth(orization)?$',
    'signature',
    '^sig$',
  ].join('|'),
  'i',
);
/** Keys of credentials.yaml that name where, not how: their values stay readable. */
const PUBLIC_CREDENTIAL_KEY =
  /^(user(name)?|host(name)?|port|region|endpoint(_url)?|database|dbname|db|bucket|schema)$/i;

/** Every secret value of credentials.yaml: string leaves, except those under PUBLIC_CREDENTIAL_KEY. */
export const credentialSecrets = (credentials: unknown): string[] => {
  const out: string[] = [];
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'string' && v.length >= 4 && !PUBLIC_CREDENTIAL_KEY.test(key)) out.push(v);
    else if (typeof v === 'number' && SECRET_KEY.test(key)) out.push(String(v));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, Array.isArray(v) ? key : k);
  };
  walk(credentials, '');
  // Longest first, so a secret that contains another is masked whole.
  return [...new Set(out)].sort((a, b) => b.length - a.length);
};

export const maskString = (s: string, secrets: readonly string[] = []): string => {
  let out = s
    // scheme://user:password@host → scheme://user:***@host
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*):[^/@\s]*@/i, `$1:${MASK}@`)
    // ?password=…&token=… → ***
    .replace(/([?&;]([^=&;#]+)=)([^&;#]*)/g, (m, head: string, key: string) =>
      SECRET_KEY.test(key) ? `${head}${MASK}` : m,
    );
  for (const secret of secrets) out = out.split(secret).join(MASK);
  return out;
};

/** A copy of `value` with secrets masked (objects and arrays walked). */
export const maskSecrets = (value: unknown, secrets: readonly string[] = [], key = ''): unknown => {
  if (value === null || value === undefined) return value;
  if (SECRET_KEY.test(key) && typeof value !== 'boolean') return MASK;
  if (typeof value === 'string') return maskString(value, secrets);
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, secrets, key));
  if (typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, secrets, k)]));
  return value;
};
