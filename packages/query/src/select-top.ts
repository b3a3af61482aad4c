/**
 * The positions of the `k` hottest cells, hottest first; ties go to the smaller cell id so
 * results are deterministic. For small `k` a bounded min-heap keeps the selection at
 * O(n log k) instead of sorting all n cells.
 */
export function selectTop(cells: Uint32Array, counts: Float64Array, k: number, minCount: number): Int32Array {
  const n = cells.length;
  // a "beats" b: higher count, or the same count and a smaller cell id.
  const beats = (a: number, b: number) =>
    counts[a]! > counts[b]! || (counts[a] === counts[b] && cells[a]! < cells[b]!);
  if (k >= n / 4) {
    const all: number[] = [];
    for (let i = 0; i < n; i++) if (counts[i]! >= minCount) all.push(i);
    all.sort((a, b) => (beats(a, b) ? -1 : beats(b, a) ? 1 : 0));
    return Int32Array.from(all.length > k ? all.slice(0, k) : all);
  }
  // heap[0] is the weakest of the k kept so far; a candidate must beat it to get in.
  const heap = new Int32Array(k);
  let size = 0;
  for (let i = 0; i < n; i++) {
    if (counts[i]! < minCount) continue;
    if (size < k) {
      let h = size++;
      while (h > 0) {
        const parent = (h - 1) >> 1;
        if (!beats(heap[parent]!, i)) break;
        heap[h] = heap[parent]!;
        h = parent;
      }
      heap[h] = i;
    } else if (beats(i, heap[0]!)) {
      let h = 0;
      for (;;) {
        let child = 2 * h + 1;
        if (child >= size) break;
        if (child + 1 < size && beats(heap[child]!, heap[child + 1]!)) child++;
        if (!beats(i, heap[child]!)) break;
        heap[h] = heap[child]!;
        h = child;
      }
      heap[h] = i;
    }
  }
  const kept = Array.from(heap.subarray(0, size));
  kept.sort((a, b) => (beats(a, b) ? -1 : beats(b, a) ? 1 : 0));
  return Int32Array.from(kept);
}
