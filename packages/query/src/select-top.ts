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
    const packed = sortPacked(cells, counts, k, minCount);
    if (packed) return packed;
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

/** Counts below this fit beside a 32-bit cell id in one exactly representable double. */
const PACKABLE_COUNT = 2 ** 21;

/**
 * Full sort for large `k`: each kept cell becomes one double `(max - count) * 2^32 + id`, so a
 * native numeric `Float64Array` sort orders by count descending, then id ascending, with no
 * comparator calls. `undefined` when a count is too large to pack.
 */
function sortPacked(cells: Uint32Array, counts: Float64Array, k: number, minCount: number): Int32Array | undefined {
  const n = cells.length;
  let max = 0;
  for (let i = 0; i < n; i++) if (counts[i]! > max) max = counts[i]!;
  if (max >= PACKABLE_COUNT) return undefined;
  const keys = new Float64Array(n);
  // position[id] is needed to map a sorted key back to its index; ids are sorted, so binary search.
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (counts[i]! >= minCount) keys[m++] = (max - counts[i]!) * 4294967296 + cells[i]!;
  }
  const sorted = keys.subarray(0, m).sort();
  const out = new Int32Array(Math.min(k, m));
  for (let j = 0; j < out.length; j++) {
    const id = sorted[j]! % 4294967296;
    out[j] = lowerBound(cells, id);
  }
  return out;
}

function lowerBound(cells: Uint32Array, id: number): number {
  let lo = 0;
  let hi = cells.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cells[mid]! < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
