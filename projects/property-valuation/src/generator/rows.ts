// Columnar rows of the synthetic dataset: one typed array per column, plus the hidden log-price
// mean each row's price was drawn around (so anomalies can redraw a price the same way).

export interface Rows {
  readonly n: number;
  /** Index into the sector names, in parameter order. */
  readonly sector: Uint8Array;
  /** 1 for departamento, 0 for casa. */
  readonly dept: Uint8Array;
  readonly nua: Float64Array;
  readonly netArea: Float64Array;
  readonly rooms: Float64Array;
  readonly baths: Float64Array;
  readonly lat: Float64Array;
  readonly lon: Float64Array;
  /** OLS mean + s(lat, lon): log(price) before noise. */
  readonly logMean: Float64Array;
  readonly price: Float64Array;
}

const FLOAT_COLUMNS = ['nua', 'netArea', 'rooms', 'baths', 'lat', 'lon', 'logMean', 'price'] as const;

export const allocRows = (n: number): Rows => ({
  n,
  sector: new Uint8Array(n),
  dept: new Uint8Array(n),
  nua: new Float64Array(n),
  netArea: new Float64Array(n),
  rooms: new Float64Array(n),
  baths: new Float64Array(n),
  lat: new Float64Array(n),
  lon: new Float64Array(n),
  logMean: new Float64Array(n),
  price: new Float64Array(n),
});

/** Copies row `i` of `from` into row `j` of `to`: every column, or the features only. */
export const copyRow = (from: Rows, i: number, to: Rows, j: number, withPrice = true): void => {
  to.sector[j] = from.sector[i]!;
  to.dept[j] = from.dept[i]!;
  for (const c of FLOAT_COLUMNS) if (withPrice || c !== 'price') to[c][j] = from[c][i]!;
};

/** The rows at `indices`, in that order. */
export const pick = (rows: Rows, indices: ArrayLike<number>): Rows => {
  const out = allocRows(indices.length);
  for (const c of ['sector', 'dept', ...FLOAT_COLUMNS] as const) {
    const from = rows[c];
    const to = out[c];
    for (let j = 0; j < indices.length; j++) to[j] = from[indices[j]!]!;
  }
  return out;
};
