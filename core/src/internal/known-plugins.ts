// Which of dagrun's own plugins provides a dataset type, command, codec or storage core lacks, so an
// error can name the package to add to dagrun.yaml. Only for messages: nothing here is imported.

export type ProvidedKind = 'datasetType' | 'datasetOption' | 'command' | 'codec' | 'storage' | 'valueClass';

// Names as each plugin registers them (its src/internal/plugin.ts); a plugin that renames one updates it here.
const PROVIDERS: Readonly<Record<ProvidedKind, Readonly<Record<string, string>>>> = {
  datasetType: {
    csv: '@dagrun/datasets-polars',
    parquet: '@dagrun/datasets-polars',
    excel: '@dagrun/datasets-polars',
    'postgres.table': '@dagrun/datasets-postgres',
    'postgres.query': '@dagrun/datasets-postgres',
    figure: '@dagrun/datasets-figures',
    'registry.model': '@dagrun/tracking',
  },
  // `type.option`: an option core's type declares but only a plugin carries out.
  datasetOption: { 'json.table': '@dagrun/datasets-polars' },
  command: {
    viz: '@dagrun/viz',
    serve: '@dagrun/serve',
    runs: '@dagrun/tracking',
    models: '@dagrun/tracking',
    ui: '@dagrun/tracking',
  },
  codec: { 'dagrun.ml/regression-model': '@dagrun/ml' },
  storage: { s3: '@dagrun/datasets-s3' },
  // The class of a value the object type saves only through a plugin's codec.
  valueClass: { RegressionModel: '@dagrun/ml' },
};

/** The package that provides `name` of this kind, or undefined when no plugin of dagrun's is known to. */
export const pluginFor = (kind: ProvidedKind, name: string): string | undefined =>
  Object.hasOwn(PROVIDERS[kind], name) ? PROVIDERS[kind][name] : undefined;

const LABEL: Readonly<Record<ProvidedKind, (name: string) => string>> = {
  datasetType: (n) => `type '${n}'`,
  datasetOption: (n) => {
    const [type = '', option = ''] = n.split('.');
    return `\`${option}: true\` on type '${type}'`;
  },
  command: (n) => `command '${n}'`,
  codec: (n) => `codec '${n}'`,
  storage: (n) => `storage '${n}://'`,
  valueClass: (n) => `the codec that saves a ${n}`,
};

/** "Hint: type 'csv' is provided by @dagrun/datasets-polars: add it to plugins in dagrun.yaml.", or undefined. */
export const pluginHint = (kind: ProvidedKind, name: string): string | undefined => {
  const plugin = pluginFor(kind, name);
  return plugin ? `Hint: ${LABEL[kind](name)} is provided by ${plugin}: add it to plugins in dagrun.yaml.` : undefined;
};
