import { indexByteLength } from '@monkeytracker/grid';
import type { StoredIndex } from '@monkeytracker/storage';

/** Rough bytes of a cached index beside its cells (objects, marks, the map entry). */
const ENTRY_OVERHEAD_BYTES = 256;

/**
 * Decoded stored indexes by `_id`, creation stamp and version, least recently used first out,
 * bounded in bytes (`indexByteLength`: ids, counts and element labels). A hit is valid only for the very
 * document and version the server reports, so the cache never answers with a stale index: `get`
 * reads the versions first.
 */
export class DecodedCache {
  readonly #entries = new Map<string, { stored: StoredIndex; created: number; bytes: number }>();
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
  take(id: string, created: number, version: number): StoredIndex | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    if (entry.stored.version !== version || entry.created !== created) {
      this.delete(id);
      return undefined;
    }
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return entry.stored;
  }

  /** Caches a freshly read index, evicting the least recently used past `maxBytes`. */
  put(id: string, created: number, stored: StoredIndex): void {
    const bytes = indexByteLength(stored.index) + id.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (bytes > this.maxBytes) return;
    this.delete(id);
    this.#entries.set(id, { stored, created, bytes });
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
