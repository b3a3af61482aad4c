import { keyToString } from '@monkeytracker/grid';
import {
  MemoryStorage,
  type MergeEntry,
  type StorageAdapter,
  StorageUnavailableError,
} from '@monkeytracker/storage';
import { seededRandom } from '@monkeytracker/test-kit';

/**
 * A storage that delays every merge and get, fails a fifth of the merges outright, applies a
 * random part of another fifth before failing, and applies a further tenth in full before
 * failing (an unknown outcome: the connection broke after the write) — so merges settle while
 * queries read, in every order, and retries re-send what storage already holds.
 */
export class FlakyStorage implements StorageAdapter {
  readonly inner = new MemoryStorage();
  failures = 0;
  partial = 0;
  unknown = 0;
  readonly #random: () => number;

  constructor(seed = 17) {
    this.#random = seededRandom(seed);
  }

  #delay(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.floor(this.#random() * 4)));
  }

  async merge(entries: readonly MergeEntry[]) {
    await this.#delay();
    const r = this.#random();
    if (r < 0.2) {
      this.failures++;
      throw new StorageUnavailableError('injected failure');
    }
    if (r < 0.4) {
      this.partial++;
      // Per-key atomic, as every adapter is: a random half of the keys, each with all its entries.
      const keys = new Map<string, boolean>();
      for (const e of entries) {
        const id = keyToString(e.key);
        if (!keys.has(id)) keys.set(id, this.#random() < 0.5);
      }
      await this.inner.merge(entries.filter((e) => keys.get(keyToString(e.key))));
      await this.#delay();
      throw new StorageUnavailableError('injected partial failure');
    }
    if (r < 0.5) {
      this.unknown++;
      await this.inner.merge(entries);
      throw new StorageUnavailableError('injected failure after the write');
    }
    const report = await this.inner.merge(entries);
    await this.#delay();
    return report;
  }

  async get(keys: Parameters<StorageAdapter['get']>[0]) {
    await this.#delay();
    const result = await this.inner.get(keys);
    await this.#delay();
    return result;
  }

  list(filter?: Parameters<StorageAdapter['list']>[0]) {
    return this.inner.list(filter);
  }

  delete(filter: Parameters<StorageAdapter['delete']>[0]) {
    return this.inner.delete(filter);
  }

  async close() {}
}
