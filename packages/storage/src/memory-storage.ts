import { type GridIndex, type IndexKey, keyToString, mergeIndexes } from '@monkeytracker/grid';
import { combineEntries } from './combine-entries';
import { StorageCapacityError, StorageClosedError } from './errors';
import { keyMatchesFilter, normalizeDeleteFilter, normalizeListFilter } from './list-filter';
import type {
  DeleteFilter,
  ListFilter,
  StorageAdapter,
  StorageCapabilities,
  StorageEntry,
  StoredIndex,
} from './storage-adapter';

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * Upper bound on {@link MemoryStorage.bytesUsed}; a merge that would pass it is rejected whole
   * with `StorageCapacityError` (code `'STORAGE_FULL'`). Default: unlimited.
   */
  maxBytes?: number;
}

/** Bytes charged for one stored index: 12 per cell (4-byte id + 8-byte count) + 2 per key char. */
function sizeOf(id: string, index: GridIndex): number {
  return index.cells.length * 12 + id.length * 2;
}

/**
 * The embedded default: indexes in a `Map` inside this process, lost on exit (the journal
 * replays them). Same guarantees as every adapter, plus `atomicMultiKeyMerge`: a merge call is
 * computed in full and then installed without yielding to the event loop, so a concurrent `get`
 * sees all of its keys or none. Not shared across processes.
 *
 * @example
 * ```ts
 * const storage = new MemoryStorage({ maxBytes: 256 * 2 ** 20 });
 * await storage.merge([{ key, delta }]);
 * const stored = await storage.get([key]); // Map { keyToString(key) => GridIndex }
 * ```
 */
export class MemoryStorage implements StorageAdapter {
  /** Atomic multi-key merges; one process only. */
  readonly capabilities: StorageCapabilities = { atomicMultiKeyMerge: true, sharedAcrossProcesses: false };
  readonly #maxBytes: number;
  #data = new Map<string, StoredIndex>();
  #bytes = 0;
  #closed = false;

  constructor(options: MemoryStorageOptions = {}) {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (!(maxBytes > 0)) {
      throw new RangeError('[monkeytracker] [storage] MemoryStorage maxBytes must be a positive number');
    }
    this.#maxBytes = maxBytes;
  }

  /** Bytes charged for the stored indexes: cells × 12 + key string length × 2, summed. */
  get bytesUsed(): number {
    return this.#bytes;
  }

  /** Number of stored keys. */
  get size(): number {
    return this.#data.size;
  }

  #assertOpen(op: string): void {
    if (this.#closed) {
      throw new StorageClosedError(`MemoryStorage.${op}() called after close(); create a new MemoryStorage`);
    }
  }

  /** See {@link StorageAdapter.merge}. All keys of the call are installed at once or not at all. */
  async merge(entries: readonly StorageEntry[]): Promise<void> {
    this.#assertOpen('merge');
    // Read, compute and write with no await in between: nothing else can run on this map meanwhile.
    const combined = combineEntries(entries);
    const updates: [string, StoredIndex, number][] = [];
    let bytes = this.#bytes;
    for (const [id, { key, delta }] of combined) {
      const current = this.#data.get(id);
      const index = current ? mergeIndexes(current.index, delta) : delta;
      const size = sizeOf(id, index);
      bytes += size - (current ? sizeOf(id, current.index) : 0);
      updates.push([id, { key: current?.key ?? key, index }, size]);
    }
    if (bytes > this.#maxBytes) {
      throw new StorageCapacityError(
        `merge of ${combined.size} key(s) would use ${bytes} bytes, over maxBytes ${this.#maxBytes}; nothing was applied. Raise maxBytes, delete old periods, or use a persistent adapter`,
        { progress: { appliedKeys: [], pendingKeys: [...combined.keys()], unknownKeys: [] } },
      );
    }
    for (const [id, stored] of updates) this.#data.set(id, stored);
    this.#bytes = bytes;
  }

  /** See {@link StorageAdapter.get}. Returns the stored (immutable) index objects, not copies. */
  async get(keys: readonly IndexKey[]): Promise<Map<string, GridIndex>> {
    this.#assertOpen('get');
    const out = new Map<string, GridIndex>();
    for (const key of keys) {
      const id = keyToString(key);
      const stored = this.#data.get(id);
      if (stored) out.set(id, stored.index);
    }
    return out;
  }

  /** See {@link StorageAdapter.list}. Iterates a snapshot taken when iteration starts. */
  list(filter?: ListFilter): AsyncIterable<IndexKey> {
    // Validate now, so a bad filter fails at the call, not at the first next().
    const normalized = normalizeListFilter(filter);
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        self.#assertOpen('list');
        const snapshot = [...self.#data.values()];
        for (const { key } of snapshot) {
          if (keyMatchesFilter(key, normalized)) yield { ...key };
        }
      },
    };
  }

  /** See {@link StorageAdapter.delete}. */
  async delete(filter: DeleteFilter): Promise<number> {
    this.#assertOpen('delete');
    const normalized = normalizeDeleteFilter(filter);
    let removed = 0;
    for (const [id, { key, index }] of this.#data) {
      if (!keyMatchesFilter(key, normalized)) continue;
      this.#data.delete(id);
      this.#bytes -= sizeOf(id, index);
      removed++;
    }
    return removed;
  }

  /** See {@link StorageAdapter.close}. Drops the data; idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#data = new Map();
    this.#bytes = 0;
  }
}
