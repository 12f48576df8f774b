/**
 * Splits sentence indices into batches of at most `batchSize`, grouping similar token counts so
 * little compute goes to padding. Sorting is stable, so equal lengths keep their input order;
 * callers place results back by index.
 */
export function lengthBatches(lengths: readonly number[], indices: readonly number[], batchSize: number): number[][] {
  const sorted = [...indices].sort((a, b) => lengths[a] - lengths[b]);
  const batches: number[][] = [];
  for (let i = 0; i < sorted.length; i += batchSize) batches.push(sorted.slice(i, i + batchSize));
  return batches;
}
