// Reporting: revenue grouped by one column, a Markdown rendering, and run metrics.
import pl, { type DataFrame } from 'nodejs-polars';

export const summariseRevenue = (lines: DataFrame, groupBy: string): DataFrame =>
  lines
    .groupBy(groupBy)
    .agg(pl.col('revenue').sum().alias('revenue'), pl.col('order_id').count().alias('orders'))
    .sort('revenue', true);

export const renderReport = (summary: DataFrame, groupBy: string): string => {
  const rows = summary.toRecords() as Array<Record<string, unknown>>;
  const total = rows.reduce((s, r) => s + Number(r.revenue), 0);
  const lines = rows.map(
    (r) =>
      `| ${String(r[groupBy])} | ${Number(r.orders)} | ${Number(r.revenue).toFixed(2)} | ` +
      `${((100 * Number(r.revenue)) / total).toFixed(1)}% |`,
  );
  return [
    `# Revenue by ${groupBy}`,
    '',
    `| ${groupBy} | orders | revenue | share |`,
    '|---|---:|---:|---:|',
    ...lines,
    '',
    `Total revenue: ${total.toFixed(2)}`,
    '',
  ].join('\n');
};

export const computeMetrics = ({
  lines,
  by_region,
  by_product,
}: {
  lines: DataFrame;
  by_region: DataFrame;
  by_product: DataFrame;
}) => ({
  orders: lines.height,
  revenue: Number(lines.getColumn('revenue').sum().toFixed(2)),
  regions: by_region.height,
  products: by_product.height,
});
