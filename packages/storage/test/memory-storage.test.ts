import { type IndexKey, indexFromEntries, keyToString } from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';
import { storageContract } from '../src/contract';
import { DEFAULT_MEMORY_MAX_BYTES, MemoryStorage } from '../src/index';

// Writers of the concurrency test share the one instance: MemoryStorage lives in one process.
storageContract('MemoryStorage', async () => ({ storage: new MemoryStorage() }));

const key = (url: string): IndexKey => ({ site: 's', url, kind: 'click', bucket: 0, period: 'd:2024-01-01' });

describe('MemoryStorage', () => {
  it('is not durable: a tracker replays its journal into it', () => {
    expect(new MemoryStorage().capabilities).toEqual({ durable: false });
  });

  it('counts bytes as cells × 12 + key length × 2 + marks × 48', async () => {
    const storage = new MemoryStorage();
    const k = key('/a');
    const id = keyToString(k).length * 2;
    await storage.merge([
      {
        key: k,
        delta: indexFromEntries([
          [1, 1],
          [2, 5],
        ]),
      },
    ]);
    expect(storage.bytesUsed).toBe(2 * 12 + id);
    await storage.merge([
      {
        key: k,
        delta: indexFromEntries([
          [2, 1],
          [3, 1],
        ]),
        writer: 'w',
        position: 1,
      },
    ]);
    expect(storage.bytesUsed).toBe(3 * 12 + id + 48);
    await storage.delete({ url: '/a' });
    expect(storage.bytesUsed).toBe(0);
  });

  it('has a default byte budget of 1 GiB', () => {
    expect(new MemoryStorage().maxBytes).toBe(DEFAULT_MEMORY_MAX_BYTES);
    expect(DEFAULT_MEMORY_MAX_BYTES).toBe(2 ** 30);
  });

  it('rejects a merge over maxBytes whole, applying nothing', async () => {
    const k = key('/a');
    const perKey = 12 + keyToString(k).length * 2;
    const storage = new MemoryStorage({ maxBytes: perKey * 2 });
    await storage.merge([{ key: k, delta: indexFromEntries([[1, 1]]) }]);
    const over = [
      { key: key('/b'), delta: indexFromEntries([[1, 1]]) },
      { key: k, delta: indexFromEntries([[9, 1]]) },
    ];
    const err = await storage.merge(over).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_FULL', status: 507 });
    expect((err as Error).message).toMatch(/^\[monkeytracker\] \[storage\] .*maxBytes/);
    expect(storage.size).toBe(1);
    expect((await storage.get([k])).get(keyToString(k))!.index.total).toBe(1);
    // Adding into a stored cell costs nothing, so it still fits.
    await storage.merge([{ key: k, delta: indexFromEntries([[1, 4]]) }]);
    expect((await storage.get([k])).get(keyToString(k))!.index.total).toBe(5);
  });

  it('rejects a non-positive maxBytes', () => {
    expect(() => new MemoryStorage({ maxBytes: 0 })).toThrow(/maxBytes/);
  });

  it('drops the marks of writers idle past markTtlMs, and only those', async () => {
    let now = 1_000_000;
    const storage = new MemoryStorage({ markTtlMs: 1000, now: () => now });
    const k = key('/a');
    const delta = indexFromEntries([[1, 1]]);
    await storage.merge([{ key: k, delta, writer: 'gone', position: 5 }]);
    now += 600;
    await storage.merge([{ key: k, delta, writer: 'alive', position: 1 }]);
    now += 600; // 'gone' is 1,200 ms old, 'alive' 600
    await storage.merge([{ key: k, delta, writer: 'alive', position: 2 }]);
    const got = (await storage.get([k])).get(keyToString(k))!;
    expect(got.marks).toEqual({ alive: 2 });
    // What pruning gives up: the forgotten writer's old delta now applies a second time.
    expect((await storage.merge([{ key: k, delta, writer: 'gone', position: 5 }])).applied).toBe(1);
  });

  it('a get racing a multi-key merge sees all of its keys or none', async () => {
    const storage = new MemoryStorage();
    const keys = Array.from({ length: 20 }, (_, i) => key(`/k${i}`));
    const merges = Array.from({ length: 50 }, () =>
      storage.merge(keys.map((k) => ({ key: k, delta: indexFromEntries([[0, 1]]) }))),
    );
    const reads = Array.from({ length: 50 }, () => storage.get(keys));
    await Promise.all(merges);
    for (const got of await Promise.all(reads)) {
      const totals = new Set(keys.map((k) => got.get(keyToString(k))?.index.total ?? 0));
      expect(totals.size).toBe(1);
    }
  });
});
