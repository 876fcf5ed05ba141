/** Indices of the k largest values, best first, written into `out` (reused per frame). Returns how many. */
export function topK(values: ArrayLike<number>, out: Int32Array): number {
  const k = Math.min(out.length, values.length);
  for (let n = 0; n < k; n++) out[n] = -1;
  for (let i = 0; i < values.length; i++) {
    for (let n = 0; n < k; n++) {
      if (out[n] === -1 || values[i] > values[out[n]]) {
        out.copyWithin(n + 1, n, k - 1);
        out[n] = i;
        break;
      }
    }
  }
  return k;
}
