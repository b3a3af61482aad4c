import {
  encodeIndex,
  type GridIndex,
  type IndexKey,
  indexesEqual,
  indexFromEntries,
  keyToString,
  mergeIndexes,
  type Period,
} from '@monkeytracker/grid';
import { describe, expect, it } from 'vitest';
import type { ListFilter, StorageAdapter, StorageEntry } from './storage-adapter';

/** What the factory of {@link storageContract} returns for each test: a fresh, empty store. */
export interface ContractFixture {
  /** An open adapter on empty data. */
  storage: StorageAdapter;
  /**
   * Opens another adapter on the same data over its own connection, for the concurrency test.
   * Absent: the writers share `storage` (right for in-process adapters such as MemoryStorage).
   * The suite closes every adapter it opened this way.
   */
  connect?: () => Promise<StorageAdapter>;
  /** Closes `storage` (it may already be closed) and removes the test data. Default: `storage.close()`. */
  cleanup?: () => Promise<void>;
}

/** Options of {@link storageContract}. */
export interface StorageContractOptions {
  /** Skip the whole suite (e.g. no server available); it still shows up as skipped. */
  skip?: boolean;
  /** Writers of the concurrency test. Default 8. */
  writers?: number;
  /** Merge calls per writer in the concurrency test. Default 200. */
  mergesPerWriter?: number;
  /** Cold keys the concurrency writers spread over. Default 50. */
  coldKeys?: number;
  /** Timeout of the concurrency test and the 1 MB test, in ms. Default 60,000. */
  slowTestTimeout?: number;
}

/** A small seeded PRNG (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A key with defaults; tests override the fields they care about. */
function key(over: Partial<IndexKey> = {}): IndexKey {
  return { site: 'contract', url: '/page', kind: 'click', bucket: 1, period: 'd:2024-03-05', ...over };
}

/** An index of `cells` random cells below `range` with counts 1–`maxCount`. */
function randomIndex(seed: number, cells: number, range = 1 << 20, maxCount = 9): GridIndex {
  const next = random(seed);
  const pairs: [number, number][] = [];
  for (let i = 0; i < cells; i++) pairs.push([Math.floor(next() * range), 1 + Math.floor(next() * maxCount)]);
  return indexFromEntries(pairs);
}

async function collect(iterable: () => AsyncIterable<IndexKey>): Promise<string[]> {
  const out: string[] = [];
  for await (const k of iterable()) out.push(keyToString(k));
  return out.sort();
}

function expectSameIndex(actual: GridIndex | undefined, expected: GridIndex, what: string): void {
  expect(actual, `${what}: missing`).toBeDefined();
  expect(actual!.total, `${what}: total`).toBe(expected.total);
  expect(indexesEqual(actual!, expected), `${what}: cells differ`).toBe(true);
}

/**
 * Registers the storage contract tests (vitest `describe`/`it`) for one adapter. An adapter is
 * done when it passes all of them, concurrency included. Call it at the top level of a test file:
 *
 * ```ts
 * import { storageContract } from '@monkeytracker/storage/contract';
 * storageContract('MyStorage', async () => ({ storage: new MyStorage(), cleanup: async () => {} }));
 * ```
 *
 * `factory` runs once per test and must return an open adapter on EMPTY data (e.g. a fresh
 * collection). Errors are checked by `err.code`, never by `instanceof`, so adapters in other
 * packages (and other bundles of this one) pass.
 */
export function storageContract(
  name: string,
  factory: () => Promise<ContractFixture>,
  options: StorageContractOptions = {},
): void {
  const writers = options.writers ?? 8;
  const mergesPerWriter = options.mergesPerWriter ?? 200;
  const coldKeys = options.coldKeys ?? 50;
  const slow = options.slowTestTimeout ?? 60_000;

  async function withStorage(fn: (fixture: ContractFixture) => Promise<void>): Promise<void> {
    const fixture = await factory();
    try {
      await fn(fixture);
    } finally {
      await (fixture.cleanup ? fixture.cleanup() : fixture.storage.close());
    }
  }

  describe.skipIf(options.skip === true)(`storage contract: ${name}`, () => {
    it('round trip: get returns exactly what merge stored', () =>
      withStorage(async ({ storage }) => {
        const k = key();
        const delta = randomIndex(1, 300, 5000);
        await storage.merge([{ key: k, delta }]);
        const got = await storage.get([k]);
        expect([...got.keys()]).toEqual([keyToString(k)]);
        expectSameIndex(got.get(keyToString(k)), delta, 'stored index');
      }));

    it('get leaves out missing keys; get([]) is an empty map', () =>
      withStorage(async ({ storage }) => {
        const present = key({ url: '/present' });
        await storage.merge([{ key: present, delta: randomIndex(2, 10) }]);
        const got = await storage.get([key({ url: '/absent' }), present, key({ period: 'm:2024-03' })]);
        expect([...got.keys()]).toEqual([keyToString(present)]);
        expect((await storage.get([])).size).toBe(0);
      }));

    it('merge creates an index when absent, then adds into it', () =>
      withStorage(async ({ storage }) => {
        const k = key();
        const a = randomIndex(3, 200, 3000);
        const b = randomIndex(4, 200, 3000);
        await storage.merge([{ key: k, delta: a }]);
        await storage.merge([{ key: k, delta: b }]);
        expectSameIndex((await storage.get([k])).get(keyToString(k)), mergeIndexes(a, b), 'a + b');
      }));

    it('entries with the same key in one call add up; empty deltas create nothing', () =>
      withStorage(async ({ storage }) => {
        const k = key();
        const empty = key({ url: '/empty' });
        const a = randomIndex(5, 50, 500);
        const b = randomIndex(6, 50, 500);
        await storage.merge([
          { key: k, delta: a },
          { key: empty, delta: indexFromEntries([]) },
          { key: { ...k }, delta: b },
        ]);
        await storage.merge([]);
        const got = await storage.get([k, empty]);
        expect(got.has(keyToString(empty))).toBe(false);
        expectSameIndex(got.get(keyToString(k)), mergeIndexes(a, b), 'a + b in one call');
      }));

    it('an invalid key rejects the whole merge and stores nothing', () =>
      withStorage(async ({ storage }) => {
        const good = key();
        const bad = { ...key(), period: '2024-03-05' } as unknown as IndexKey;
        await expect(
          storage.merge([
            { key: good, delta: randomIndex(7, 5) },
            { key: bad, delta: randomIndex(8, 5) },
          ]),
        ).rejects.toMatchObject({ code: 'INVALID_KEY' });
        expect((await storage.get([good])).size).toBe(0);
      }));

    it('merges many keys in one call', () =>
      withStorage(async ({ storage }) => {
        const entries: StorageEntry[] = [];
        for (let i = 0; i < 120; i++) {
          entries.push({
            key: key({ url: `/many/${i}`, bucket: i % 3 }),
            delta: randomIndex(100 + i, 40, 4000),
          });
        }
        await storage.merge(entries);
        await storage.merge(entries.slice(0, 60));
        const got = await storage.get(entries.map((e) => e.key));
        expect(got.size).toBe(120);
        entries.forEach((e, i) => {
          const expected = i < 60 ? mergeIndexes(e.delta, e.delta) : e.delta;
          expectSameIndex(got.get(keyToString(e.key)), expected, `key ${i}`);
        });
      }));

    it(
      'stores a 1 MB+ index and merges into it',
      () =>
        withStorage(async ({ storage }) => {
          const k = key({ url: '/big' });
          const big = randomIndex(9, 300_000, 1 << 24, 1000);
          expect(encodeIndex(big).length).toBeGreaterThan(2 ** 20);
          await storage.merge([{ key: k, delta: big }]);
          expectSameIndex((await storage.get([k])).get(keyToString(k)), big, 'big');
          const small = randomIndex(10, 1000, 1 << 24);
          await storage.merge([{ key: k, delta: small }]);
          expectSameIndex(
            (await storage.get([k])).get(keyToString(k)),
            mergeIndexes(big, small),
            'big + small',
          );
        }),
      slow,
    );

    describe('list and delete', () => {
      // 2 sites × 2 urls × 2 kinds × 2 buckets × 4 periods (2 days, 2 months) = 64 keys.
      const periods: Period[] = ['d:2024-02-28', 'd:2024-03-01', 'm:2024-02', 'm:2024-03'];
      const all: IndexKey[] = [];
      for (const site of ['s1', 's2'])
        for (const url of ['/a', '/b'])
          for (const kind of ['click', 'scroll'] as const)
            for (const bucket of [0, 2])
              for (const period of periods) all.push({ site, url, kind, bucket, period });
      const seed = (storage: StorageAdapter) =>
        storage.merge(all.map((k, i) => ({ key: k, delta: indexFromEntries([[i, 1]]) })));
      const ids = (pred: (k: IndexKey) => boolean) => all.filter(pred).map(keyToString).sort();

      const cases: [string, ListFilter, (k: IndexKey) => boolean][] = [
        ['no filter', {}, () => true],
        ['site', { site: 's2' }, (k) => k.site === 's2'],
        ['url', { url: '/b' }, (k) => k.url === '/b'],
        ['kind', { kind: 'scroll' }, (k) => k.kind === 'scroll'],
        ['bucket', { bucket: 2 }, (k) => k.bucket === 2],
        ['granularity day', { granularity: 'day' }, (k) => k.period.startsWith('d:')],
        ['granularity month', { granularity: 'month' }, (k) => k.period.startsWith('m:')],
        ['periodFrom (day, inclusive)', { periodFrom: 'd:2024-03-01' }, (k) => k.period === 'd:2024-03-01'],
        ['periodTo (month, inclusive)', { periodTo: 'm:2024-02' }, (k) => k.period === 'm:2024-02'],
        [
          'period range + site + kind',
          { site: 's1', kind: 'click', periodFrom: 'd:2024-01-01', periodTo: 'd:2024-12-31' },
          (k) => k.site === 's1' && k.kind === 'click' && k.period.startsWith('d:'),
        ],
        ['matching nothing', { site: 'nope' }, () => false],
      ];

      it('list yields each matching key once, for every filter field', () =>
        withStorage(async ({ storage }) => {
          await seed(storage);
          for (const [label, filter, pred] of cases) {
            expect(await collect(() => storage.list(filter)), label).toEqual(ids(pred));
          }
          expect(await collect(() => storage.list()), 'list()').toEqual(ids(() => true));
        }));

      it('list rejects malformed filters with STORAGE_INVALID_FILTER', () =>
        withStorage(async ({ storage }) => {
          const bad: unknown[] = [
            { periodFrom: 'd:2024-03-01', periodTo: 'm:2024-03' },
            { periodFrom: '2024-03-01' },
            { granularity: 'week' },
            { granularity: 'day', periodTo: 'm:2024-03' },
            { bucket: -1 },
            { colour: 'red' },
          ];
          for (const filter of bad) {
            await expect(
              collect(() => storage.list(filter as ListFilter)),
              JSON.stringify(filter),
            ).rejects.toMatchObject({ code: 'STORAGE_INVALID_FILTER' });
          }
        }));

      it('delete removes exactly the matching keys and returns how many', () =>
        withStorage(async ({ storage }) => {
          await seed(storage);
          const filter: ListFilter = { site: 's1', granularity: 'day', periodTo: 'd:2024-02-28' };
          const pred = (k: IndexKey) => k.site === 's1' && k.period === 'd:2024-02-28';
          expect(await storage.delete(filter)).toBe(ids(pred).length);
          expect(await collect(() => storage.list())).toEqual(ids((k) => !pred(k)));
          expect(await storage.delete(filter)).toBe(0);
          const gone = all.find(pred)!;
          expect((await storage.get([gone])).size).toBe(0);
        }));

      it('delete refuses an empty filter; { all: true } removes everything', () =>
        withStorage(async ({ storage }) => {
          await seed(storage);
          await expect(storage.delete({})).rejects.toMatchObject({ code: 'STORAGE_INVALID_FILTER' });
          await expect(storage.delete({ all: true, site: 's1' } as never)).rejects.toMatchObject({
            code: 'STORAGE_INVALID_FILTER',
          });
          expect(await collect(() => storage.list())).toHaveLength(all.length);
          expect(await storage.delete({ all: true })).toBe(all.length);
          expect(await collect(() => storage.list())).toEqual([]);
        }));
    });

    it('keys with odd urls and sites round-trip, list and delete', () =>
      withStorage(async ({ storage }) => {
        const urls = [
          '/ünïcødé/页面/😀',
          '/quotes/"double"/\'single\'/`back`',
          '/dots/a.b.c/../..',
          '/$dollar/$where/$gt',
          '/pipes|and%25percent|',
          '/\\back\\slash',
          '/null\u0001char',
          `/long/${'x'.repeat(4000)}`,
        ];
        const sites = ['site.with.dots', '$site', 'pipe|site%'];
        const keys: IndexKey[] = [];
        for (const url of urls) keys.push(key({ url }));
        for (const site of sites) keys.push(key({ site, url: '/$x.y' }));
        await storage.merge(keys.map((k, i) => ({ key: k, delta: indexFromEntries([[i, i + 1]]) })));
        const got = await storage.get(keys);
        expect(got.size).toBe(keys.length);
        keys.forEach((k, i) => {
          expect(got.get(keyToString(k))?.total, k.url).toBe(i + 1);
        });
        expect(await collect(() => storage.list())).toEqual(keys.map(keyToString).sort());
        for (const k of keys) {
          expect(await collect(() => storage.list({ site: k.site, url: k.url })), k.url).toEqual([
            keyToString(k),
          ]);
        }
        expect(await storage.delete({ url: urls[3]! })).toBe(1);
        expect(await storage.delete({ site: 'pipe|site%' })).toBe(1);
        expect(await collect(() => storage.list())).toHaveLength(keys.length - 2);
      }));

    it('close() twice resolves', () =>
      withStorage(async ({ storage }) => {
        await storage.close();
        await storage.close();
      }));

    it('every operation after close() rejects with STORAGE_CLOSED', () =>
      withStorage(async ({ storage }) => {
        const k = key();
        await storage.merge([{ key: k, delta: randomIndex(11, 5) }]);
        await storage.close();
        const closed = { code: 'STORAGE_CLOSED' };
        await expect(storage.merge([{ key: k, delta: randomIndex(12, 5) }])).rejects.toMatchObject(closed);
        await expect(storage.get([k])).rejects.toMatchObject(closed);
        await expect(collect(() => storage.list())).rejects.toMatchObject(closed);
        await expect(storage.delete({ all: true })).rejects.toMatchObject(closed);
      }));

    it(
      `${writers} writers × ${mergesPerWriter} merges into one hot key + ${coldKeys} cold keys lose nothing`,
      () =>
        withStorage(async ({ storage, connect }) => {
          const hot = key({ url: '/hot' });
          const cold = Array.from({ length: coldKeys }, (_, i) => key({ url: `/cold/${i}` }));
          // The expected result, counted naively: cell → count per key string.
          const expected = new Map<string, Map<number, number>>();
          const count = (k: IndexKey, cell: number, n: number) => {
            const id = keyToString(k);
            const cells = expected.get(id) ?? new Map<number, number>();
            cells.set(cell, (cells.get(cell) ?? 0) + n);
            expected.set(id, cells);
          };
          const adapters: StorageAdapter[] = [];
          for (let w = 0; w < writers; w++) adapters.push(connect ? await connect() : storage);
          try {
            const plans = adapters.map((_, w) => {
              const calls: StorageEntry[][] = [];
              for (let i = 0; i < mergesPerWriter; i++) {
                // Writers at the same step touch different cold keys; only the hot key is contended by all.
                const c = cold[(i + w * 7) % coldKeys]!;
                // Every writer hits the same hot cells (1000) plus its own (w), and one cold key.
                calls.push([
                  {
                    key: hot,
                    delta: indexFromEntries([
                      [1000, 2],
                      [w, 1],
                    ]),
                  },
                  { key: c, delta: indexFromEntries([[i % 5, 1]]) },
                ]);
                count(hot, 1000, 2);
                count(hot, w, 1);
                count(c, i % 5, 1);
              }
              return calls;
            });
            await Promise.all(
              adapters.map(async (adapter, w) => {
                for (const call of plans[w]!) await adapter.merge(call);
              }),
            );
            const got = await storage.get([hot, ...cold]);
            for (const [id, cells] of expected) {
              expectSameIndex(got.get(id), indexFromEntries(cells), id);
            }
            expect(got.get(keyToString(hot))!.total).toBe(writers * mergesPerWriter * 3);
          } finally {
            for (const adapter of new Set(adapters)) if (adapter !== storage) await adapter.close();
          }
        }),
      slow,
    );
  });
}
