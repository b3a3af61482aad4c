import type { GridIndex, IndexKey, IndexKind, Period } from '@monkeytracker/grid';

/**
 * One delta to add into the stored index of `key`.
 *
 * With `writer` and `position` the merge is idempotent: the stored index keeps, per writer, the
 * position of the last delta it applied (its mark), written in the same atomic step as the
 * counts, and a delta is applied only when its position is above that mark. A retried, re-sent
 * or replayed delta is then a no-op. Without them the delta is always added.
 */
export interface MergeEntry {
  key: IndexKey;
  delta: GridIndex;
  /** A stable id of the sender (`[A-Za-z0-9_-]{1,64}`), e.g. the tracker's journal writer id. */
  writer?: string;
  /**
   * Where this delta ends in the writer's journal (a non-negative safe integer). A writer's
   * deltas for one key must carry increasing positions, each delta holding every event of that
   * key since the previous one.
   */
  position?: number;
}

/** A stored index with what the idempotency and caching layers need. */
export interface StoredIndex {
  index: GridIndex;
  /** Per writer id: the position of the last delta applied. */
  marks: Readonly<Record<string, number>>;
  /** Moves whenever the index changes (1 on creation); equal versions mean equal indexes. */
  version: number;
}

/** A key found by {@link StorageAdapter.list}, with its total and marks (no blob decoded). */
export interface ListedIndex {
  key: IndexKey;
  /** The sum of the index's counts. */
  total: number;
  /**
   * Per writer id, the position of the last delta applied (as {@link StoredIndex.marks}), read
   * with the total: a page list adds a tracker's live deltas above its mark, never twice.
   */
  marks: Readonly<Record<string, number>>;
}

/** What a merge did: entries applied, and entries skipped because their position was already applied. */
export interface MergeReport {
  applied: number;
  skipped: number;
}

/**
 * Selects keys for {@link StorageAdapter.list} and {@link StorageAdapter.delete}. Every field
 * given must match (AND); absent fields match anything.
 *
 * Periods: `periodFrom` and `periodTo` are inclusive bounds in period form (`d:YYYY-MM-DD`,
 * `m:YYYY-MM`, or a block `b3:YYYY-MM-DD` / `b9:YYYY-MM-DD`). A bound also selects its
 * granularity: `periodFrom: 'd:2024-03-01'` matches day keys only, never month or block keys. Within one granularity periods compare as plain strings, which
 * is calendar order because dates are zero-padded. Both bounds and `granularity` must agree on
 * the granularity. To select both granularities over a date range, make two calls.
 */
export interface ListFilter {
  site?: string;
  url?: string;
  kind?: IndexKind;
  bucket?: number;
  /** Inclusive lower bound, e.g. `'d:2024-03-01'` or `'m:2024-01'`. */
  periodFrom?: Period | string;
  /** Inclusive upper bound, e.g. `'d:2024-03-31'` or `'m:2024-12'`. */
  periodTo?: Period | string;
  /** Day keys (`d:`), 3- or 9-day block keys (`b3:`, `b9:`) or month keys (`m:`) only. */
  granularity?: 'day' | 'block3' | 'block9' | 'month';
}

/**
 * The filter of {@link StorageAdapter.delete}: a non-empty {@link ListFilter}, or exactly
 * `{ all: true }` to remove every key. An empty filter is rejected so that a bug that drops a
 * filter cannot wipe the store.
 */
export type DeleteFilter = ListFilter | { all: true };

/** What an adapter promises beyond the contract; absent flags mean `false`. */
export interface StorageCapabilities {
  /**
   * Indexes outlive the process (a database, not memory). A tracker on durable storage recovers
   * only the part of its journal that storage has not confirmed; on other storage it replays
   * the whole journal at start.
   */
  durable?: boolean;
}

/**
 * Where grid indexes live. Every adapter must pass the contract suite in
 * `@monkeytracker/storage/contract`.
 *
 * Guarantees every adapter gives:
 * - **Per-key atomic, exactly-once merges.** The delta of one key is added entirely or not at
 *   all, at most once per (key, writer, position), and concurrent merges into the same key, from
 *   this or any other connection, never lose or double a count.
 * - **Safe retries.** When `merge` rejects, some keys may be applied and others not; sending the
 *   same entries again (with writer and position) applies exactly what is missing.
 * - **Reads see whole merges.** A `get` concurrent with a merge returns, for each key, the index
 *   and marks either before or after that merge, never a mix.
 * - **Lifecycle.** `close()` is idempotent; every operation started after it rejects with
 *   code `'STORAGE_CLOSED'`.
 */
export interface StorageAdapter {
  /** What this adapter promises beyond the contract. */
  readonly capabilities?: StorageCapabilities;

  /**
   * Adds each delta into the stored index of its key, creating the index if absent. Entries with
   * the same key in one call add up (each judged against its writer's mark on its own, in
   * position order); empty deltas are no-ops. Invalid keys or entries reject the whole call
   * before anything is written. Resolves with how many entries were applied and skipped.
   */
  merge(entries: readonly MergeEntry[]): Promise<MergeReport>;

  /**
   * The stored indexes of `keys`, keyed by `keyToString(key)`. Missing keys are absent from the
   * map (never an empty index). The returned indexes are immutable: do not write to their arrays.
   */
  get(keys: readonly IndexKey[]): Promise<Map<string, StoredIndex>>;

  /**
   * Every stored key matching `filter` (all keys when absent), each once with its total, in no
   * particular order. Keys merged or deleted while the iteration runs may or may not appear.
   */
  list(filter?: ListFilter): AsyncIterable<ListedIndex>;

  /** Removes every key matching `filter` and resolves with how many were removed (see {@link DeleteFilter}). */
  delete(filter: DeleteFilter): Promise<number>;

  /**
   * Optional: connects and prepares now (e.g. creates indexes) instead of on first use, and
   * rejects with `STORAGE_UNAVAILABLE` when the database cannot be reached — the tracker's
   * `checkStorage` start-up check calls it. Adapters without a connection need not implement it.
   */
  ready?(): Promise<void>;

  /** Releases resources. Idempotent; afterwards every operation rejects with `'STORAGE_CLOSED'`. */
  close(): Promise<void>;
}
