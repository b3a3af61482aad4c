import type { GridIndex, IndexKey } from '@monkeytracker/grid';
import { keyToString } from '@monkeytracker/grid';
import type { QueryPlan } from '@monkeytracker/query';
import type { StorageAdapter } from '@monkeytracker/storage';
import type { LiveCache, Series } from './live-cache';

/**
 * Reads the stored indexes of `keys` and the live deltas of `series` as one consistent state.
 *
 * A delta is counted from the live cache until storage confirms it, then from storage only.
 * The confirmation races with reads: a `get` that runs while a merge is in flight may or may not
 * see it. So the read waits until no merge of this series is in flight, notes the series' epoch,
 * takes the live snapshot, reads storage, and keeps the result only if the epoch did not move
 * (no merge started or settled meanwhile); otherwise it reads again. Merges are seconds apart,
 * so a retry is rare and a second one rarer.
 */
export async function readConsistent(
  storage: StorageAdapter,
  cache: LiveCache,
  series: Series | undefined,
  keys: readonly IndexKey[],
  plan: QueryPlan,
): Promise<{ stored: GridIndex[]; live: GridIndex[] }> {
  for (;;) {
    if (series !== undefined && series.inflight > 0) await series.idle();
    const epoch = series?.epoch;
    const live = series === undefined ? [] : cache.snapshot(series, plan);
    const found = await storage.get(keys);
    if (series === undefined || (series.epoch === epoch && series.inflight === 0)) {
      const stored: GridIndex[] = [];
      for (const key of keys) {
        const index = found.get(keyToString(key));
        if (index !== undefined) stored.push(index);
      }
      return { stored, live };
    }
  }
}
