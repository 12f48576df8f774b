/** Mean and population SD (ddof 0) of a column of numbers; NaN for an empty one. */

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  return sum / values.length;
}

/** Population SD, ddof 0: what reproduces the SD row of the paper's appendix table. */
export function populationSd(values: ArrayLike<number>): number {
  const m = mean(values);
  return Math.sqrt(mean(Array.from(values, (v) => (v - m) ** 2)));
}
