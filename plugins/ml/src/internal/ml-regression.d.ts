// The part of ml-regression (which ships no type declarations) that linear.ts uses.
declare module 'ml-regression' {
  export class MultivariateLinearRegression {
    constructor(x: number[][], y: number[][], options?: { intercept?: boolean; statistics?: boolean });
    weights: number[][];
  }
}
