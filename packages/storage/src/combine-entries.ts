import { assertIndexKey, type GridIndex, type IndexKey, keyToString, mergeMany } from '@monkeytracker/grid';
import type { StorageEntry } from './storage-adapter';

/** The entries of one merge call combined per key: one delta per canonical key string. */
export type CombinedEntries = Map<string, { key: IndexKey; delta: GridIndex }>;

/**
 * Validates every key (throwing the grid `InvalidKeyError` before anything is written), adds up
 * the deltas of entries with the same key, and drops empty deltas, which are no-ops. Every
 * adapter's `merge` starts with this so that the rules are the same everywhere.
 */
export function combineEntries(entries: readonly StorageEntry[]): CombinedEntries {
  const groups = new Map<string, { key: IndexKey; deltas: GridIndex[] }>();
  for (const entry of entries) {
    assertIndexKey(entry.key);
    const id = keyToString(entry.key);
    if (entry.delta.cells.length === 0) continue;
    const group = groups.get(id);
    if (group) group.deltas.push(entry.delta);
    else groups.set(id, { key: { ...entry.key }, deltas: [entry.delta] });
  }
  const out: CombinedEntries = new Map();
  for (const [id, { key, deltas }] of groups) out.set(id, { key, delta: mergeMany(deltas) });
  return out;
}
