import { type GridIndex, type IndexKey, keyToString, mergeMany } from '@monkeytracker/grid';
import { type MergeEntry, type StorageAdapter, StorageUnavailableError } from '@monkeytracker/storage';
import { type DayEntry, entryKeys, type LiveCache, type PendingDelta } from '../live/live-cache';
import type { PipelineEvent } from '../pipeline-events';
import { withDeadline } from './deadline';

/** What the scheduler counts, for stats. */
export interface MergeCounters {
  /** `storage.merge` calls that succeeded. */
  merges: number;
  /** `storage.merge` calls that failed (each is retried). */
  mergeErrors: number;
  /** Deltas storage reported as already applied (a retry after an unknown outcome, or a recovery). */
  skipped: number;
  lastError: Error | undefined;
  /** How long the last successful merge call took, in ms. */
  lastMergeMs: number;
}

/** One storage key in a merge cycle: the pending deltas that go into it, by position. */
interface KeyWork {
  key: IndexKey;
  /** position → the parts at that position (several days of a month share a cut). */
  /** `bit`: the key's bit in {@link PendingDelta.applied}. */
  byPosition: Map<number, { delta: GridIndex; pending: PendingDelta; bit: number }[]>;
  entries: Set<DayEntry>;
}

/**
 * Moves pending deltas into storage, one cycle at a time: every unconfirmed key of every pending
 * delta (its day, block and month keys) goes into `storage.merge` calls of at most `maxKeys`
 * keys, each delta with this writer's id and its cut position. A success confirms the call's
 * keys; a failure confirms nothing and the next cycle sends the same again — safe, because
 * storage applies a (key, writer, position) at most once. So an unknown outcome (a connection
 * that broke mid-write) is retried, never counted as applied, never lost.
 */
export class MergeScheduler {
  readonly counters: MergeCounters = {
    merges: 0,
    mergeErrors: 0,
    skipped: 0,
    lastError: undefined,
    lastMergeMs: 0,
  };
  #running: Promise<boolean> | undefined;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly cache: LiveCache,
    private readonly writer: string,
    private readonly maxKeys: number,
    private readonly timeoutMs: number,
    private readonly onError: (error: Error) => void,
    private readonly onEvent: (event: PipelineEvent) => void,
  ) {}

  /**
   * Runs one cycle over everything pending now (after a running cycle, never beside it: a key's
   * deltas must reach storage in position order). Resolves `true` when every pending delta was
   * confirmed, `false` when some merge failed.
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
      const keys = entryKeys(entry);
      for (const pending of entry.pending) {
        for (let i = 0; i < keys.length; i++) {
          if ((pending.applied & (1 << i)) === 0) add(work, keys[i]!, entry, pending, 1 << i);
        }
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

  async #mergeChunk(chunk: KeyWork[]): Promise<boolean> {
    const entries: MergeEntry[] = [];
    for (const w of chunk) {
      for (const [position, parts] of w.byPosition) {
        const delta = parts.length === 1 ? parts[0]!.delta : mergeMany(parts.map((p) => p.delta));
        entries.push({ key: w.key, delta, writer: this.writer, position });
      }
    }
    const started = performance.now();
    try {
      const report = await withDeadline(
        this.storage.merge(entries),
        this.timeoutMs,
        () =>
          new StorageUnavailableError(
            `storage.merge of ${entries.length} entries did not answer within ${this.timeoutMs} ms (cache.mergeTimeoutMs); it is retried`,
          ),
      );
      this.counters.merges++;
      this.counters.skipped += report.skipped;
      this.counters.lastMergeMs = performance.now() - started;
      this.onEvent({ type: 'merge', ms: this.counters.lastMergeMs, entries: entries.length, ok: true });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.counters.mergeErrors++;
      this.counters.lastError = error;
      const code = (error as { code?: unknown }).code;
      this.onEvent({
        type: 'merge',
        ms: performance.now() - started,
        entries: entries.length,
        ok: false,
        code: typeof code === 'string' ? code : error.name,
      });
      this.onError(error);
      return false;
    }
    for (const w of chunk) {
      for (const parts of w.byPosition.values()) {
        for (const part of parts) part.pending.applied |= part.bit;
      }
    }
    for (const w of chunk) for (const entry of w.entries) this.cache.settle(entry);
    return true;
  }
}

function add(
  work: Map<string, KeyWork>,
  key: IndexKey,
  entry: DayEntry,
  pending: PendingDelta,
  bit: number,
): void {
  const id = keyToString(key);
  let w = work.get(id);
  if (w === undefined) work.set(id, (w = { key, byPosition: new Map(), entries: new Set() }));
  let parts = w.byPosition.get(pending.position);
  if (parts === undefined) w.byPosition.set(pending.position, (parts = []));
  parts.push({ delta: pending.delta, pending, bit });
  w.entries.add(entry);
}
