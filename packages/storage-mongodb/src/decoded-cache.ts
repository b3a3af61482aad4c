import { indexByteLength } from '@monkeytracker/grid';
import type { StoredIndex } from '@monkeytracker/storage';

/** Rough bytes of a cached index beside its cells (objects, marks, the map entry). */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Decoded stored indexes by `_id`, creation stamp and version, least recently used first out,
 * bounded in bytes (`indexByteLength`: ids, counts and element labels). A hit is valid only for
 * the very document and version the server reports, or while its page stamp still reads the
 * settled epoch the entry was validated under (see `page-stamps.ts`), so the cache never answers
 * with a stale index.
 */
export class DecodedCache {
  readonly #entries = new Map<
    string,
    { stored: StoredIndex; created: number; bytes: number; stamp: string | undefined }
  >();
  #bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** Bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether any of `ids` is cached (any version): then reading versions first can pay off. */
  hasAny(ids: readonly string[]): boolean {
    if (this.#entries.size === 0) return false;
    for (const id of ids) if (this.#entries.has(id)) return true;
    return false;
  }

  /**
   * The cached index of `id` if it is the document created at `created` (its `c`) and at
   * `version` (and marks it recently used).
   */
  take(id: string, created: number, version: number, stamp: string | undefined): StoredIndex | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.stored.version !== version || entry.created !== created) {
      this.delete(id);
      return undefined;
    }
    entry.stamp = stamp;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.stored;
  }

  /**
   * The cached index of `id` if it was validated while its page read settled at the epoch
   * `stamp` (the caller has just read the page, still settled at that epoch), and marks it
   * recently used. A miss keeps the entry: its version may still be current.
   */
  takeStamped(id: string, stamp: string): StoredIndex | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.stamp !== stamp) return undefined;
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.stored;
  }

  /**
   * Caches a freshly read index, evicting the least recently used past `maxBytes`. `stamp`: the
   * settled epoch its page read before the index was read, if the page was settled.
   */
  put(id: string, created: number, stored: StoredIndex, stamp: string | undefined): void {
    const bytes = indexByteLength(stored.index) + id.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    this.delete(id);
    this.#entries.set(id, { stored, created, bytes, stamp });
    this.#bytes += bytes;
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(oldest);
      this.#bytes -= entry.bytes;
    }
  }

  delete(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    this.#entries.delete(id);
    this.#bytes -= entry.bytes;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }
}
