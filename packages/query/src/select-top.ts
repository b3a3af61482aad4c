/**
 * The positions of the `k` hottest cells, hottest first; ties go to the smaller cell id so
 * results are deterministic. Realistic counts take the counting path (no sort at all); very
 * large counts the packed-key path, and beyond that a bounded heap or a comparator sort.
 * `max` is the largest count (the caller has it already).
 */
export function selectTop(
  cells: Uint32Array,
  counts: Float64Array,
  k: number,
  minCount: number,
  max: number,
): Int32Array {
  const n = cells.length;
  // a "beats" b: higher count, or the same count and a smaller cell id.
  const beats = (a: number, b: number) =>
    counts[a]! > counts[b]! || (counts[a] === counts[b] && cells[a]! < cells[b]!);
  const counted = selectByCounting(cells, counts, k, minCount, max);
  if (counted) return counted;
  const packed = selectPacked(cells, counts, k, minCount, max);
  if (packed) return packed;
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

/**
 * Counting selection, O(n + max count): a histogram of counts finds the threshold count below
 * which cells are cut, prefix sums give each kept count its slot range, and one pass in id order
 * drops every kept cell into place — ids ascending within a count, as the tie rule wants.
 * `undefined` when the largest count is too big for a histogram.
 */
function selectByCounting(
  cells: Uint32Array,
  counts: Float64Array,
  k: number,
  minCount: number,
  max: number,
): Int32Array | undefined {
  const n = cells.length;
  if (max > Math.max(HISTOGRAM_MIN, 4 * n)) return undefined;
  const low = Math.max(1, Math.ceil(minCount));
  // slots[c] = cells with count c; turned into the first output slot of count c below.
  const slots = new Int32Array(max + 1);
  for (let i = 0; i < n; i++) slots[counts[i]!]!++;
  let threshold = low;
  let atThreshold = 0;
  let kept = 0;
  for (let c = max; c >= low; c--) {
    const here = slots[c]!;
    slots[c] = kept;
    if (kept + here >= k) {
      threshold = c;
      atThreshold = k - kept;
      kept = k;
      break;
    }
    kept += here;
    if (c === low) atThreshold = here;
  }
  const out = new Int32Array(kept);
  let takenAtThreshold = 0;
  for (let i = 0; i < n; i++) {
    const c = counts[i]!;
    if (c > threshold) out[slots[c]!++] = i;
    else if (c === threshold && takenAtThreshold < atThreshold) {
      out[slots[c]!++] = i;
      takenAtThreshold++;
    }
  }
  return out;
}

/** Histograms up to this many counts are always fine to allocate. */
const HISTOGRAM_MIN = 1 << 16;

/** Counts below this fit beside a 32-bit cell id in one exactly representable double. */
const PACKABLE_COUNT = 2 ** 21;

/**
 * Selection over packed keys: each kept cell becomes one double `(max - count) * 2^32 + id`, so
 * plain numeric order is count descending, then id ascending. A quickselect moves the `k`
 * smallest keys to the front in O(n), and a native `Float64Array` sort orders just those —
 * no comparator calls at all. `undefined` when a count is too large to pack.
 */
function selectPacked(
  cells: Uint32Array,
  counts: Float64Array,
  k: number,
  minCount: number,
  max: number,
): Int32Array | undefined {
  const n = cells.length;
  if (max >= PACKABLE_COUNT) return undefined;
  const keys = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (counts[i]! >= minCount) keys[m++] = (max - counts[i]!) * 4294967296 + cells[i]!;
  }
  const kept = Math.min(k, m);
  if (kept > 0 && kept < m) quickselect(keys, kept, m);
  const sorted = keys.subarray(0, kept).sort();
  const out = new Int32Array(kept);
  for (let j = 0; j < kept; j++) out[j] = lowerBound(cells, sorted[j]! % 4294967296);
  return out;
}

/** Rearranges `a[0..n)` so its `k` smallest values come first (Hoare partitioning, median of three). */
function quickselect(a: Float64Array, k: number, n: number): void {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as the pivot keeps sorted or clustered keys from going quadratic.
    const x = a[lo]!;
    const y = a[mid]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : Math.max(x, z)) : x < z ? x : Math.max(y, z);
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // Now a[lo..j] <= pivot <= a[i..hi]; keep only the side holding position k - 1.
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
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
