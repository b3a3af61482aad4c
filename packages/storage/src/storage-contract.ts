import {
  ElementBuilder,
  encodeIndex,
  type GridIndex,
  type IndexKey,
  indexesEqual,
  indexFromEntries,
  isElementIndex,
  keyToString,
  mergeIndexes,
  type Period,
} from '@monkeytracker/grid';
import { seededRandom } from '@monkeytracker/test-kit';
import { describe, expect, it } from 'vitest';
import type { ListFilter, MergeEntry, StorageAdapter, StoredIndex } from './storage-adapter';

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

/** A key with defaults; tests override the fields they care about. */
function key(over: Partial<IndexKey> = {}): IndexKey {
  return { site: 'contract', url: '/page', kind: 'click', bucket: 1, period: 'd:2024-03-05', ...over };
}

/** An index of `cells` random cells below `range` with counts 1–`maxCount`. */
function randomIndex(seed: number, cells: number, range = 1 << 20, maxCount = 9): GridIndex {
  const next = seededRandom(seed);
  const pairs: [number, number][] = [];
  for (let i = 0; i < cells; i++) pairs.push([Math.floor(next() * range), 1 + Math.floor(next() * maxCount)]);
  return indexFromEntries(pairs);
}

/** An element index of a few clicks on each of `selectors`, at seeded offsets and boxes. */
function elementIndex(seed: number, selectors: readonly string[]): GridIndex {
  const next = seededRandom(seed);
  const b = new ElementBuilder();
  for (const selector of selectors) {
    for (let i = 1 + Math.floor(next() * 5); i > 0; i--) {
      const r = () => Math.floor(next() * 1000);
      b.addClick(selector, r(), r(), r() * 3, r() * 9, r(), r());
    }
  }
  return b.toIndex();
}

async function collect(iterable: () => AsyncIterable<{ key: IndexKey }>): Promise<string[]> {
  const out: string[] = [];
  for await (const { key } of iterable()) out.push(keyToString(key));
  return out.sort();
}

function expectSameIndex(actual: StoredIndex | undefined, expected: GridIndex, what: string): void {
  expect(actual, `${what}: missing`).toBeDefined();
  expect(actual!.index.total, `${what}: total`).toBe(expected.total);
  expect(indexesEqual(actual!.index, expected), `${what}: cells differ`).toBe(true);
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

    it('element indexes (labels and box sums) merge, round-trip and list by their kind', () =>
      withStorage(async ({ storage }) => {
        const k = key({ kind: 'el:click' });
        const a = elementIndex(7, ['#buy', '[data-mt="nav"]>a:nth-of-type(2)', 'body>main>p']);
        const b = elementIndex(8, ['#buy', '#signup']);
        await storage.merge([{ key: k, delta: a, writer: 'w', position: 1 }]);
        await storage.merge([{ key: k, delta: b, writer: 'w', position: 2 }]);
        await storage.merge([{ key: k, delta: b, writer: 'w', position: 2 }]);
        await storage.merge([{ key: key(), delta: randomIndex(9, 20) }]);
        const got = (await storage.get([k])).get(keyToString(k));
        expectSameIndex(got, mergeIndexes(a, b), 'element a + b');
        expect(isElementIndex(got!.index)).toBe(true);
        expect(await collect(() => storage.list({ kind: 'el:click' }))).toEqual([keyToString(k)]);
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
        const entries: MergeEntry[] = [];
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
      // 2 sites × 2 urls × 2 kinds × 2 buckets × 6 periods (2 days, 2 blocks, 2 months) = 96 keys.
      const periods: Period[] = [
        'd:2024-02-28',
        'd:2024-03-01',
        'b3:2024-02-29',
        'b9:2024-02-29',
        'm:2024-02',
        'm:2024-03',
      ];
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
        ['granularity block3', { granularity: 'block3' }, (k) => k.period.startsWith('b3:')],
        ['granularity block9', { granularity: 'block9' }, (k) => k.period.startsWith('b9:')],
        // A 3-day block bound selects 3-day blocks only: b9 keys sort after every b3 key.
        ['periodFrom (3-day block)', { periodFrom: 'b3:2024-02-29' }, (k) => k.period === 'b3:2024-02-29'],
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
          expect(got.get(keyToString(k))?.index.total, k.url).toBe(i + 1);
        });
        expect(await collect(() => storage.list())).toEqual(keys.map(keyToString).sort());
        const totals = new Map<string, number>();
        for await (const { key: k, total } of storage.list()) totals.set(keyToString(k), total);
        keys.forEach((k, i) => {
          expect(totals.get(keyToString(k)), `list total of ${k.url}`).toBe(i + 1);
        });
        for (const k of keys) {
          expect(await collect(() => storage.list({ site: k.site, url: k.url })), k.url).toEqual([
            keyToString(k),
          ]);
        }
        expect(await storage.delete({ url: urls[3]! })).toBe(1);
        expect(await storage.delete({ site: 'pipe|site%' })).toBe(1);
        expect(await collect(() => storage.list())).toHaveLength(keys.length - 2);
      }));

    describe('exactly once per (key, writer, position)', () => {
      it('the same delta sent twice is applied once; get shows the mark and a new version', () =>
        withStorage(async ({ storage }) => {
          const k = key();
          const delta = randomIndex(20, 50, 2000);
          expect(await storage.merge([{ key: k, delta, writer: 'w1', position: 10 }])).toEqual({
            applied: 1,
            skipped: 0,
          });
          const first = (await storage.get([k])).get(keyToString(k))!;
          expect(first.marks).toEqual({ w1: 10 });
          expect(await storage.merge([{ key: k, delta, writer: 'w1', position: 10 }])).toEqual({
            applied: 0,
            skipped: 1,
          });
          const again = (await storage.get([k])).get(keyToString(k))!;
          expectSameIndex(again, delta, 'after the re-send');
          expect(again.version).toBe(first.version);
          await storage.merge([{ key: k, delta, writer: 'w1', position: 11 }]);
          const third = (await storage.get([k])).get(keyToString(k))!;
          expect(third.version).not.toBe(first.version);
          expect(third.marks).toEqual({ w1: 11 });
          expectSameIndex(third, mergeIndexes(delta, delta), 'after position 11');
        }));

      it('list shows the same marks and totals as get', () =>
        withStorage(async ({ storage }) => {
          const k = key();
          const plain = key({ url: '/plain' });
          await storage.merge([
            { key: k, delta: randomIndex(23, 10, 300), writer: 'w1', position: 7 },
            { key: k, delta: randomIndex(24, 10, 300), writer: 'w2', position: 3 },
            { key: plain, delta: randomIndex(25, 10, 300) },
          ]);
          const got = await storage.get([k, plain]);
          const listed = new Map<string, { total: number; marks: Readonly<Record<string, number>> }>();
          for await (const entry of storage.list()) listed.set(keyToString(entry.key), entry);
          for (const id of [keyToString(k), keyToString(plain)]) {
            expect(listed.get(id)?.marks, id).toEqual(got.get(id)!.marks);
            expect(listed.get(id)?.total, id).toBe(got.get(id)!.index.total);
          }
          expect(listed.get(keyToString(k))?.marks).toEqual({ w1: 7, w2: 3 });
          expect(listed.get(keyToString(plain))?.marks).toEqual({});
        }));

      it('a position at or below the mark is skipped, out of order or not', () =>
        withStorage(async ({ storage }) => {
          const k = key();
          const a = randomIndex(21, 20, 500);
          const b = randomIndex(22, 20, 500);
          await storage.merge([{ key: k, delta: a, writer: 'w1', position: 100 }]);
          expect((await storage.merge([{ key: k, delta: b, writer: 'w1', position: 40 }])).skipped).toBe(1);
          expect((await storage.merge([{ key: k, delta: b, writer: 'w1', position: 100 }])).skipped).toBe(1);
          expectSameIndex((await storage.get([k])).get(keyToString(k)), a, 'only position 100');
        }));

      it('two writers interleaved each keep their own mark', () =>
        withStorage(async ({ storage }) => {
          const k = key();
          const deltas = Array.from({ length: 6 }, (_, i) => randomIndex(30 + i, 10, 300));
          let expected = indexFromEntries([]);
          for (let i = 0; i < 6; i++) {
            const writer = i % 2 === 0 ? 'alpha' : 'beta';
            // beta's positions run below alpha's: marks are per writer, not global.
            const position = writer === 'alpha' ? 1000 + i : 10 + i;
            await storage.merge([{ key: k, delta: deltas[i]!, writer, position }]);
            await storage.merge([{ key: k, delta: deltas[i]!, writer, position }]);
            expected = mergeIndexes(expected, deltas[i]!);
          }
          const got = (await storage.get([k])).get(keyToString(k))!;
          expectSameIndex(got, expected, 'both writers');
          expect(got.marks).toEqual({ alpha: 1004, beta: 15 });
        }));

      it('one call with several positions of a key applies exactly those above the mark', () =>
        withStorage(async ({ storage }) => {
          const k = key();
          const other = key({ period: 'm:2024-03' });
          const [a, b, c] = [randomIndex(40, 10, 300), randomIndex(41, 10, 300), randomIndex(42, 10, 300)];
          await storage.merge([{ key: k, delta: a, writer: 'w', position: 5 }]);
          // A retry of 5 together with the new 7 and 9, given out of order, plus an unrelated key.
          const report = await storage.merge([
            { key: k, delta: c, writer: 'w', position: 9 },
            { key: other, delta: a, writer: 'w', position: 9 },
            { key: k, delta: a, writer: 'w', position: 5 },
            { key: k, delta: b, writer: 'w', position: 7 },
          ]);
          expect(report).toEqual({ applied: 3, skipped: 1 });
          const got = await storage.get([k, other]);
          expectSameIndex(got.get(keyToString(k)), mergeIndexes(mergeIndexes(a, b), c), 'a + b + c');
          expect(got.get(keyToString(k))!.marks).toEqual({ w: 9 });
          expectSameIndex(got.get(keyToString(other)), a, 'the other key');
        }));

      it('entries of one call with the same key and position are pieces of one delta and add up', () =>
        withStorage(async ({ storage }) => {
          const month = key({ period: 'm:2024-03' });
          const [d1, d2] = [randomIndex(60, 10, 300), randomIndex(61, 10, 300)];
          // The days of one month cut at position 8, merged into the month key in one call.
          const call: MergeEntry[] = [
            { key: month, delta: d1, writer: 'w', position: 8 },
            { key: month, delta: d2, writer: 'w', position: 8 },
          ];
          expect(await storage.merge(call)).toEqual({ applied: 2, skipped: 0 });
          expect(await storage.merge(call)).toEqual({ applied: 0, skipped: 2 });
          expectSameIndex(
            (await storage.get([month])).get(keyToString(month)),
            mergeIndexes(d1, d2),
            'd1 + d2',
          );
        }));

      it('entries without a writer always add; malformed writers or positions reject the call', () =>
        withStorage(async ({ storage }) => {
          const k = key();
          const a = randomIndex(50, 10, 300);
          await storage.merge([{ key: k, delta: a }]);
          await storage.merge([{ key: k, delta: a }]);
          expectSameIndex((await storage.get([k])).get(keyToString(k)), mergeIndexes(a, a), 'twice');
          const bad: MergeEntry[] = [
            { key: k, delta: a, writer: 'w' },
            { key: k, delta: a, position: 3 },
            { key: k, delta: a, writer: 'has.dot', position: 1 },
            { key: k, delta: a, writer: '$x', position: 1 },
            { key: k, delta: a, writer: 'w', position: -1 },
            { key: k, delta: a, writer: 'w', position: 1.5 },
          ];
          for (const entry of bad) {
            await expect(
              storage.merge([{ key: key({ url: '/other' }), delta: a }, entry]),
              JSON.stringify(entry),
            ).rejects.toMatchObject({
              code: 'STORAGE_INVALID_ENTRY',
            });
          }
          expect((await storage.get([key({ url: '/other' })])).size).toBe(0);
        }));

      it(
        `${writers} writers × hot key, re-sending random earlier deltas: exact totals`,
        () =>
          withStorage(async ({ storage, connect }) => {
            const hot = key({ url: '/hot-once' });
            const cold = Array.from({ length: 10 }, (_, i) => key({ url: `/cold-once/${i}` }));
            const steps = Math.max(10, Math.floor(mergesPerWriter / 4));
            const adapters: StorageAdapter[] = [];
            for (let w = 0; w < writers; w++) adapters.push(connect ? await connect() : storage);
            const expected = new Map<string, GridIndex>();
            const add = (k: IndexKey, d: GridIndex) => {
              const id = keyToString(k);
              expected.set(id, mergeIndexes(expected.get(id) ?? indexFromEntries([]), d));
            };
            try {
              await Promise.all(
                adapters.map(async (adapter, w) => {
                  const next = seededRandom(900 + w);
                  const sent: MergeEntry[] = [];
                  for (let i = 0; i < steps; i++) {
                    const fresh: MergeEntry[] = [
                      {
                        key: hot,
                        delta: indexFromEntries([
                          [1000, 1],
                          [w, 1],
                        ]),
                        writer: `w${w}`,
                        position: i + 1,
                      },
                      {
                        key: cold[(i + w) % cold.length]!,
                        delta: indexFromEntries([[i % 7, 1]]),
                        writer: `w${w}`,
                        position: i + 1,
                      },
                    ];
                    for (const e of fresh) add(e.key, e.delta);
                    // A retry after an unknown outcome: the new entries plus random old ones.
                    const resend = sent.filter(() => next() < 0.1);
                    sent.push(...fresh);
                    await adapter.merge([...fresh, ...resend]);
                    if (next() < 0.3) await adapter.merge(fresh);
                  }
                }),
              );
              const got = await storage.get([hot, ...cold]);
              for (const [id, index] of expected) expectSameIndex(got.get(id), index, id);
              expect(got.get(keyToString(hot))!.index.total).toBe(writers * steps * 2);
            } finally {
              for (const adapter of new Set(adapters)) if (adapter !== storage) await adapter.close();
            }
          }),
        slow,
      );
    });

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
              const calls: MergeEntry[][] = [];
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
            expect(got.get(keyToString(hot))!.index.total).toBe(writers * mergesPerWriter * 3);
          } finally {
            for (const adapter of new Set(adapters)) if (adapter !== storage) await adapter.close();
          }
        }),
      slow,
    );
  });
}
