import { encodeIndex, type IndexKey, indexFromEntries, keyToString } from '@monkeytracker/grid';
import { Binary, MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { INDEX_SPECS, MongoStorage } from '../src/index';
import { adminClient, closeAdmin, DB, freshCollection, uri } from './mongo-fixture';

afterAll(closeAdmin);

const key = (url: string, over: Partial<IndexKey> = {}): IndexKey => ({
  site: 'mongo',
  url,
  kind: 'click',
  bucket: 0,
  period: 'd:2024-05-01',
  ...over,
});
const one = (cell = 1, n = 1) => indexFromEntries([[cell, n]]);

describe.skipIf(uri === '')('MongoStorage', () => {
  it('uses an injected client and never closes it', async () => {
    const client = new MongoClient(uri);
    try {
      const storage = new MongoStorage({ client, db: DB, collection: freshCollection() });
      await storage.merge([{ key: key('/a'), delta: one() }]);
      await storage.close();
      await storage.close();
      // The client still works after the adapter is closed.
      expect((await client.db(DB).command({ ping: 1 })).ok).toBe(1);
      const again = new MongoStorage({ client, db: DB, collection: storage.collection.collectionName });
      expect((await again.get([key('/a')])).get(keyToString(key('/a')))?.index.total).toBe(1);
      await again.collection.drop();
      await again.close();
    } finally {
      await client.close();
    }
  });

  it('accepts a Collection and creates its indexes idempotently', async () => {
    const collection = adminClient().db(DB).collection(freshCollection());
    const a = new MongoStorage({ collection });
    const b = new MongoStorage({ collection });
    await a.merge([{ key: key('/a'), delta: one() }]);
    await b.merge([{ key: key('/a'), delta: one() }]);
    await a.delete({ url: '/nothing' });
    const names = (await collection.listIndexes().toArray()).map((i) => i.name).sort();
    expect(names).toEqual(['_id_', ...INDEX_SPECS.map((s) => s.name)].sort());
    expect((await a.get([key('/a')])).get(keyToString(key('/a')))?.index.total).toBe(2);
    await collection.drop();
    await a.close();
    await b.close();
  });

  it('stores one document per key with the documented fields', async () => {
    const storage = new MongoStorage({ uri, db: DB, collection: freshCollection() });
    const k = key('/doc', { period: 'm:2024-05' });
    await storage.merge([{ key: k, delta: one(7, 3) }]);
    await storage.merge([{ key: k, delta: one(7, 2) }]);
    const docs = await storage.collection.find({ g: { $in: ['d', 'm'] } }).toArray();
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      _id: keyToString(k),
      site: 'mongo',
      url: '/doc',
      kind: 'click',
      bucket: 0,
    });
    expect(docs[0]).toMatchObject({ period: 'm:2024-05', g: 'm', v: 2, total: 5, cells: 1 });
    expect(docs[0]!.marks).toEqual({});
    await storage.merge([{ key: k, delta: one(7, 1), writer: 'tracker-1', position: 42 }]);
    const [withMark] = await storage.collection.find({ _id: keyToString(k) }).toArray();
    expect(withMark!.marks).toEqual({ 'tracker-1': { p: 42, at: expect.any(Number) } });
    expect(withMark).toMatchObject({ v: 3, total: 6 });
    expect(docs[0]!.blob).toBeInstanceOf(Binary);
    expect(docs[0]!.updatedAt).toBeInstanceOf(Date);
    await storage.collection.drop();
    await storage.close();
  });

  it('get of 31 keys is one round trip: without the cache, and warm with it', async () => {
    const client = new MongoClient(uri, { monitorCommands: true });
    const collection = freshCollection();
    // pointReads off: the MongoDB path, whatever server the tests run on (FerretDB turns it on).
    const uncached = new MongoStorage({ client, db: DB, collection, pointReads: false, cacheBytes: 0 });
    const cached = new MongoStorage({ client, db: DB, collection, pointReads: false });
    const keys = Array.from({ length: 31 }, (_, i) =>
      key('/day', { period: `d:2024-05-${String(i + 1).padStart(2, '0')}` }),
    );
    await uncached.merge(keys.map((k, i) => ({ key: k, delta: one(i, i + 1) })));
    await cached.ready();
    const commands: string[] = [];
    client.on('commandStarted', (e) => commands.push(e.commandName));
    expect((await uncached.get(keys)).size).toBe(31);
    expect(commands).toEqual(['find']);
    commands.length = 0;
    expect((await cached.get(keys)).size).toBe(31); // cold: the page stamp, then the documents
    expect(commands).toEqual(['find', 'find']);
    commands.length = 0;
    const warm = await cached.get(keys); // warm: the page stamp only
    expect(commands).toEqual(['find']);
    expect(keys.map((k) => warm.get(keyToString(k))!.index.total)).toEqual(keys.map((_, i) => i + 1));
    await uncached.collection.drop();
    await uncached.close();
    await cached.close();
    await client.close();
  });

  it('repeated gets answer from the decoded cache after one read of the page stamp; other writers and re-created keys are never stale', async () => {
    const client = new MongoClient(uri, { monitorCommands: true });
    const collection = freshCollection();
    const storage = new MongoStorage({ client, db: DB, collection, pointReads: false });
    const other = new MongoStorage({ uri, db: DB, collection });
    // One page (site, kind, bucket, url), ten periods: one stamp.
    const keys = Array.from({ length: 10 }, (_, i) =>
      key('/c', { period: `d:2024-05-${String(i + 1).padStart(2, '0')}` }),
    );
    await storage.merge(keys.map((k, i) => ({ key: k, delta: one(i, i + 1) })));
    const STAMP = 'the page stamp';
    const finds: unknown[] = [];
    client.on('commandStarted', (e) => {
      if (e.commandName !== 'find') return;
      finds.push(String(e.command.find).endsWith('.stamps') ? STAMP : e.command.projection);
    });
    const BLOBS = { blob: 1, v: 1, c: 1, marks: 1 };
    const totals = async () => {
      finds.length = 0;
      const got = await storage.get(keys);
      return keys.map((k) => got.get(keyToString(k))?.index.total ?? 0);
    };
    expect(await totals()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(finds).toEqual([STAMP, BLOBS]); // cold: the stamp, then every document
    expect(await totals()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(finds).toEqual([STAMP]); // warm: the stamp only
    // Another process merges into two keys: the stamp moved, so versions are read, and exactly
    // the two changed documents; then the stamp vouches for all ten again.
    await other.merge([
      { key: keys[0]!, delta: one(0, 100) },
      { key: keys[9]!, delta: one(9, 100) },
    ]);
    expect(await totals()).toEqual([101, 2, 3, 4, 5, 6, 7, 8, 9, 110]);
    expect(finds).toEqual([STAMP, { v: 1, c: 1 }, BLOBS]);
    expect(await totals()).toEqual([101, 2, 3, 4, 5, 6, 7, 8, 9, 110]);
    expect(finds).toEqual([STAMP]);
    // Deleted by the other process and merged anew: version 1 again, a new document.
    await other.delete({ url: '/c', periodFrom: 'd:2024-05-04', periodTo: 'd:2024-05-04' });
    expect(await totals()).toEqual([101, 2, 3, 0, 5, 6, 7, 8, 9, 110]);
    await other.merge([{ key: keys[3]!, delta: one(3, 4) }]);
    await other.delete({ url: '/c', periodFrom: 'd:2024-05-05', periodTo: 'd:2024-05-05' });
    await other.merge([{ key: keys[4]!, delta: one(4, 50) }]);
    expect(await totals()).toEqual([101, 2, 3, 4, 50, 6, 7, 8, 9, 110]);
    expect((await storage.get([keys[0]!])).get(keyToString(keys[0]!))!.version).toBe(2);
    await storage.collection.drop();
    await other.close();
    await storage.close();
    await client.close();
  });

  it('server down: STORAGE_UNAVAILABLE (503) with the driver error as cause', async () => {
    const storage = new MongoStorage({
      uri: 'mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300&connectTimeoutMS=300',
      db: DB,
      collection: 'down',
    });
    const keys = [key('/a'), key('/b')];
    const err = await storage.merge(keys.map((k) => ({ key: k, delta: one() }))).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_UNAVAILABLE', status: 503 });
    expect((err as Error).message).toMatch(
      /^\[monkeytracker\] \[storage\] MongoStorage.merge failed: MongoDB is unavailable/,
    );
    expect((err as Error).cause).toBeDefined();
    await expect(storage.get(keys)).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await expect(storage.ready()).rejects.toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    await storage.close();
  });

  it('ready() connects and creates the indexes before any merge', async () => {
    const collection = freshCollection();
    const storage = new MongoStorage({ uri, db: DB, collection });
    await storage.ready();
    const names = (await adminClient().db(DB).collection(collection).listIndexes().toArray()).map(
      (i) => i.name,
    );
    expect(names.sort()).toEqual(['_id_', ...INDEX_SPECS.map((s) => s.name)].sort());
    await storage.close();
    await expect(storage.ready()).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
    await adminClient().db(DB).collection(collection).drop();
  });

  it('a merge that loses the race re-reads and retries; totals stay exact', async () => {
    const collection = freshCollection();
    const other = new MongoStorage({ uri, db: DB, collection });
    let interfered = 0;
    const storage = new MongoStorage({
      uri,
      db: DB,
      collection,
      onBeforeWrite: async () => {
        // Another writer slips in between our read and our write, twice.
        if (interfered++ < 2) await other.merge([{ key: key('/hot'), delta: one(1, 10) }]);
      },
    });
    await other.merge([{ key: key('/hot'), delta: one(1, 1) }]);
    await storage.merge([
      { key: key('/hot'), delta: one(1, 100) },
      { key: key('/cold'), delta: one(2, 5) },
    ]);
    expect(interfered).toBe(3);
    const got = await storage.get([key('/hot'), key('/cold')]);
    expect(got.get(keyToString(key('/hot')))?.index.total).toBe(121);
    expect(got.get(keyToString(key('/cold')))?.index.total).toBe(5);
    await storage.collection.drop();
    await Promise.all([storage.close(), other.close()]);
  });

  it('exhausted retries: STORAGE_CONFLICT naming the key; the other key is applied, a retry is exact', async () => {
    const collection = freshCollection();
    const other = new MongoStorage({ uri, db: DB, collection });
    let interfere = true;
    const storage = new MongoStorage({
      uri,
      db: DB,
      collection,
      maxRetries: 2,
      onBeforeWrite: (ids) =>
        interfere && ids.includes(keyToString(key('/hot')))
          ? other.merge([{ key: key('/hot'), delta: one() }]).then(() => {})
          : undefined,
    });
    await other.merge([{ key: key('/hot'), delta: one() }]);
    const entries = [
      { key: key('/hot'), delta: one(1, 100), writer: 'w', position: 1 },
      { key: key('/cold'), delta: one(2, 5), writer: 'w', position: 1 },
    ];
    const err = await storage.merge(entries).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_CONFLICT', status: 503, key: keyToString(key('/hot')) });
    expect((err as Error).message).toMatch(/lost 3 rounds/);
    // Nothing of the hot key was applied: only the other writer's 1 + 3 merges.
    expect((await other.get([key('/hot')])).get(keyToString(key('/hot')))?.index.total).toBe(4);
    interfere = false;
    // The retry of the whole call applies the hot key and skips the cold one, applied before.
    expect(await storage.merge(entries)).toEqual({ applied: 1, skipped: 1 });
    const got = await other.get([key('/hot'), key('/cold')]);
    expect(got.get(keyToString(key('/hot')))?.index.total).toBe(104);
    expect(got.get(keyToString(key('/cold')))?.index.total).toBe(5);
    await other.collection.drop();
    await Promise.all([storage.close(), other.close()]);
  });

  it("frees its own writer's claims of a previous run at once, and names a foreign claim's writer", async () => {
    const collection = freshCollection();
    const before = new MongoStorage({ uri, db: DB, collection });
    const k = keyToString(key('/restart'));
    await before.merge([{ key: key('/restart'), delta: one(), writer: 'me', position: 1 }]);
    await before.close();
    const claims = adminClient()
      .db(DB)
      .collection<{ _id: string; at: Date; writer: string; run: string }>(collection);
    // The previous process of writer "me" claimed version 2 and was killed before writing it.
    await claims.insertOne({ _id: `claim|2|${k}`, at: new Date(), writer: 'me', run: 'dead0000' });
    const after = new MongoStorage({ uri, db: DB, collection, maxRetries: 3 });
    const started = Date.now();
    await after.merge([{ key: key('/restart'), delta: one(), writer: 'me', position: 2 }]);
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await after.get([key('/restart')])).get(k)?.index.total).toBe(2);
    // Another writer's fresh claim is not freed before staleClaimMs; the error says whose it is.
    await claims.insertOne({ _id: `claim|3|${k}`, at: new Date(), writer: 'someone', run: 'alive000' });
    const err = await after
      .merge([{ key: key('/restart'), delta: one(), writer: 'me', position: 3 }])
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_CONFLICT' });
    expect((err as Error).message).toMatch(
      /claimed by writer someone \(run alive000\).*released 30000 ms after/,
    );
    await after.collection.drop();
    await after.close();
  });

  it("a restarted writer frees all its predecessor's claims first, so another writer of those keys does not wait", async () => {
    const collection = freshCollection();
    const seed = new MongoStorage({ uri, db: DB, collection });
    await seed.merge([{ key: key('/orphan'), delta: one(), writer: 'other', position: 1 }]);
    await seed.close();
    const k = keyToString(key('/orphan'));
    const claims = adminClient()
      .db(DB)
      .collection<{ _id: string; at: Date; writer: string; run: string }>(collection);
    // Writer "me" died holding version 2 of /orphan; its delta for that key died with it.
    await claims.insertOne({ _id: `claim|2|${k}`, at: new Date(), writer: 'me', run: 'dead0000' });
    const restarted = new MongoStorage({ uri, db: DB, collection });
    await restarted.merge([{ key: key('/elsewhere'), delta: one(), writer: 'me', position: 7 }]);
    expect(await claims.countDocuments({ writer: 'me', run: 'dead0000' })).toBe(0);
    // The other writer wins /orphan in its first round, where it used to wait staleClaimMs.
    const other = new MongoStorage({ uri, db: DB, collection, maxRetries: 0 });
    await other.merge([{ key: key('/orphan'), delta: one(), writer: 'other', position: 2 }]);
    expect((await other.get([key('/orphan')])).get(k)?.index.total).toBe(2);
    await other.collection.drop();
    await Promise.all([restarted.close(), other.close()]);
  });

  it('the claim-free path (for MongoDB) merges exactly for one writer', async () => {
    // FerretDB is not atomic without claims, so only a single writer is exercised here; the
    // concurrent claim-free path needs a real MongoDB (MONGODB_URI).
    const storage = new MongoStorage({ uri, db: DB, collection: freshCollection(), claims: false });
    for (let p = 1; p <= 5; p++) {
      await storage.merge([{ key: key('/free'), delta: one(p, p), writer: 'w', position: p }]);
      await storage.merge([{ key: key('/free'), delta: one(p, p), writer: 'w', position: p }]);
    }
    const got = (await storage.get([key('/free')])).get(keyToString(key('/free')))!;
    expect(got.index.total).toBe(15);
    expect(got.marks).toEqual({ w: 5 });
    expect(await storage.collection.countDocuments({ _id: { $regex: '^claim' } })).toBe(0);
    await storage.collection.drop();
    await storage.close();
  });

  it('releases the claim of a crashed writer after staleClaimMs', async () => {
    const storage = new MongoStorage({
      uri,
      db: DB,
      collection: freshCollection(),
      staleClaimMs: 50,
      maxRetries: 50,
    });
    const k = keyToString(key('/stuck'));
    await storage.merge([{ key: key('/stuck'), delta: one() }]);
    // A writer claimed version 2 and died before writing it.
    await (
      storage.collection as unknown as import('mongodb').Collection<{ _id: string; at: Date }>
    ).insertOne({
      _id: `claim|2|${k}`,
      at: new Date(Date.now() - 60_000),
      writer: 'someone-else',
      run: 'gone0000',
    } as never);
    await storage.merge([{ key: key('/stuck'), delta: one() }]);
    expect((await storage.get([key('/stuck')])).get(k)?.index.total).toBe(2);
    await storage.collection.drop();
    await storage.close();
  });

  it('a corrupt blob surfaces as STORAGE_CORRUPT naming the key', async () => {
    const storage = new MongoStorage({ uri, db: DB, collection: freshCollection() });
    const k = key('/corrupt');
    await storage.merge([{ key: k, delta: one() }]);
    const bytes = encodeIndex(one());
    bytes[0] = 99;
    await storage.collection.updateOne({ _id: keyToString(k) }, { $set: { blob: new Binary(bytes) } });
    const err = await storage.get([k]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STORAGE_CORRUPT', key: keyToString(k) });
    expect((err as Error).cause).toMatchObject({ code: 'INDEX_CORRUPT' });
    await expect(storage.merge([{ key: k, delta: one() }])).rejects.toMatchObject({
      code: 'STORAGE_CORRUPT',
      key: keyToString(k),
    });
    await storage.collection.drop();
    await storage.close();
  });

  it('list and delete never see version claims', async () => {
    const storage = new MongoStorage({ uri, db: DB, collection: freshCollection() });
    await storage.merge([{ key: key('/a'), delta: one() }]);
    await storage.merge([{ key: key('/a'), delta: one() }]);
    await storage.merge([{ key: key('/a'), delta: one() }]);
    const listed: string[] = [];
    for await (const { key: k } of storage.list()) listed.push(keyToString(k));
    expect(listed).toEqual([keyToString(key('/a'))]);
    expect(await storage.delete({ all: true })).toBe(1);
    expect(await storage.collection.countDocuments({})).toBe(0);
    await storage.close();
  });
});
