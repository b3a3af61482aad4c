/**
 * Storage: merges per second of 1,000 evicted day + month deltas into MemoryStorage and
 * MongoStorage (one eviction per merge call, as the live cache evicts, and 50 evictions per call),
 * and the latency of `get` for 31 keys (a month of day indexes). Totals are checked against a
 * naive count before anything is reported; a naive in-process Map merge is the baseline.
 *
 * The MongoDB figures come from `MONGODB_URI` when set, otherwise from the repository's FerretDB
 * test server (FerretDB over SQLite), which is not MongoDB: it serialises writes through SQLite
 * and scans the collection for `$in` queries, so its figures say little about a MongoDB server.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import {
  GridBuilder,
  type GridIndex,
  type IndexKey,
  indexesEqual,
  keyToString,
  mergeMany,
  type Period,
} from '@monkeytracker/grid';
import { MemoryStorage, type StorageAdapter, type StorageEntry } from '@monkeytracker/storage';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { MongoClient } from 'mongodb';
import { buildFerretDb, startFerretDb } from '../../tools/ferretdb-test-server/global-setup.ts';
import {
  type BenchArea,
  check,
  formatMs,
  formatRate,
  formatRatio,
  gaussian,
  markdownTable,
  seededRandom,
  timeTasks,
} from './harness.ts';

const EVICTIONS = 1000;
const BATCH = 50;
const URLS = 100;
const BUCKETS = 3;

/** One eviction of the live cache: the same delta goes into its day key and its month key. */
interface Eviction {
  day: IndexKey;
  month: IndexKey;
  delta: GridIndex;
}

/** A delta of a page view burst: a few gaussian blobs of clicks, a few hundred cells. */
function blobDelta(random: () => number): GridIndex {
  const builder = new GridBuilder({ cellSize: 10 });
  const blobs = 2 + Math.floor(random() * 3);
  for (let b = 0; b < blobs; b++) {
    const cx = 100 + random() * 1100;
    const cy = 100 + random() * 2500;
    const events = 60 + Math.floor(random() * 120);
    for (let e = 0; e < events; e++) {
      const x = Math.max(0, cx + gaussian(random) * 45);
      const y = Math.max(0, cy + gaussian(random) * 70);
      builder.addEvent({ x, y });
    }
  }
  return builder.toIndex();
}

/** 1,000 seeded evictions over ~100 urls × 3 buckets × the 31 days of one month. */
function buildEvictions(): Eviction[] {
  const random = seededRandom(4242);
  const out: Eviction[] = [];
  for (let i = 0; i < EVICTIONS; i++) {
    // Popular pages get more evictions (a skewed pick), as on a real site.
    const url = `/page/${Math.floor(random() ** 2 * URLS)}`;
    const bucket = Math.floor(random() * BUCKETS);
    const day = 1 + Math.floor(random() * 31);
    const base = { site: 'bench', url, kind: 'click' as const, bucket };
    out.push({
      day: { ...base, period: `d:2024-03-${String(day).padStart(2, '0')}` as Period },
      month: { ...base, period: 'm:2024-03' },
      delta: blobDelta(random),
    });
  }
  return out;
}

/** The expected stored index of every key: all its deltas merged (the oracle). */
function expectedIndexes(evictions: Eviction[]): Map<string, GridIndex> {
  const deltas = new Map<string, GridIndex[]>();
  for (const e of evictions) {
    for (const key of [e.day, e.month]) {
      const id = keyToString(key);
      const list = deltas.get(id) ?? [];
      list.push(e.delta);
      deltas.set(id, list);
    }
  }
  return new Map([...deltas].map(([id, list]) => [id, mergeMany(list)]));
}

/** Merge calls for the evictions: `perCall` evictions (2 entries each) per call. */
function calls(evictions: Eviction[], perCall: number): StorageEntry[][] {
  const out: StorageEntry[][] = [];
  for (let i = 0; i < evictions.length; i += perCall) {
    out.push(
      evictions.slice(i, i + perCall).flatMap((e) => [
        { key: e.day, delta: e.delta },
        { key: e.month, delta: e.delta },
      ]),
    );
  }
  return out;
}

/** Merges every call in order and returns the elapsed ms. */
async function mergeAll(storage: StorageAdapter, plan: StorageEntry[][]): Promise<number> {
  const started = performance.now();
  for (const entries of plan) await storage.merge(entries);
  return performance.now() - started;
}

/** Checks that the storage holds exactly the oracle's indexes. */
async function verify(
  storage: StorageAdapter,
  expected: Map<string, GridIndex>,
  what: string,
): Promise<void> {
  const keys = [...expected.keys()].map((id) => keyById.get(id)!);
  const got = await storage.get(keys);
  check(got.size === expected.size, `${what}: ${got.size} keys stored, expected ${expected.size}`);
  for (const [id, index] of expected) {
    const stored = got.get(id);
    check(
      stored !== undefined && indexesEqual(stored, index),
      `${what}: key ${id} differs from the naive count`,
    );
  }
}

/** The key objects of the fixture by their string form (filled by `run`). */
const keyById = new Map<string, IndexKey>();

/** The naive baseline: a Map of cell → count per key, merged one event cell at a time. */
function naiveMerge(plan: StorageEntry[][]): { ms: number; store: Map<string, Map<number, number>> } {
  const store = new Map<string, Map<number, number>>();
  const started = performance.now();
  for (const entries of plan) {
    for (const { key, delta } of entries) {
      const id = keyToString(key);
      let cells = store.get(id);
      if (!cells) store.set(id, (cells = new Map()));
      for (let i = 0; i < delta.cells.length; i++) {
        const cell = delta.cells[i]!;
        cells.set(cell, (cells.get(cell) ?? 0) + delta.counts[i]!);
      }
    }
  }
  return { ms: performance.now() - started, store };
}

/** A MongoDB wire-protocol server: MONGODB_URI, or a FerretDB test server started here. */
async function mongoServer(): Promise<{
  uri: string;
  name: string;
  ferret: boolean;
  stop: () => Promise<void>;
}> {
  if (process.env.MONGODB_URI) {
    const uri = process.env.MONGODB_URI;
    const client = await new MongoClient(uri).connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    await client.close();
    const name =
      typeof info.ferretdbVersion === 'string'
        ? `FerretDB ${info.ferretdbVersion} at MONGODB_URI (not MongoDB)`
        : `MongoDB ${info.version} at MONGODB_URI`;
    return { uri, name, ferret: typeof info.ferretdbVersion === 'string', stop: async () => {} };
  }
  buildFerretDb();
  const { uri, child, dir } = await startFerretDb();
  return {
    uri,
    name: 'FerretDB 1.24.2 over SQLite (the repository test server; **not MongoDB**)',
    ferret: true,
    stop: async () => {
      const proc: ChildProcess = child;
      proc.stdin?.end();
      proc.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const area: BenchArea = {
  name: 'storage',
  title: 'Storage',
  async run() {
    const evictions = buildEvictions();
    for (const e of evictions) {
      keyById.set(keyToString(e.day), e.day);
      keyById.set(keyToString(e.month), e.month);
    }
    const expected = expectedIndexes(evictions);
    const single = calls(evictions, 1);
    const batched = calls(evictions, BATCH);
    const cellsPerDelta = evictions.reduce((s, e) => s + e.delta.cells.length, 0) / evictions.length;
    const dayKeys = new Set(evictions.map((e) => keyToString(e.day))).size;
    const monthKeys = new Set(evictions.map((e) => keyToString(e.month))).size;

    // The naive baseline, checked against the oracle.
    const naive = naiveMerge(single);
    for (const [id, index] of expected) {
      const cells = naive.store.get(id)!;
      check(cells.size === index.cells.length, `naive baseline: key ${id} has the wrong cell count`);
    }

    // 31 day keys of one page (a month of day indexes), for the get latency.
    const random = seededRandom(31);
    const page = { site: 'bench', url: '/get/month', kind: 'click' as const, bucket: 1 };
    const monthOfDays: IndexKey[] = Array.from({ length: 31 }, (_, d) => ({
      ...page,
      period: `d:2024-03-${String(d + 1).padStart(2, '0')}` as Period,
    }));
    const getEntries = monthOfDays.map((key) => ({ key, delta: blobDelta(random) }));

    const rows: (string | number)[][] = [];
    const evictionRate = (ms: number) => formatRate((EVICTIONS * 1000) / ms);
    const keyRate = (ms: number) => formatRate((EVICTIONS * 2 * 1000) / ms);
    rows.push([
      'naive Map<cell, count> (baseline, in process)',
      '1',
      formatMs(naive.ms),
      evictionRate(naive.ms),
      keyRate(naive.ms),
    ]);

    // MemoryStorage: best of 5 fresh runs per shape.
    const memoryMs: Record<string, number> = {};
    for (const [label, plan] of [
      ['1 eviction (2 keys) per call', single],
      [`${BATCH} evictions (${BATCH * 2} keys) per call`, batched],
    ] as const) {
      let best = Number.POSITIVE_INFINITY;
      for (let run = 0; run < 5; run++) {
        const storage = new MemoryStorage();
        best = Math.min(best, await mergeAll(storage, plan));
        await verify(storage, expected, `MemoryStorage, ${label}`);
        await storage.close();
      }
      memoryMs[label] = best;
      rows.push([`MemoryStorage, ${label}`, 'best of 5', formatMs(best), evictionRate(best), keyRate(best)]);
    }
    const memoryGet = new MemoryStorage();
    await memoryGet.merge(getEntries);

    const server = await mongoServer();
    let mongoGetTiming: Awaited<ReturnType<typeof timeTasks>> = {};
    let memoryGetTiming: Awaited<ReturnType<typeof timeTasks>> = {};
    const mongoMs: Record<string, number> = {};
    try {
      const db = `mt_bench_${Date.now().toString(36)}`;
      for (const [label, plan] of [
        ['1 eviction (2 keys) per call', single],
        [`${BATCH} evictions (${BATCH * 2} keys) per call`, batched],
      ] as const) {
        const storage = new MongoStorage({ uri: server.uri, db, collection: `merge_${plan.length}` });
        const ms = await mergeAll(storage, plan);
        await verify(storage, expected, `MongoStorage, ${label}`);
        mongoMs[label] = ms;
        rows.push([`MongoStorage, ${label}`, '1', formatMs(ms), evictionRate(ms), keyRate(ms)]);
        await storage.close();
      }
      const storage = new MongoStorage({ uri: server.uri, db, collection: 'get' });
      await storage.merge(getEntries);
      // Warm up (connect, indexes) and check the answer before timing.
      const warm = await storage.get(monthOfDays);
      check(warm.size === 31, 'MongoStorage get of 31 keys returned the wrong number of keys');
      for (const { key, delta } of getEntries) {
        check(indexesEqual(warm.get(keyToString(key))!, delta), 'MongoStorage get returned a wrong index');
      }
      mongoGetTiming = await timeTasks(
        { 'MongoStorage get(31 keys)': () => storage.get(monthOfDays) },
        { time: 2000 },
      );
      memoryGetTiming = await timeTasks({ 'MemoryStorage get(31 keys)': () => memoryGet.get(monthOfDays) });
      await storage.close();
      const cleanup = await new MongoClient(server.uri).connect();
      await cleanup.db(db).dropDatabase();
      await cleanup.close();
    } finally {
      await server.stop();
    }

    const getRows = [...Object.values(memoryGetTiming), ...Object.values(mongoGetTiming)].map((t) => [
      t.name,
      formatMs(t.p50Ms),
      formatMs(t.p99Ms),
      formatMs(t.meanMs),
      t.samples,
    ]);
    const single1 = '1 eviction (2 keys) per call';
    const batch50 = `${BATCH} evictions (${BATCH * 2} keys) per call`;
    return `
MongoDB server: ${server.name}. ${server.ferret ? 'The adapter detected FerretDB and ran in its FerretDB mode (point reads, writes in turn); FerretDB/SQLite serialises every write, so the MongoStorage rows measure FerretDB, not what MongoDB would do.' : ''}

Fixture (seeded): ${EVICTIONS.toLocaleString('en')} evictions, each one delta merged into its day key and its month key (${(EVICTIONS * 2).toLocaleString('en')} key merges); ${URLS} urls (skewed), ${BUCKETS} buckets, 31 days → ${dayKeys} day keys and ${monthKeys} month keys; ${cellsPerDelta.toFixed(0)} cells per delta on average (gaussian click blobs). Every run is checked cell by cell against a naive count before it is reported. One pass per MongoStorage shape (fresh collection); best of 5 for MemoryStorage.

${markdownTable(['merge', 'runs', 'time for 1,000 evictions', 'evictions/s', 'key merges/s'], rows)}

MemoryStorage is ${formatRatio(naive.ms / memoryMs[single1]!)} the naive Map baseline per eviction (it keeps sorted typed arrays, merged linearly); MongoStorage with ${BATCH} evictions per call runs at ${formatRatio(mongoMs[single1]! / mongoMs[batch50]!)} the speed of one eviction per call (batching saves round trips, which FerretDB's serialised writes hide).

\`get\` of 31 day keys (one page, one month of day indexes):

${markdownTable(['get', 'median', 'p99', 'mean', 'samples'], getRows)}
`;
  },
};

export default area;
