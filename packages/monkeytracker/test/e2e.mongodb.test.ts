import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { MongoClient } from 'mongodb';
import { createTracker } from 'monkeytracker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runScenario } from './e2e-scenario';
import { eventAt, makeTraffic } from './ground-truth';

const uri = inject('mongodbUri');
const db = `mt_facade_${process.pid}`;
let client: MongoClient;

beforeAll(async () => {
  if (uri) client = await MongoClient.connect(uri);
});
afterAll(async () => {
  if (client) {
    await client.db(db).dropDatabase();
    await client.close();
  }
});

describe.skipIf(!uri)(`tracker end to end on MongoStorage (${inject('mongodbServer')})`, () => {
  it('answers 300 random queries like a naive count, and again from a new tracker on the same collection', {
    timeout: 600_000,
  }, async () => {
    const collection = `e2e_${Date.now()}`;
    // On a real MongoDB (MONGODB_URI) the scenario is the memory one: 1 M events over 60 days.
    // FerretDB over SQLite needs ~30 ms per key merge (four round trips of its claim scheme), and
    // merges scale with pages × days, so on it the same scenario runs over fewer events and days.
    const ferret = !process.env.MONGODB_URI;
    const started = Date.now();
    await runScenario({
      events: Number(process.env.MT_E2E_MONGO_EVENTS ?? (ferret ? 100_000 : 1_000_000)),
      days: ferret ? 8 : 60,
      // A query waits out merges of its page in flight: seconds each on FerretDB.
      duringShare: ferret ? 0.2 : 0.6,
      onProgress: (line) => console.log(`[mongodb e2e] ${line} in ${Date.now() - started} ms`),
      storage: () => new MongoStorage({ uri, db, collection }),
      // FerretDB over SQLite takes milliseconds per key: merge less often than on memory, still
      // with LRU evictions (maxEntries) and explicit flushes along the way.
      cache: { maxEntries: 200, idleMs: 6 * 3_600_000, flushIntervalMs: 100 },
      flushChance: 0.003,
    });
  });

  it('two trackers on one collection, ingesting at once: the totals add up exactly', {
    timeout: 300_000,
  }, async () => {
    const collection = `two_${Date.now()}`;
    const traffic = makeTraffic(10_000, Date.UTC(2024, 4, 1), 5, 77);
    const clock = () => Date.UTC(2024, 4, 21);
    // Frequent merges, so the two trackers' merges of the same keys overlap.
    const options = { timeZone: 'Europe/Prague', now: clock, cache: { flushIntervalMs: 20, maxEntries: 50 } };
    const a = await createTracker({ ...options, storage: new MongoStorage({ uri, db, collection }) });
    const b = await createTracker({ ...options, storage: new MongoStorage({ uri, db, collection }) });
    // Both trackers get every event, in different batch sizes, interleaved with the event loop.
    for (let i = 0; i < traffic.n; i += 100) {
      // Let both trackers' timers run merges between batches.
      if (i % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 25));
      const batch = [];
      for (let j = i; j < Math.min(i + 100, traffic.n); j++) batch.push(eventAt(traffic, j));
      a.track(batch);
      b.track(batch.slice(0, 50));
      b.track(batch.slice(50));
    }
    await Promise.all([a.flush(), b.flush()]);
    const stored = new MongoStorage({ uri, db, collection });
    let months = 0;
    let days = 0;
    for await (const key of stored.list()) {
      const index = (await stored.get([key])).values().next().value!;
      if (key.period.startsWith('m:')) months += index.total;
      else days += index.total;
    }
    expect(days).toBe(2 * traffic.n);
    expect(months).toBe(2 * traffic.n);
    const q = { url: '/', kind: 'click' as const, vw: 1280, from: '2024-05-01', to: '2024-05-31' };
    const [ha, hb] = await Promise.all([a.query(q), b.query(q)]);
    expect(ha).toEqual(hb);
    await Promise.all([a.close(), b.close(), stored.close()]);
  });
});
