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
const STAMP = { s: 1, f: 1, at: 1 };

/**
 * The index collection of a writer that dies the moment its first index write has landed: every
 * page stamp write after that fails as a broken connection would, whatever order the writer uses.
 */
function diesAfterIndexWrite(collection: Collection): Collection {
  let indexWritten = false;
  const stamps = (target: Collection) =>
    new Proxy(target, {
      get(t, prop, receiver) {
        if (prop !== 'updateOne') return Reflect.get(t, prop, receiver);
        return (...args: Parameters<Collection['updateOne']>) =>
          indexWritten
            ? Promise.reject(new MongoNetworkError('connection reset (injected: the writer died)'))
            : t.updateOne(...args);
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
        const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        indexWritten = true;
        return result;
      };
    },
  });
}

describe.skipIf(uri === '')('MongoStorage page stamps', () => {
  it('a writer that dies the moment its index write lands leaves readers on the per-key path — fresh, never stale — until a reader repairs the stamp after staleClaimMs', async () => {
    const name = freshCollection();
    const raw = adminClient().db(DB).collection(name);
    const client = new MongoClient(uri, { monitorCommands: true });
    const reader = new MongoStorage({ client, db: DB, collection: name, staleClaimMs: 300 });
    const healthy = new MongoStorage({ uri, db: DB, collection: name });
    const dying = new MongoStorage({ collection: diesAfterIndexWrite(raw) });
    const keys = [day(1), day(2), day(3)];
    await healthy.merge(keys.map((k) => ({ key: k, delta: one() })));
    const finds: Record<string, unknown>[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName === 'find') finds.push(e.command.projection as Record<string, unknown>);
      else if (e.commandName === 'findAndModify' || e.commandName === 'update') finds.push({ write: 1 });
    });
    const totals = async () => {
      finds.length = 0;
      const got = await reader.get(keys);
      return keys.map((k) => got.get(keyToString(k))?.index.total ?? 0);
    };
    expect(await totals()).toEqual([1, 1, 1]);
    expect(await totals()).toEqual([1, 1, 1]);
    expect(finds).toHaveLength(1); // warm: one stamp read
    expect(finds[0]).toEqual(STAMP);

    // The index write lands, then nothing more from that writer reaches the server.
    await dying.merge([{ key: day(2), delta: one(1, 10) }]).catch(() => {});
    const stamp = await reader.stampCollection.findOne({});
    expect(stamp?.s).not.toBe(stamp?.f); // unsettled
    expect(await totals()).toEqual([1, 11, 1]); // the new count, through the versions
    expect(finds.length).toBeGreaterThan(1);
    expect(await totals()).toEqual([1, 11, 1]);
    expect(finds.length).toBeGreaterThan(1); // still unsettled: no fast path, still fresh

    await new Promise((resolve) => setTimeout(resolve, 350)); // past staleClaimMs
    expect(await totals()).toEqual([1, 11, 1]); // repairs the stamp with a fresh settled token
    expect(await totals()).toEqual([1, 11, 1]);
    expect(finds).toEqual([STAMP]); // warm again
    await healthy.merge([{ key: day(3), delta: one(1, 5) }]);
    expect(await totals()).toEqual([1, 11, 6]);

    await raw.drop();
    await Promise.all([reader.close(), healthy.close(), dying.close()]);
    await client.close();
  });

  it('a stamp field written back from a stale read (FerretDB updates whole documents) never vouches for an old index', async () => {
    const name = freshCollection();
    const raw = adminClient().db(DB).collection<{ _id: string; s?: string; f?: string }>(name);
    const reader = new MongoStorage({ uri, db: DB, collection: name });
    const writer = new MongoStorage({ uri, db: DB, collection: name });
    const k = day(7);
    await writer.merge([{ key: k, delta: one() }]);
    const total = async () => (await reader.get([k])).get(keyToString(k))?.index.total;
    expect(await total()).toBe(1); // cached under the settled token x
    const stamps = await reader.stampCollection.find({}).toArray();
    expect(stamps).toHaveLength(1);
    const { _id, s: x } = stamps[0]!;
    await writer.merge([{ key: k, delta: one(1, 4) }]);
    // Every state a write-back can leave: the stale field is x, the field it set carries the
    // writer's own token — never x/x again.
    for (const state of [
      { s: x, f: 'other' },
      { s: 'other', f: x },
    ]) {
      await reader.stampCollection.updateOne({ _id }, { $set: state });
      expect(await total()).toBe(5);
    }
    await raw.drop();
    await Promise.all([reader.close(), writer.close()]);
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
      if (e.commandName === 'find') projections.push(e.command.projection);
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
