// Cleaning and joining: DataFrames in, DataFrames out, with polars expressions.
import pl, { type DataFrame } from 'nodejs-polars';

export interface CleaningParams {
  min_quantity: number;
  max_quantity: number;
}

/** Drops orders outside the quantity bounds and adds revenue. */
export const cleanOrders = (orders: DataFrame, p: CleaningParams): DataFrame =>
  orders
    .filter(pl.col('quantity').gtEq(p.min_quantity).and(pl.col('quantity').ltEq(p.max_quantity)))
    .withColumns(pl.col('quantity').mul(pl.col('unit_price')).alias('revenue'));

/** Attaches each product's category. */
export const joinProducts = ({ orders, products }: { orders: DataFrame; products: DataFrame }): DataFrame =>
  orders.join(products.select('product', 'category'), { on: 'product', how: 'left' });
