// Catalog entries as catalog.yaml declares them: each checked (shape, type, options, credentials, data
// contract) with its file:line, factory patterns (`{namespace}.summary`) matched and filled in, and
// parameters flattened to the `params:a.b` names nodes read.

import { CatalogError, ConfigError, didYouMean, type DagrunError, type SourceLocation } from './errors.js';
import { isPlainObject } from './config.js';
import { checkEntryContract, CONTRACT_KEY, type DataContract } from './contract.js';
import type { DatasetType } from './datasets/dataset.js';
import type { CatalogOptions } from './catalog.js';
import { pluginHint } from './known-plugins.js';
import { checkSchema } from './schema.js';

/** Keys every entry may have whatever its type; the rest are the type's options. */
export const CORE_KEYS = new Set(['type', 'credentials', 'metadata', CONTRACT_KEY]);

export interface Entry {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly type: DatasetType;
  /** Where the entry is declared; computed only when a message needs it. */
  readonly locate: () => SourceLocation;
  readonly credentials: Readonly<Record<string, unknown>> | undefined;
  readonly contract?: DataContract | undefined;
}

export interface Pattern extends Entry {
  readonly regex: RegExp;
  readonly keys: string[];
  readonly specificity: number;
}

/** Checks one catalog entry's shape, type, options and credentials. */
export const checkEntry = (
  name: string,
  raw: unknown,
  opts: CatalogOptions,
  errors: DagrunError[],
): Entry | undefined => {
  const cfg = opts.config!;
  const locate = () => cfg.locate([name], true);
  if (!isPlainObject(raw)) {
    errors.push(
      new ConfigError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `Catalog entry '${name}': expected a mapping with a 'type', but got ${raw === null ? 'null' : typeof raw}.`,
        { location: locate() },
      ),
    );
    return undefined;
  }
  const typeName = raw.type;
  if (typeof typeName !== 'string') {
    errors.push(
      new ConfigError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `Catalog entry '${name}': ` +
          `expected option 'type', but got ${typeName === undefined ? 'nothing' : JSON.stringify(typeName)}.`,
        {
          location: locate(),
          hint: `Hint: one of ${opts.registry
            .datasetTypes()
            .map((t) => t.name)
            .join(', ')}.`,
        },
      ),
    );
    return undefined;
  }
  const type = opts.registry.datasetType(typeName);
  if (!type) {
    const mean = didYouMean(
      typeName,
      opts.registry.datasetTypes().map((t) => t.name),
    );
    errors.push(
      new CatalogError(
        'DAGRUN_ERR_CATALOG_UNKNOWN_TYPE',
        `Type of catalog entry '${name}': expected a registered dataset type, but got '${typeName}'.`,
        {
          location: cfg.locate([name, 'type']),
          hint:
            pluginHint('datasetType', typeName) ??
            (mean
              ? `Hint: ${mean}`
              : `Hint: known types: ${opts.registry
                  .datasetTypes()
                  .map((t) => t.name)
                  .join(', ')}; plugins add more (list them in dagrun.yaml).`),
        },
      ),
    );
    return undefined;
  }
  const options = Object.fromEntries(Object.entries(raw).filter(([k]) => !CORE_KEYS.has(k)));
  const problems = checkSchema({
    schema: type.schema,
    data: options,
    subject: `Catalog entry '${name}' (${typeName})`,
    code: 'DAGRUN_ERR_CATALOG_OPTIONS',
    locate: (p, k) => cfg.locate([name, ...p], k),
  });
  if (raw.metadata !== undefined && !isPlainObject(raw.metadata)) {
    problems.push(
      new ConfigError(
        'DAGRUN_ERR_CATALOG_OPTIONS',
        `Catalog entry '${name}', field 'metadata': expected a mapping, but got ${typeof raw.metadata}.`,
        { location: cfg.locate([name, 'metadata']) },
      ),
    );
  }
  let credentials: Record<string, unknown> | undefined;
  if (raw.credentials !== undefined) {
    const ref = raw.credentials;
    const held = opts.credentials?.data ?? {};
    if (typeof ref !== 'string') {
      problems.push(
        new ConfigError(
          'DAGRUN_ERR_CONFIG_CREDENTIALS',
          `Catalog entry '${name}', field 'credentials': ` +
            `expected the name of an entry in credentials.yaml, but got ${typeof ref}.`,
          {
            location: cfg.locate([name, 'credentials']),
            hint: 'Hint: keep secrets in conf/local/credentials.yaml and reference them by name.',
          },
        ),
      );
    } else if (Object.hasOwn(held, ref) && !isPlainObject(held[ref])) {
      // Name only the kind of value: it may be a secret.
      const kind = held[ref] === null ? 'null' : Array.isArray(held[ref]) ? 'a list' : typeof held[ref];
      problems.push(
        new ConfigError(
          'DAGRUN_ERR_CONFIG_CREDENTIALS',
          `Credentials '${ref}' of catalog entry '${name}': ` +
            `expected a mapping (user: …, password: …) in credentials.yaml, but got ${kind}.`,
          {
            location: cfg.locate([name, 'credentials']),
          },
        ),
      );
    } else if (!isPlainObject(held[ref])) {
      const mean = didYouMean(ref, Object.keys(held));
      problems.push(
        new ConfigError(
          'DAGRUN_ERR_CONFIG_CREDENTIALS',
          `Credentials '${ref}' of catalog entry '${name}': ` +
            `expected an entry in credentials.yaml, but got no such entry.`,
          {
            location: cfg.locate([name, 'credentials']),
            hint: mean ? `Hint: ${mean}` : 'Hint: add it to conf/local/credentials.yaml (kept out of git).',
          },
        ),
      );
    } else credentials = held[ref] as Record<string, unknown>;
  }
  const contract = checkEntryContract(
    name,
    type,
    options,
    raw[CONTRACT_KEY],
    (p, k) => cfg.locate([name, ...p], k),
    problems,
  );
  errors.push(...problems);
  if (problems.length > 0) return undefined;
  return { name, config: raw, type, locate, credentials, contract };
};

export const toPattern = (e: Entry): Pattern => {
  const keys: string[] = [];
  let literal = 0;
  const source = e.name.replace(/\{([^}]*)\}|([^{]+)/g, (_m, key: string | undefined, lit: string | undefined) => {
    if (key !== undefined) {
      keys.push(key);
      return '(.+?)';
    }
    literal += lit!.length;
    return lit!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return { ...e, regex: new RegExp(`^${source}$`), keys, specificity: literal };
};

export const substitute = (v: unknown, values: Record<string, string>): unknown => {
  if (typeof v === 'string') return v.replace(/\{([^}]*)\}/g, (m, k: string) => values[k] ?? m);
  if (Array.isArray(v)) return v.map((x) => substitute(x, values));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x, values)]));
  return v;
};

/** `parameters` plus `params:a`, `params:a.b`, … for every nested key, as Kedro does. */
export const flattenParams = (params: Readonly<Record<string, unknown>>): Map<string, unknown> => {
  const out = new Map<string, unknown>([['parameters', params]]);
  const walk = (obj: Readonly<Record<string, unknown>>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? `${prefix}.${k}` : k;
      out.set(`params:${key}`, v);
      if (isPlainObject(v)) walk(v, key);
    }
  };
  walk(params, '');
  return out;
};
