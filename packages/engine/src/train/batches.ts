/** Consecutive slices of `indices`, the last one possibly shorter. */
export function chunk(indices: readonly number[], batchSize: number): number[][] {
  const chunks: number[][] = [];
  for (let start = 0; start < indices.length; start += batchSize) chunks.push(indices.slice(start, start + batchSize));
  return chunks;
}
