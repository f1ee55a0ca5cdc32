// validate_data: checks a DataFrame against params:data_contract and reports the rows it flags.
// The rules run as polars expressions (one boolean column each); only the flagged rows, up to
// max_listed_rows, become JS objects for the report. What happens to flagged rows is `on_flagged`.
//
//   - name: validate_train
//     func: src/nodes/validate.ts#validateData
//     inputs: [train, params:data_contract]
//     outputs: [train_valid, train_validation_report]
import pl, { type DataFrame } from 'nodejs-polars';
import { DataContractError, checkSchema, parseContract, rulesOf } from '../contract/data-contract.js';

export interface FlaggedRow {
  /** 0-based position of the row in the input (the data line of the CSV, header excluded). */
  row: number;
  rules: string[];
  values: Record<string, unknown>;
}

export interface ValidationReport {
  rows_checked: number;
  rows_flagged: number;
  on_flagged: 'keep' | 'drop' | 'fail';
  rows_out: number;
  /** Rows each rule flags (a row can break several rules); only rules that flag something are listed. */
  counts_by_rule: Record<string, number>;
  flagged_rows_total: number;
  flagged_rows_listed: number;
  flagged_rows: FlaggedRow[];
}

const ROW = '__row__';
const ANY = '__flagged__';

/** Returns [the data, kept whole or without its flagged rows, the report]; throws under `on_flagged: fail`. */
export const validateData = (df: DataFrame, contractParam: unknown): [DataFrame, ValidationReport] => {
  const contract = parseContract(contractParam);
  checkSchema(df, contract);
  const rules = rulesOf(contract);
  const anyFlag = pl.anyHorizontal(rules.map((r) => pl.col(r.name))).alias(ANY);
  const all = df
    .withColumns(...rules.map((r) => r.expr.alias(r.name)))
    .withColumns(anyFlag)
    .withRowIndex(ROW);
  const counts: Record<string, number> = {};
  for (const r of rules) {
    const n = Number(all.getColumn(r.name).cast(pl.UInt32).sum());
    if (n > 0) counts[r.name] = n;
  }
  const flagged = all.filter(pl.col(ANY));
  const rowsFlagged = flagged.height;

  if (contract.on_flagged === 'fail' && rowsFlagged > 0) {
    const byRule = Object.entries(counts).map(([rule, n]) => `${rule} ${n}`).join(', ');
    throw new DataContractError(
      'DATA_CONTRACT_VIOLATION',
      `Data contract: expected no flagged rows (on_flagged: fail), but got ${rowsFlagged} of ${df.height} rows flagged (${byRule}).\n` +
        'Hint: set data_contract.on_flagged to keep or drop, or change the bounds in conf/base/parameters.yaml.',
    );
  }

  const flaggedRows: FlaggedRow[] = flagged
    .head(contract.max_listed_rows)
    .toRecords()
    .map((r) => ({
      row: Number(r[ROW]),
      rules: rules.filter((rule) => r[rule.name] === true).map((rule) => rule.name),
      // Int64 cells may come back as bigint, which JSON cannot hold.
      values: Object.fromEntries(df.columns.map((c) => [c, typeof r[c] === 'bigint' ? Number(r[c]) : r[c]])),
    }));
  const out = contract.on_flagged === 'drop' && rowsFlagged > 0 ? all.filter(pl.col(ANY).not()).select(...df.columns) : df;
  return [
    out,
    {
      rows_checked: df.height,
      rows_flagged: rowsFlagged,
      on_flagged: contract.on_flagged,
      rows_out: out.height,
      counts_by_rule: counts,
      flagged_rows_total: rowsFlagged,
      flagged_rows_listed: flaggedRows.length,
      flagged_rows: flaggedRows,
    },
  ];
};
