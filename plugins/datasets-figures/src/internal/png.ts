// SVG -> PNG with resvg, at a scale (2 by default, for crisp text), drawing text with the machine's fonts.
// Vega writes `font-family: sans-serif`; resvg maps that name to Arial, absent on most Linux machines, so
// the generic families are pointed at a family that is there (DejaVu Sans by default, Debian's fonts-dejavu-core).

import { DatasetError } from '@dagrun/core';

type ResvgModule = typeof import('@resvg/resvg-js');
type ResvgOptions = NonNullable<ConstructorParameters<ResvgModule['Resvg']>[1]>;

let resvg: Promise<ResvgModule> | undefined;
const loadResvg = () => (resvg ??= import('@resvg/resvg-js'));

export interface FontSettings {
  /** The family drawn for Vega's generic `sans-serif` (and for any family the machine lacks). */
  readonly family: string;
  /** Extra font files and folders, absolute paths, loaded beside the system fonts. */
  readonly files: readonly string[];
  readonly dirs: readonly string[];
  /**
   * Whether the machine's fonts are loaded too; false draws
   * only with `files` and `dirs`, the same on every machine.
   */
  readonly system: boolean;
}

export const DEFAULT_FONT_FAMILY = 'DejaVu Sans';

const resvgOptions = (fonts: FontSettings, scale: number): ResvgOptions => ({
  font: {
    loadSystemFonts: fonts.system,
    fontFiles: [...fonts.files],
    fontDirs: [...fonts.dirs],
    defaultFontFamily: fonts.family,
    sansSerifFamily: fonts.family,
  },
  fitTo: { mode: 'zoom', value: scale },
  // resvg writes its font warnings straight to stderr, past
  // dagrun's logger; a machine with no font at all is caught below.
  logLevel: 'off',
});

/** Whether any font draws text, per font settings: checked once, by drawing one letter. */
const fontFound = new Map<string, boolean>();
const drawsText = (mod: ResvgModule, fonts: FontSettings): boolean => {
  const key = JSON.stringify(fonts);
  let found = fontFound.get(key);
  if (found === undefined) {
    const probe =
      '<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24"><text x="4" y="18" font-family="sans-serif" font-size="18">x</text></svg>';
    const pixels = new mod.Resvg(probe, resvgOptions(fonts, 1)).render().pixels;
    found = pixels.some((v, i) => i % 4 === 3 && v > 0);
    fontFound.set(key, found);
  }
  return found;
};

/** PNG bytes of `svg`; throws DAGRUN_ERR_DATASET_SAVE when the chart has text and no font can draw it. */
export const renderPng = async (svg: string, scale: number, fonts: FontSettings): Promise<Buffer> => {
  const mod = await loadResvg();
  if (svg.includes('<text') && !drawsText(mod, fonts)) {
    throw new DatasetError(
      'DAGRUN_ERR_DATASET_SAVE',
      `PNG of figure: expected a font to draw its text with, but got none ` +
        `(${fonts.system ? 'no system font' : 'system fonts off'}, ${fonts.files.length + fonts.dirs.length} font ` +
        `files or folders given).`,
      {
        hint:
          'Hint: install a font package (Debian: apt-get install fonts-dejavu-core), or list .ttf/.otf files ' +
          "under the plugin's font_files option in dagrun.yaml.",
      },
    );
  }
  return new mod.Resvg(svg, resvgOptions(fonts, scale)).render().asPng();
};
