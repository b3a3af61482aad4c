import { keyToString } from '@monkeytracker/grid';
import { type StorageEntry, StorageUnavailableError } from '@monkeytracker/storage';
import { MemoryStorage, type StorageAdapter } from 'monkeytracker';
import { describe, expect, it } from 'vitest';
import { runScenario } from './e2e-scenario';
import { seeded } from './ground-truth';

/**
 * A storage that delays every merge and get, fails a fifth of the merges outright, and applies
 * a random part of another fifth before failing (reporting which keys it applied, as the
 * contract requires) — so merges settle while queries read, in every order.
 */
class FlakyStorage implements StorageAdapter {
  readonly inner = new MemoryStorage();
  failures = 0;
  partial = 0;
  readonly #random = seeded(17);

  #delay(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.floor(this.#random() * 4)));
  }

  async merge(entries: readonly StorageEntry[]): Promise<void> {
    await this.#delay();
    const r = this.#random();
    if (r < 0.2) {
      this.failures++;
      const pendingKeys = entries.map((e) => keyToString(e.key));
      throw new StorageUnavailableError('injected failure', {
        progress: { appliedKeys: [], pendingKeys, unknownKeys: [] },
      });
    }
    if (r < 0.4) {
      this.partial++;
      const applied = entries.filter(() => this.#random() < 0.5);
      await this.inner.merge(applied);
      await this.#delay();
      const appliedKeys = applied.map((e) => keyToString(e.key));
      const pendingKeys = entries.filter((e) => !applied.includes(e)).map((e) => keyToString(e.key));
      throw new StorageUnavailableError('injected partial failure', {
        progress: { appliedKeys, pendingKeys, unknownKeys: [] },
      });
    }
    await this.inner.merge(entries);
    await this.#delay();
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

describe('tracker against a storage that delays and fails merges', () => {
  it('never counts a delta twice or misses one while merges settle around queries', {
    timeout: 300_000,
  }, async () => {
    const storage = new FlakyStorage();
    await runScenario({ events: 200_000, storage: () => storage, queries: 300 });
    expect(storage.failures).toBeGreaterThan(5);
    expect(storage.partial).toBeGreaterThan(5);
  });
});
