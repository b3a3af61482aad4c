import type { EventKind, GridIndex, IndexKey, Period } from '@monkeytracker/grid';

/** One delta to add into the stored index of `key`. */
export interface StorageEntry {
  key: IndexKey;
  delta: GridIndex;
}

/** A stored index with its key. */
export interface StoredIndex {
  key: IndexKey;
  index: GridIndex;
}

/**
 * Selects keys for {@link StorageAdapter.list} and {@link StorageAdapter.delete}. Every field
 * given must match (AND); absent fields match anything.
 *
 * Periods: `periodFrom` and `periodTo` are inclusive bounds in period form (`d:YYYY-MM-DD` or
 * `m:YYYY-MM`). A bound also selects its granularity: `periodFrom: 'd:2024-03-01'` matches day
 * keys only, never month keys. Within one granularity periods compare as plain strings, which
 * is calendar order because dates are zero-padded. Both bounds and `granularity` must agree on
 * the granularity. To select both granularities over a date range, make two calls.
 */
export interface ListFilter {
  site?: string;
  url?: string;
  kind?: EventKind;
  bucket?: number;
  /** Inclusive lower bound, e.g. `'d:2024-03-01'` or `'m:2024-01'`. */
  periodFrom?: Period | string;
  /** Inclusive upper bound, e.g. `'d:2024-03-31'` or `'m:2024-12'`. */
  periodTo?: Period | string;
  /** Day keys (`d:`) or month keys (`m:`) only. */
  granularity?: 'day' | 'month';
}

/**
 * The filter of {@link StorageAdapter.delete}: a non-empty {@link ListFilter}, or exactly
 * `{ all: true }` to remove every key. An empty filter is rejected so that a bug that drops a
 * filter cannot wipe the store.
 */
export type DeleteFilter = ListFilter | { all: true };

/**
 * What an adapter can promise beyond the contract. Every capability is a boolean that defaults
 * to `false` when absent, so adding a capability never breaks an older adapter.
 */
export interface StorageCapabilities {
  /**
   * A whole `merge` call becomes visible at once (all keys or none). Without it each key is
   * atomic on its own and a failed merge reports which keys were applied (see `MergeProgress`).
   */
  atomicMultiKeyMerge?: boolean;
  /** Several processes can use the same data at once and merges from all of them add up. */
  sharedAcrossProcesses?: boolean;
}

/**
 * Where grid indexes live. Every adapter must pass the contract suite in
 * `@monkeytracker/storage/contract`.
 *
 * Guarantees every adapter gives:
 * - **Per-key atomic merge.** The delta of one key is added entirely or not at all, and
 *   concurrent merges into the same key, from this or any other connection, never lose or
 *   double a count (compare-and-swap on a version, retried, or an equivalent scheme).
 * - **No double counting on failure.** When `merge` rejects, the error's `progress`
 *   (`appliedKeys` / `pendingKeys` / `unknownKeys`) says which keys were stored; retrying
 *   exactly `pendingKeys` is safe. Adapters with `atomicMultiKeyMerge` never apply part of a call.
 * - **Reads see whole merges.** A `get` concurrent with a merge returns, for each key, the index
 *   either before or after that merge's delta, never a mix of cells. Across keys of one merge a
 *   `get` may see some keys updated and others not, unless `atomicMultiKeyMerge` is set.
 * - **Lifecycle.** `close()` is idempotent; every operation started after it rejects with
 *   code `'STORAGE_CLOSED'`.
 */
export interface StorageAdapter {
  /** What this adapter promises beyond the contract; absent flags mean `false`. */
  readonly capabilities?: StorageCapabilities;

  /**
   * Adds each delta into the stored index of its key, creating the index if absent. Entries with
   * the same key in one call add up; empty deltas are no-ops (they create nothing). Invalid keys
   * reject the whole call before anything is written.
   */
  merge(entries: readonly StorageEntry[]): Promise<void>;

  /**
   * The stored indexes of `keys`, keyed by `keyToString(key)`. Missing keys are absent from the
   * map (never an empty index). The returned indexes are immutable: do not write to their arrays.
   */
  get(keys: readonly IndexKey[]): Promise<Map<string, GridIndex>>;

  /**
   * Every stored key matching `filter` (all keys when absent), each once, in no particular
   * order. Keys merged or deleted while the iteration runs may or may not appear.
   */
  list(filter?: ListFilter): AsyncIterable<IndexKey>;

  /** Removes every key matching `filter` and resolves with how many were removed (see {@link DeleteFilter}). */
  delete(filter: DeleteFilter): Promise<number>;

  /** Releases resources. Idempotent; afterwards every operation rejects with `'STORAGE_CLOSED'`. */
  close(): Promise<void>;
}
