/**
 * The merge arithmetic every adapter shares: entries grouped per key, and a stored index plus
 * its writer marks folded with new parts. An adapter reads the current state however its
 * backend allows, calls {@link foldMerge}, and writes the result atomically (compare-and-swap,
 * a transaction, or a synchronous swap in memory). Keeping this in one place is what makes
 * "at most once per (key, writer, position)" mean the same thing on every backend.
 */
import { assertIndexKey, type GridIndex, type IndexKey, keyToString, mergeMany } from '@monkeytracker/grid';
import { StorageEntryError } from './errors';
import type { MergeEntry } from './storage-adapter';

/** One delta of a key in a merge call. */
export interface MergePart {
  delta: GridIndex;
  writer: string | undefined;
  position: number | undefined;
}

/** The entries of one merge call for one key, in position order per writer. */
export interface KeyMerge {
  /** `keyToString(key)`. */
  id: string;
  key: IndexKey;
  parts: MergePart[];
}

/** Per writer: the position of the last delta applied (`p`) and when (`at`, epoch ms) — the stored form. */
export type WriterMarks = Record<string, { p: number; at: number }>;

/** What {@link foldMerge} computed for one key. */
export interface FoldedMerge {
  index: GridIndex;
  marks: WriterMarks;
  /** Parts added into the index. */
  applied: number;
  /** Parts skipped because their position was already applied. */
  skipped: number;
  /** False when nothing changed: the adapter need not write. */
  changed: boolean;
}

const WRITER_RE = /^[A-Za-z0-9_-]{1,64}$/;

function checkPart(entry: MergeEntry): void {
  const { writer, position } = entry;
  if (writer === undefined && position === undefined) return;
  if (typeof writer !== 'string' || !WRITER_RE.test(writer)) {
    throw new StorageEntryError(
      `merge entry writer must match [A-Za-z0-9_-]{1,64} and come with a position, got ${JSON.stringify(writer)}`,
    );
  }
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 0) {
    throw new StorageEntryError(
      `merge entry position must be a non-negative safe integer with writer ${writer}, got ${String(position)}`,
    );
  }
}

/**
 * Validates every entry (throwing `INVALID_KEY` or `STORAGE_INVALID_ENTRY` before anything is
 * written), drops empty deltas, and groups the rest per key with each writer's parts in
 * position order. Every adapter's `merge` starts with this.
 */
export function groupEntries(entries: readonly MergeEntry[]): Map<string, KeyMerge> {
  const groups = new Map<string, KeyMerge>();
  for (const entry of entries) {
    assertIndexKey(entry.key);
    checkPart(entry);
    if (entry.delta.cells.length === 0) continue;
    const id = keyToString(entry.key);
    let group = groups.get(id);
    if (group === undefined) groups.set(id, (group = { id, key: { ...entry.key }, parts: [] }));
    group.parts.push({ delta: entry.delta, writer: entry.writer, position: entry.position });
  }
  for (const group of groups.values()) {
    if (group.parts.length > 1) group.parts.sort((a, b) => (a.position ?? -1) - (b.position ?? -1));
  }
  return groups;
}

/**
 * Folds `parts` into the stored state of one key: a part with a writer is added only when its
 * position is above that writer's stored mark, and the mark moves to the highest position
 * added; a part without a writer is always added. Parts of one call are all judged against the
 * mark stored before it, so pieces of one delta sent as several entries add up. Marks not
 * touched for `markTtlMs` are dropped, which bounds a document's size when writers come and go; a writer idle that long could then apply an old delta a second time.
 */
export function foldMerge(
  current: { index: GridIndex; marks: WriterMarks } | undefined,
  parts: readonly MergePart[],
  now: number,
  markTtlMs: number,
): FoldedMerge {
  // The marks kept (fresh enough), and the positions they stood at before this call.
  const marks: WriterMarks = {};
  const before = new Map<string, number>();
  let pruned = false;
  if (current) {
    for (const [writer, mark] of Object.entries(current.marks)) {
      if (now - mark.at > markTtlMs) pruned = true;
      else {
        marks[writer] = mark;
        before.set(writer, mark.p);
      }
    }
  }
  const added: GridIndex[] = current ? [current.index] : [];
  let applied = 0;
  let skipped = 0;
  for (const part of parts) {
    const writer = part.writer;
    if (writer !== undefined) {
      const position = part.position!;
      const stood = before.get(writer);
      if (stood !== undefined && position <= stood) {
        skipped++;
        continue;
      }
      marks[writer] = { p: Math.max(marks[writer]?.p ?? -1, position), at: now };
    }
    added.push(part.delta);
    applied++;
  }
  const index = applied === 0 && current ? current.index : mergeMany(added);
  return { index, marks, applied, skipped, changed: applied > 0 || pruned };
}

/** The positions of stored marks, as {@link StoredIndex.marks} shows them. */
export function markPositions(marks: WriterMarks): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [writer, mark] of Object.entries(marks)) out[writer] = mark.p;
  return out;
}

/** Default of `markTtlMs` in the adapters: 90 days. */
export const DEFAULT_MARK_TTL_MS = 90 * 86_400_000;
