import { type GridIndex, type IndexKey, indexByteLength, keyToString } from '@monkeytracker/grid';
import { StorageCapacityError, StorageClosedError } from './errors';
import { DEFAULT_MARK_TTL_MS, foldMerge, groupEntries, markPositions, type WriterMarks } from './fold-merge';
import { keyMatchesFilter, normalizeDeleteFilter, normalizeListFilter } from './list-filter';
import type {
  DeleteFilter,
  ListedIndex,
  ListFilter,
  MergeEntry,
  MergeReport,
  StorageAdapter,
  StorageCapabilities,
  StoredIndex,
} from './storage-adapter';

/** Options of {@link MemoryStorage}. */
export interface MemoryStorageOptions {
  /**
   * Upper bound on {@link MemoryStorage.bytesUsed}; a merge that would pass it is rejected whole
   * with `StorageCapacityError` (code `'STORAGE_FULL'`). Default 1 GiB: a bound on what clients
   * can make a process hold, far above what a busy site needs (about 12 bytes per stored cell).
   */
  maxBytes?: number;
  /** Writer marks not touched for this long are dropped (see `foldMerge`). Default 90 days. */
  markTtlMs?: number;
  /** The clock of mark ages. Default `Date.now`. */
  now?: () => number;
}

/** One stored key. */
interface Entry {
  key: IndexKey;
  index: GridIndex;
  marks: WriterMarks;
  version: number;
  bytes: number;
}

/** Default of {@link MemoryStorageOptions.maxBytes}. */
export const DEFAULT_MEMORY_MAX_BYTES = 2 ** 30;

/** Bytes charged for one stored index: its `indexByteLength` (12 per cell, element labels), 2 per key char, 48 per mark. */
function sizeOf(id: string, index: GridIndex, marks: WriterMarks): number {
  return indexByteLength(index) + id.length * 2 + Object.keys(marks).length * 48;
}

/**
 * The embedded default: indexes in a `Map` inside this process, lost on exit (the journal
 * replays them). Same guarantees as every adapter; a merge call is also atomic across its keys,
 * because it is computed in full and installed without yielding to the event loop. Not shared
 * across processes.
 *
 * @example
 * ```ts
 * const storage = new MemoryStorage({ maxBytes: 256 * 2 ** 20 });
 * await storage.merge([{ key, delta, writer: 'w1', position: 10 }]);
 * await storage.merge([{ key, delta, writer: 'w1', position: 10 }]); // { applied: 0, skipped: 1 }
 * const stored = await storage.get([key]); // Map { keyToString(key) => { index, marks: { w1: 10 }, version: 1 } }
 * ```
 */
export class MemoryStorage implements StorageAdapter {
  /** Memory is not durable: a tracker replays its whole journal into it at start. */
  readonly capabilities: StorageCapabilities = { durable: false };
  readonly #maxBytes: number;
  readonly #markTtlMs: number;
  readonly #now: () => number;
  #data = new Map<string, Entry>();
  #bytes = 0;
  #closed = false;

  constructor(options: MemoryStorageOptions = {}) {
    const maxBytes = options.maxBytes ?? DEFAULT_MEMORY_MAX_BYTES;
    if (!(maxBytes > 0)) {
      throw new StorageCapacityError(`MemoryStorage maxBytes must be a positive number, got ${maxBytes}`);
    }
    this.#maxBytes = maxBytes;
    this.#markTtlMs = options.markTtlMs ?? DEFAULT_MARK_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes charged for the stored indexes: cells × 12 + key string length × 2 + marks × 48, summed. */
  get bytesUsed(): number {
    return this.#bytes;
  }

  /** The byte budget (`maxBytes`). */
  get maxBytes(): number {
    return this.#maxBytes;
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
  async merge(entries: readonly MergeEntry[]): Promise<MergeReport> {
    this.#assertOpen('merge');
    // Read, compute and write with no await in between: nothing else can run on this map meanwhile.
    const groups = groupEntries(entries);
    const now = this.#now();
    const updates: [string, Entry][] = [];
    let bytes = this.#bytes;
    let applied = 0;
    let skipped = 0;
    for (const { id, key, parts } of groups.values()) {
      const current = this.#data.get(id);
      const folded = foldMerge(current, parts, now, this.#markTtlMs);
      applied += folded.applied;
      skipped += folded.skipped;
      if (!folded.changed) continue;
      const size = sizeOf(id, folded.index, folded.marks);
      bytes += size - (current?.bytes ?? 0);
      updates.push([
        id,
        {
          key: current?.key ?? key,
          index: folded.index,
          marks: folded.marks,
          version: (current?.version ?? 0) + 1,
          bytes: size,
        },
      ]);
    }
    if (bytes > this.#maxBytes) {
      throw new StorageCapacityError(
        `merge of ${groups.size} key(s) would use ${bytes} bytes, over maxBytes ${this.#maxBytes}; nothing was applied. Raise maxBytes, delete old periods, or use a persistent adapter`,
      );
    }
    for (const [id, entry] of updates) this.#data.set(id, entry);
    this.#bytes = bytes;
    return { applied, skipped };
  }

  /** See {@link StorageAdapter.get}. Returns the stored (immutable) index objects, not copies. */
  async get(keys: readonly IndexKey[]): Promise<Map<string, StoredIndex>> {
    this.#assertOpen('get');
    const out = new Map<string, StoredIndex>();
    for (const key of keys) {
      const id = keyToString(key);
      const stored = this.#data.get(id);
      if (stored)
        out.set(id, { index: stored.index, marks: markPositions(stored.marks), version: stored.version });
    }
    return out;
  }

  /** See {@link StorageAdapter.list}. Iterates a snapshot taken when iteration starts. */
  list(filter?: ListFilter): AsyncIterable<ListedIndex> {
    // Validate now, so a bad filter fails at the call, not at the first next().
    const normalized = normalizeListFilter(filter);
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        self.#assertOpen('list');
        const snapshot = [...self.#data.values()];
        for (const { key, index, marks } of snapshot) {
          if (keyMatchesFilter(key, normalized))
            yield { key: { ...key }, total: index.total, marks: markPositions(marks) };
        }
      },
    };
  }

  /** See {@link StorageAdapter.delete}. */
  async delete(filter: DeleteFilter): Promise<number> {
    this.#assertOpen('delete');
    const normalized = normalizeDeleteFilter(filter);
    let removed = 0;
    for (const [id, entry] of this.#data) {
      if (!keyMatchesFilter(entry.key, normalized)) continue;
      this.#data.delete(id);
      this.#bytes -= entry.bytes;
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
