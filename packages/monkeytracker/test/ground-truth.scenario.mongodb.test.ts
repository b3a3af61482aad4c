import { periodPrefix } from '@monkeytracker/storage';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { eventAt, makeTraffic, runScenario } from '@monkeytracker/test-kit';
import { MongoClient } from 'mongodb';
import { createTracker } from 'monkeytracker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { trackerSubject } from './tracker-subject';

const uri = inject('mongodbUri');
const db = `mt_facade_${process.pid}`;
const LONG = process.env.MT_LONG === '1';
let client: MongoClient;
/** Whether the server is FerretDB, asked of the server itself (`buildInfo`), not guessed from MONGODB_URI. */
let ferret = true;

beforeAll(async () => {
  if (!uri) return;
  client = await MongoClient.connect(uri);
  const info = await client.db('admin').command({ buildInfo: 1 });
  ferret = typeof info.ferretdbVersion === 'string';
});
afterAll(async () => {
  if (client) {
    await client.db(db).dropDatabase();
    await client.close();
  }
});

describe.skipIf(!uri)(`tracker end to end on MongoStorage (${inject('mongodbServer')})`, () => {
  it('answers random queries like a naive count, and again from a new tracker on the same collection', async () => {
    const collection = `e2e_${Date.now()}`;
    // FerretDB rewrites a whole document per merge (four round trips of the claim scheme), and
    // merges scale with pages × days; `pnpm test` runs a short version, `pnpm test:long` the full
    // one (on MongoDB the memory scenario: 1 M events over 60 days).
    const [events, days, queries] = LONG
      ? ferret
        ? [100_000, 8, 300]
        : [1_000_000, 60, 300]
      : [16_000, 4, 60];
    const started = Date.now();
    await runScenario({
      events,
      days,
      queries,
      // A query reads storage once per key: cheap, but merges compete with it on FerretDB.
      duringShare: ferret ? 0.2 : 0.6,
      flushChance: LONG ? 0.003 : 0.008,
      minMerges: LONG ? 10 : 3,
      onProgress: (line) => console.log(`[mongodb e2e] ${line} in ${Date.now() - started} ms`),
      // LRU evictions (maxEntries) and explicit flushes along the way.
      open: (clock) =>
        trackerSubject(clock, {
          storage: new MongoStorage({ uri, db, collection }),
          // Small merge calls: many of them, so queries meet merges in flight.
          cache: {
            maxEntries: 200,
            idleMs: 6 * 3_600_000,
            flushIntervalMs: LONG ? 100 : 20,
            maxKeysPerMerge: 50,
          },
        }),
    });
  });

  // Long only: on the test server the two final flushes of the same ~1,000 keys contend for ~15 s
  // (claims, one key at a time); `pnpm test` covers two writers on one collection in the kill rounds.
  it.skipIf(!LONG)(
    'two trackers on one collection, ingesting at once: the totals add up exactly',
    async () => {
      const collection = `two_${Date.now()}`;
      const traffic = makeTraffic(LONG ? 10_000 : 3_000, Date.UTC(2024, 4, 1), 5, 77);
      const clock = () => Date.UTC(2024, 4, 21);
      // Frequent merges, so the two trackers' merges of the same keys overlap.
      const options = {
        timeZone: 'Europe/Prague',
        now: clock,
        cache: { flushIntervalMs: 20, maxEntries: 50 },
      };
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
      // Every event is in one day, one block of each size and one month.
      const sums = new Map<string, number>();
      for await (const { key, total } of stored.list()) {
        const prefix = periodPrefix(key.period);
        sums.set(prefix, (sums.get(prefix) ?? 0) + total);
      }
      expect(Object.fromEntries(sums)).toEqual({
        d: 2 * traffic.n,
        b3: 2 * traffic.n,
        b9: 2 * traffic.n,
        m: 2 * traffic.n,
      });
      const q = { url: '/', kind: 'click' as const, vw: 1280, from: '2024-05-01', to: '2024-05-31' };
      const [ha, hb] = await Promise.all([a.query(q), b.query(q)]);
      expect(ha).toEqual(hb);
      await Promise.all([a.close(), b.close(), stored.close()]);
    },
  );
});
