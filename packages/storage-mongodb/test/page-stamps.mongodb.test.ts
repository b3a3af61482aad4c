import { type IndexKey, indexFromEntries, keyToString } from '@monkeytracker/grid';
import { seededRandom } from '@monkeytracker/test-kit';
import { type Collection, MongoClient, MongoNetworkError } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { MongoStorage } from '../src/index';
import { adminClient, closeAdmin, DB, freshCollection, uri } from './mongo-fixture';

afterAll(closeAdmin);

const day = (d: number, url = '/stamped'): IndexKey => ({
  site: 'stamps',
  url,
  kind: 'click',
  bucket: 1,
  period: `d:2024-06-${String(d).padStart(2, '0')}`,
});
const one = (cell = 1, n = 1) => indexFromEntries([[cell, n]]);
const STAMP = 'the page stamp';

/**
 * The index collection of a writer that dies the moment its first index write has landed: every
 * page-stamp operation after that fails as a broken connection would, whatever order the writer
 * uses. `beforeIndexWrite` runs just before that write is sent (other writers and readers act).
 */
function diesAfterIndexWrite(collection: Collection, beforeIndexWrite?: () => Promise<void>): Collection {
  let indexWritten = false;
  const STAMP_OPS = new Set(['insertMany', 'updateOne', 'deleteMany', 'deleteOne']);
  const stamps = (target: Collection) =>
    new Proxy(target, {
      get(t, prop, receiver) {
        const value = Reflect.get(t, prop, receiver);
        if (typeof prop !== 'string' || !STAMP_OPS.has(prop)) return value;
        return (...args: unknown[]) =>
          indexWritten
            ? Promise.reject(new MongoNetworkError('connection reset (injected: the writer died)'))
            : (value as (...a: unknown[]) => Promise<unknown>).apply(t, args);
      },
    });
  const db = new Proxy(collection.db, {
    get(target, prop, receiver) {
      if (prop !== 'collection') return Reflect.get(target, prop, receiver);
      return (name: string) => stamps(target.collection(name));
    },
  });
  return new Proxy(collection, {
    get(target, prop, receiver) {
      if (prop === 'db') return db;
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'updateOne' && prop !== 'insertMany') return value;
      return async (...args: unknown[]) => {
        // The claims' insert is not the index write yet; the conditional update or a first insert is.
        const first = (args[0] as { _id?: unknown }[] | undefined)?.[0];
        const isClaims = prop === 'insertMany' && String(first?._id).startsWith('claim|');
        if (!isClaims && !indexWritten) await beforeIndexWrite?.();
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        if (!isClaims) indexWritten = true;
        return result;
      };
    },
  });
}

/** How many open markers (writes in progress) the page stamps of `storage` hold. */
const openMarkers = (storage: MongoStorage) =>
  storage.stampCollection.countDocuments({ page: { $exists: true } });

describe.skipIf(uri === '')('MongoStorage page stamps', () => {
  it('a writer that dies the moment its index write lands leaves readers on the per-key path — fresh, never stale — until a reader repairs the page after staleClaimMs', async () => {
    const name = freshCollection();
    const raw = adminClient().db(DB).collection(name);
    const client = new MongoClient(uri, { monitorCommands: true });
    const reader = new MongoStorage({ client, db: DB, collection: name, staleClaimMs: 300 });
    const healthy = new MongoStorage({ uri, db: DB, collection: name });
    const dying = new MongoStorage({ collection: diesAfterIndexWrite(raw) });
    const keys = [day(1), day(2), day(3)];
    await healthy.merge(keys.map((k) => ({ key: k, delta: one() })));
    const finds: string[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'find') finds.push(String(e.command.find).endsWith('.stamps') ? STAMP : 'index');
    });
    const totals = async () => {
      finds.length = 0;
      const got = await reader.get(keys);
      return keys.map((k) => got.get(keyToString(k))?.index.total ?? 0);
    };
    expect(await totals()).toEqual([1, 1, 1]);
    expect(await totals()).toEqual([1, 1, 1]);
    expect(finds).toEqual([STAMP]); // warm: one stamp read

    // The index write lands, then nothing more from that writer reaches the server.
    await dying.merge([{ key: day(2), delta: one(1, 10) }]).catch(() => {});
    expect(await openMarkers(reader)).toBe(1); // its page stays open
    expect(await totals()).toEqual([1, 11, 1]); // the new count, through the versions
    expect(finds.length).toBeGreaterThan(1);
    expect(await totals()).toEqual([1, 11, 1]);
    expect(finds.length).toBeGreaterThan(1); // still open: no fast path, still fresh

    await new Promise((resolve) => setTimeout(resolve, 350)); // past staleClaimMs
    expect(await totals()).toEqual([1, 11, 1]); // repairs: a new epoch, the dead marker removed
    expect(await openMarkers(reader)).toBe(0);
    expect(await totals()).toEqual([1, 11, 1]);
    expect(await totals()).toEqual([1, 11, 1]);
    expect(finds).toEqual([STAMP]); // warm again
    await healthy.merge([{ key: day(3), delta: one(1, 5) }]);
    expect(await totals()).toEqual([1, 11, 6]);

    await raw.drop();
    await Promise.all([reader.close(), healthy.close(), dying.close()]);
    await client.close();
  });

  it('a writer that finishes while another is mid-write, then the other dies after its write lands: the page stays open, no answer is stale', async () => {
    const name = freshCollection();
    const raw = adminClient().db(DB).collection(name);
    const reader = new MongoStorage({ uri, db: DB, collection: name });
    const other = new MongoStorage({ uri, db: DB, collection: name });
    const [a, b] = [day(4), day(5)];
    await other.merge([
      { key: a, delta: one() },
      { key: b, delta: one() },
    ]);
    const totals = async () => {
      const got = await reader.get([a, b]);
      return [a, b].map((k) => got.get(keyToString(k))?.index.total ?? 0);
    };
    expect(await totals()).toEqual([1, 1]); // cached
    // The slow writer has marked the page open and is about to write a; meanwhile another
    // writer merges b start to finish and the reader asks again.
    let interleaved = false;
    const slow = new MongoStorage({
      collection: diesAfterIndexWrite(raw, async () => {
        await other.merge([{ key: b, delta: one(1, 5) }]);
        expect(await totals()).toEqual([1, 6]);
        interleaved = true;
      }),
    });
    await slow.merge([{ key: a, delta: one(1, 10) }]).catch(() => {});
    expect(interleaved).toBe(true);
    // a's write landed and its writer is gone: no later answer may miss it.
    expect(await totals()).toEqual([11, 6]);
    expect(await totals()).toEqual([11, 6]);
    await raw.drop();
    await Promise.all([reader.close(), other.close(), slow.close()]);
  });

  it('three writers merging into one page while two cached readers query: every answer holds every merge that returned before the query began', async () => {
    const name = freshCollection();
    const writers = [0, 1, 2].map(() => new MongoStorage({ uri, db: DB, collection: name }));
    const readers = [0, 1].map(() => new MongoStorage({ uri, db: DB, collection: name }));
    const keys = [day(10), day(11), day(12), day(13)];
    const started = new Array<number>(keys.length).fill(0);
    const returned = new Array<number>(keys.length).fill(0);
    const rand = seededRandom(17);
    const MERGES = 25;
    let writing = writers.length;
    const write = async (storage: MongoStorage) => {
      for (let i = 0; i < MERGES; i++) {
        const k = Math.floor(rand() * keys.length);
        started[k]!++;
        await storage.merge([{ key: keys[k]!, delta: one(k, 1) }]);
        returned[k]!++;
      }
      writing--;
    };
    let queries = 0;
    const read = async (storage: MongoStorage) => {
      while (writing > 0) {
        const floor = [...returned];
        const got = await storage.get(keys);
        const ceiling = [...started];
        keys.forEach((k, i) => {
          const total = got.get(keyToString(k))?.index.total ?? 0;
          expect(total).toBeGreaterThanOrEqual(floor[i]!);
          expect(total).toBeLessThanOrEqual(ceiling[i]!);
        });
        queries++;
      }
    };
    await Promise.all([...writers.map(write), ...readers.map(read)]);
    expect(queries).toBeGreaterThan(10);
    const final = await readers[0]!.get(keys);
    expect(keys.map((k) => final.get(keyToString(k))?.index.total ?? 0)).toEqual(returned);
    await adminClient().db(DB).collection(name).drop();
    await Promise.all([...writers, ...readers].map((s) => s.close()));
  });

  it("a writer whose new epoch finds another writer's fresh token already there (between its delete and its insert) still settles every page, and no answer is stale", async () => {
    const name = freshCollection();
    const raw = adminClient().db(DB).collection(name);
    const rawStamps = raw.db.collection<{ _id: string; e: string }>(`${name}.stamps`);
    const reader = new MongoStorage({ uri, db: DB, collection: name });
    // Three pages; the intruder takes only the middle one, so an insert that stopped at the
    // first duplicate would leave the third page without an epoch.
    const keys = ['/p0', '/p1', '/p2'].map((url) => day(6, url));
    await reader.merge(keys.map((key) => ({ key, delta: one() })));
    const totals = async () => {
      const got = await reader.get(keys);
      return keys.map((k) => got.get(keyToString(k))?.index.total ?? 0);
    };
    expect(await totals()).toEqual([1, 1, 1]); // cached, settled
    let raced = 0;
    const stampsRaced = (stamps: Collection) =>
      new Proxy(stamps, {
        get(t, prop, receiver) {
          const value = Reflect.get(t, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
          if (prop !== 'insertMany') return value;
          return async (docs: { _id: string; e?: string }[], ...rest: unknown[]) => {
            if (docs[0]?.e !== undefined) {
              // Another writer's epoch step lands between this writer's delete and insert.
              const middle = docs.find((d) => d._id.endsWith('/p1'))!;
              await rawStamps.insertOne({ _id: middle._id, e: 'intruder' });
              raced++;
            }
            return value.apply(t, [docs, ...rest]);
          };
        },
      });
    const racing = new MongoStorage({
      collection: new Proxy(raw, {
        get(target, prop, receiver) {
          if (prop !== 'db') return Reflect.get(target, prop, receiver);
          return new Proxy(target.db, {
            get(db, p2, r2) {
              if (p2 !== 'collection') return Reflect.get(db, p2, r2);
              return (n: string) => stampsRaced(db.collection(n));
            },
          });
        },
      }),
    });
    await racing.merge(keys.map((key) => ({ key, delta: one(1, 4) })));
    expect(raced).toBe(1);
    expect(await openMarkers(reader)).toBe(0);
    const epochs = await rawStamps.find({ _id: { $regex: '^stamp\\|' } }).toArray();
    expect(epochs.map((e) => [e._id.split('/').pop(), e.e === 'intruder'])).toEqual(
      expect.arrayContaining([
        ['p0', false],
        ['p1', true],
        ['p2', false],
      ]),
    );
    expect(epochs).toHaveLength(3);
    expect(await totals()).toEqual([5, 5, 5]);
    expect(await totals()).toEqual([5, 5, 5]);
    await raw.drop();
    await Promise.all([reader.close(), racing.close()]);
  });

  it('two writers merging 120 pages each, at once and again once the epochs exist, both finish (one upsert per page would exhaust the pool of FerretDB over PostgreSQL for good)', async () => {
    const name = freshCollection();
    const writers = [0, 1].map(() => new MongoStorage({ uri, db: DB, collection: name }));
    const PAGES = 120;
    const entries = Array.from({ length: PAGES }, (_, i) => ({ key: day(1, `/page-${i}`), delta: one() }));
    const reader = new MongoStorage({ uri, db: DB, collection: name });
    for (let round = 1; round <= 2; round++) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`round ${round}: the merges did not finish in 20 s`)),
          20_000,
        );
      });
      await Promise.race([Promise.all(writers.map((w) => w.merge(entries))), stalled]).finally(() =>
        clearTimeout(timer),
      );
      const got = await reader.get(entries.map((e) => e.key));
      expect([...got.values()].map((g) => g.index.total)).toEqual(new Array(PAGES).fill(2 * round));
    }
    expect(await openMarkers(reader)).toBe(0);
    expect(await reader.stampCollection.countDocuments({ e: { $exists: true } })).toBe(PAGES);
    await adminClient().db(DB).collection(name).drop();
    await Promise.all([...writers, reader].map((s) => s.close()));
  }, 45_000);

  it('100 merge calls at once on one instance, 20 of them on one shared key, all finish and count once each', async () => {
    const name = freshCollection();
    const storage = new MongoStorage({ uri, db: DB, collection: name });
    const own = Array.from({ length: 80 }, (_, i) => day(2, `/call-${i}`));
    const shared = day(2, '/shared');
    const calls = [...own, ...new Array<IndexKey>(20).fill(shared)];
    for (let round = 1; round <= 2; round++) {
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`round ${round}: the merges did not finish in 20 s`)),
          20_000,
        );
      });
      const merges = calls.map((key) => storage.merge([{ key, delta: one(1, round) }]));
      await Promise.race([Promise.all(merges), stalled]).finally(() => clearTimeout(timer));
    }
    const got = await storage.get([...own, shared]);
    expect(own.map((k) => got.get(keyToString(k))?.index.total)).toEqual(new Array(own.length).fill(3));
    expect(got.get(keyToString(shared))?.index.total).toBe(20 * 3);
    await storage.collection.drop();
    await storage.close();
  }, 45_000);

  it('reads from secondaries skip the stamp (a lagging node could hold older documents than the stamp)', async () => {
    const client = new MongoClient(uri, { monitorCommands: true });
    const name = freshCollection();
    const storage = new MongoStorage({
      client,
      db: DB,
      collection: name,
      readPreference: 'secondaryPreferred',
    });
    await storage.merge([{ key: day(20), delta: one() }]);
    const projections: unknown[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'find')
        projections.push(String(e.command.find).endsWith('.stamps') ? STAMP : e.command.projection);
    });
    await storage.get([day(20)]);
    await storage.get([day(20)]);
    expect(projections).not.toContainEqual(STAMP);
    expect(projections.length).toBeGreaterThan(0);
    await storage.collection.drop();
    await storage.close();
    await client.close();
  });
});
