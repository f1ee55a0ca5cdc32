// The plugin: registers the `figure` dataset type. Its options (in dagrun.yaml) choose the fonts PNGs
// are drawn with, since those belong to the machine rather than to one catalog entry.

import { checkSchema, ConfigError, definePlugin, type DagrunError } from '@dagrun/core';
import { figureType } from './figure-type.js';
import { DEFAULT_FONT_FAMILY } from './png.js';

export interface FiguresPluginOptions {
  /** The family drawn for Vega's `sans-serif` text in PNGs (default DejaVu Sans). */
  readonly font_family?: string;
  /** Font files (.ttf, .otf, .ttc) to load beside the system fonts; relative to the project folder. */
  readonly font_files?: readonly string[];
  /** Folders of font files to load beside the system fonts; relative to the project folder. */
  readonly font_dirs?: readonly string[];
  /**
   * Load the machine's fonts too (default true); false draws
   * only with font_files and font_dirs, alike on every machine.
   */
  readonly system_fonts?: boolean;
}

const paths = { type: 'array', items: { type: 'string', minLength: 1 } } as const;
const OPTIONS_SCHEMA = {
  type: 'object',
  properties: {
    font_family: { type: 'string', minLength: 1 },
    font_files: paths,
    font_dirs: paths,
    system_fonts: { type: 'boolean' },
  },
  additionalProperties: false,
};

export const PLUGIN_NAME = '@dagrun/datasets-figures';

export const figuresPlugin = definePlugin<FiguresPluginOptions>({
  name: PLUGIN_NAME,
  engine: '^0.1.0',
  register(api, options) {
    const problems = checkSchema({
      schema: OPTIONS_SCHEMA,
      data: options ?? {},
      subject: `Options of plugin '${PLUGIN_NAME}'`,
      code: 'DAGRUN_ERR_CONFIG_SCHEMA',
      // The engine puts the plugin's entry in dagrun.yaml on the error.
      locate: () => ({ file: 'dagrun.yaml' }),
    });
    if (problems.length > 0) throw oneError(problems);
    api.registerDatasetType(
      figureType({
        family: options?.font_family ?? DEFAULT_FONT_FAMILY,
        files: options?.font_files ?? [],
        dirs: options?.font_dirs ?? [],
        system: options?.system_fonts ?? true,
      }),
    );
  },
});

/** One problem as it is; several as one error listing them. */
const oneError = (problems: readonly DagrunError[]): DagrunError => {
  const [first] = problems;
  if (problems.length === 1 && first) return first;
  const lines = problems.map((p, i) => `\n  ${i + 1}) ${p.detail}${p.hint ? ` ${p.hint}` : ''}`).join('');
  return new ConfigError(
    'DAGRUN_ERR_CONFIG_SCHEMA',
    `Options of plugin '${PLUGIN_NAME}': expected valid options, but got ${problems.length} problems:${lines}`,
  );
};
