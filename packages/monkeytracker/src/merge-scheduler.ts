import { type GridIndex, type IndexKey, keyToString, mergeMany } from '@monkeytracker/grid';
import type { StorageAdapter, StorageEntry } from '@monkeytracker/storage';
import { type DayEntry, entryKeys, type LiveCache, type PendingDelta, type Series } from './live-cache';

/** What the scheduler reports for stats. */
export interface MergeCounters {
  /** `storage.merge` calls that succeeded. */
  merges: number;
  /** `storage.merge` calls that failed (each is retried). */
  mergeErrors: number;
  /** Keys whose merge was in flight when storage failed: counted as applied (at most that delta is lost). */
  unknownKeys: number;
  lastError: Error | undefined;
}

/** One storage key in a merge call and the pending deltas that contribute to it. */
interface KeyWork {
  /** The key's canonical string (as `progress.appliedKeys` names it). */
  id: string;
  entry: StorageEntry;
  parts: { pending: PendingDelta; which: 'day' | 'month' }[];
  series: Series;
  entries: Set<DayEntry>;
}

/**
 * Moves pending deltas into storage, one merge cycle at a time: every unconfirmed key of every
 * pending delta (its day key and its month key) goes into `storage.merge` calls of at most
 * `maxKeys` keys. Success confirms the keys; a failure confirms the keys the adapter reports as
 * applied and leaves the rest pending for the next cycle, so a retry never double counts.
 */
export class MergeScheduler {
  readonly counters: MergeCounters = { merges: 0, mergeErrors: 0, unknownKeys: 0, lastError: undefined };
  #running: Promise<boolean> | undefined;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly cache: LiveCache,
    private readonly maxKeys: number,
    private readonly onError: (error: Error) => void,
  ) {}

  /** True while a cycle runs. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  /**
   * Runs one cycle over everything pending now (waiting for a running cycle first). Resolves
   * `true` when every pending delta was confirmed, `false` when some merge failed.
   */
  async run(): Promise<boolean> {
    while (this.#running) await this.#running;
    const cycle = this.#cycle();
    this.#running = cycle;
    try {
      return await cycle;
    } finally {
      this.#running = undefined;
    }
  }

  async #cycle(): Promise<boolean> {
    const work = new Map<string, KeyWork>();
    for (const entry of this.cache.pendingEntries()) {
      const { dayKey, monthKey } = entryKeys(entry);
      const dayId = keyToString(dayKey);
      const monthId = keyToString(monthKey);
      for (const pending of entry.pending) {
        if (!pending.dayApplied) this.#add(work, dayId, dayKey, entry, pending, 'day');
        if (!pending.monthApplied) this.#add(work, monthId, monthKey, entry, pending, 'month');
      }
    }
    if (work.size === 0) return true;
    let ok = true;
    const all = [...work.values()];
    for (let start = 0; start < all.length; start += this.maxKeys) {
      if (!(await this.#mergeChunk(all.slice(start, start + this.maxKeys)))) ok = false;
    }
    return ok;
  }

  #add(
    work: Map<string, KeyWork>,
    id: string,
    key: IndexKey,
    entry: DayEntry,
    pending: PendingDelta,
    which: 'day' | 'month',
  ) {
    let w = work.get(id);
    if (w === undefined) {
      w = { id, entry: { key, delta: pending.delta }, parts: [], series: entry.series, entries: new Set() };
      work.set(id, w);
    }
    w.parts.push({ pending, which });
    w.entries.add(entry);
  }

  async #mergeChunk(chunk: KeyWork[]): Promise<boolean> {
    const entries: StorageEntry[] = chunk.map((w) =>
      w.parts.length === 1
        ? w.entry
        : { key: w.entry.key, delta: mergeMany(w.parts.map((p) => p.pending.delta) as GridIndex[]) },
    );
    const series = new Set(chunk.map((w) => w.series));
    for (const s of series) s.begin();
    let confirmed: (w: KeyWork) => boolean = () => true;
    let ok = true;
    try {
      await this.storage.merge(entries);
      this.counters.merges++;
    } catch (err) {
      ok = false;
      const error = err instanceof Error ? err : new Error(String(err));
      this.counters.mergeErrors++;
      this.counters.lastError = error;
      const progress = (
        error as { progress?: { appliedKeys: readonly string[]; unknownKeys?: readonly string[] } }
      ).progress;
      const applied = new Set(progress?.appliedKeys ?? []);
      // A write in flight when the backend failed may or may not be stored. Counting it as applied
      // can lose that one delta; merging it again could count it twice. Loss is the bounded,
      // reported failure (stats().unknownKeys), double counting a silent one.
      for (const id of progress?.unknownKeys ?? []) {
        applied.add(id);
        this.counters.unknownKeys++;
      }
      confirmed = (w) => applied.has(w.id);
      this.onError(error);
    } finally {
      for (const w of chunk) {
        if (!confirmed(w)) continue;
        for (const part of w.parts) {
          if (part.which === 'day') part.pending.dayApplied = true;
          else part.pending.monthApplied = true;
        }
      }
      for (const w of chunk) for (const entry of w.entries) this.cache.settle(entry);
      for (const s of series) s.end();
    }
    return ok;
  }
}
