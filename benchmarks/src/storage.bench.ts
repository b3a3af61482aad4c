/**
 * Storage: merges per second of 1,000 evicted day + month deltas into MemoryStorage and
 * MongoStorage (one eviction per merge call, as the live cache evicts, and 50 evictions per call),
 * each without and with exactly-once marks (writer + position) in the same run: the cost of
 * idempotency in time and in bytes per stored document. Then the latency of `get` for 31 keys,
 * and the growth of one document as 1, 10, 100, 1,000 writers' marks accumulate (and shrink
 * again through `markTtlMs`). Every result is checked against a naive count before it is
 * reported; a naive in-process Map merge is the baseline of the merge rows.
 *
 * The MongoDB figures come from `MONGODB_URI` when set, otherwise from the repository's FerretDB
 * test server (over PostgreSQL, or SQLite as the fallback), which is not MongoDB: its figures
 * say little about a MongoDB server, and the report names the server beside every figure.
 */
import {
  GridBuilder,
  type GridIndex,
  type IndexKey,
  indexesEqual,
  keyToString,
  mergeMany,
  type Period,
} from '@monkeytracker/grid';
import { MemoryStorage, type MergeEntry, type StorageAdapter } from '@monkeytracker/storage';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { BSON, type Collection, MongoClient } from 'mongodb';
import {
  type BenchArea,
  check,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  gaussian,
  markdownTable,
  seededRandom,
  timeTasks,
} from './harness.ts';
import { startBenchMongo } from './mongo-server.ts';

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

/** Merge calls for the evictions: `perCall` evictions (2 entries each) per call; with `writer`, eviction i is at position i + 1. */
function calls(evictions: Eviction[], perCall: number, writer?: string): MergeEntry[][] {
  const out: MergeEntry[][] = [];
  for (let i = 0; i < evictions.length; i += perCall) {
    out.push(
      evictions.slice(i, i + perCall).flatMap((e, j) => {
        const mark = writer === undefined ? {} : { writer, position: i + j + 1 };
        return [
          { key: e.day, delta: e.delta, ...mark },
          { key: e.month, delta: e.delta, ...mark },
        ];
      }),
    );
  }
  return out;
}

/** Merges every call in order and returns the elapsed ms and the summed report. */
async function mergeAll(
  storage: StorageAdapter,
  plan: MergeEntry[][],
): Promise<{ ms: number; applied: number; skipped: number }> {
  let applied = 0;
  let skipped = 0;
  const started = performance.now();
  for (const entries of plan) {
    const report = await storage.merge(entries);
    applied += report.applied;
    skipped += report.skipped;
  }
  return { ms: performance.now() - started, applied, skipped };
}

/** Checks that the storage holds exactly the oracle's indexes (and the writer's last position, with marks). */
async function verify(
  storage: StorageAdapter,
  expected: Map<string, GridIndex>,
  what: string,
  lastPositions?: Map<string, number>,
): Promise<void> {
  const keys = [...expected.keys()].map((id) => keyById.get(id)!);
  const got = await storage.get(keys);
  check(got.size === expected.size, `${what}: ${got.size} keys stored, expected ${expected.size}`);
  for (const [id, index] of expected) {
    const stored = got.get(id);
    check(
      stored !== undefined && indexesEqual(stored.index, index),
      `${what}: key ${id} differs from the naive count`,
    );
    const marks = Object.keys(stored.marks);
    if (lastPositions === undefined)
      check(marks.length === 0, `${what}: key ${id} has marks without writers`);
    else
      check(
        marks.length === 1 && stored.marks[WRITER] === lastPositions.get(id),
        `${what}: key ${id} has mark ${JSON.stringify(stored.marks)}, expected ${WRITER}: ${lastPositions.get(id)}`,
      );
  }
}

/** The key objects of the fixture by their string form (filled by `run`). */
const keyById = new Map<string, IndexKey>();

/** A writer id shaped like a journal's (`w` + 16 hex digits), seeded. */
function writerId(random: () => number): string {
  let hex = '';
  for (let i = 0; i < 16; i++) hex += Math.floor(random() * 16).toString(16);
  return `w${hex}`;
}

const WRITER = writerId(seededRandom(7));

/** The naive baseline: a Map of cell → count per key, merged one event cell at a time. */
function naiveMerge(plan: MergeEntry[][]): { ms: number; store: Map<string, Map<number, number>> } {
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

/** BSON bytes of the index documents of a collection (claims excluded): mean and largest. */
async function documentBytes(
  client: MongoClient,
  db: string,
  collection: string,
): Promise<{ docs: number; mean: number; max: number }> {
  let docs = 0;
  let sum = 0;
  let max = 0;
  for await (const doc of client
    .db(db)
    .collection(collection)
    .find({ g: { $in: ['d', 'm'] } })) {
    const bytes = BSON.calculateObjectSize(doc);
    docs++;
    sum += bytes;
    if (bytes > max) max = bytes;
  }
  return { docs, mean: docs > 0 ? sum / docs : 0, max };
}

/** The BSON bytes of one document by `_id`. */
async function oneDocumentBytes(client: MongoClient, db: string, collection: string, id: string) {
  const doc = await client
    .db(db)
    .collection(collection)
    .findOne({ _id: id as never });
  check(doc !== null, `document ${id} exists`);
  return BSON.calculateObjectSize(doc);
}

const MODES = [
  { label: 'no marks', writer: undefined },
  { label: 'marks (writer + position)', writer: WRITER },
] as const;
/**
 * MongoStorage only: the marks plan again with the page stamps' writes dropped — the same-run
 * baseline of what the stamps cost a merge.
 */
const STAMPLESS = { label: 'marks, page stamp writes dropped (baseline of their cost)', writer: WRITER };
const MONGO_MODES: readonly { label: string; writer: string | undefined }[] = [...MODES, STAMPLESS];

/**
 * The index collection as is, with a stamps collection that acknowledges every write at once and
 * holds nothing: what MongoStorage would cost without page stamps (never for real use: readers
 * would then trust stamps that do not move).
 */
function withoutStamps(collection: Collection): Collection {
  const acknowledged = {
    acknowledged: true,
    matchedCount: 1,
    modifiedCount: 1,
    upsertedCount: 0,
    upsertedId: null,
  };
  const stamps = {
    createIndex: async () => 'mt_open_page',
    insertMany: async () => ({ acknowledged: true, insertedCount: 1, insertedIds: {} }),
    updateOne: async () => acknowledged,
    deleteMany: async () => ({ acknowledged: true, deletedCount: 0 }),
    findOne: async () => null,
    find: () => ({ toArray: async () => [] }),
  };
  const db = new Proxy(collection.db, {
    get: (target, prop, receiver) =>
      prop === 'collection' ? () => stamps : Reflect.get(target, prop, receiver),
  });
  return new Proxy(collection, {
    get: (target, prop, receiver) => (prop === 'db' ? db : Reflect.get(target, prop, receiver)),
  });
}

const SHAPES = [
  { label: '1 eviction (2 keys) per call', perCall: 1 },
  { label: `${BATCH} evictions (${BATCH * 2} keys) per call`, perCall: BATCH },
] as const;
const GROWTH_STEPS = [1, 10, 100, 1000];

/** How the growth measurement reaches one adapter. */
interface GrowthTarget {
  /** A store for one phase (emptied first). */
  open(): StorageAdapter;
  /** The store that merges after the wait: the same data, with `markTtlMs` 1,000 ms. */
  openPruning(marks: StorageAdapter): StorageAdapter;
  bytesOf(storage: StorageAdapter, id: string): Promise<number>;
  wait(ms: number): Promise<void>;
}

/** One key merged by 1, 10, 100, 1,000 writers (one merge each), then pruned by `markTtlMs`. */
async function growth(target: GrowthTarget) {
  const key: IndexKey = { site: 'bench', url: '/growth', kind: 'click', bucket: 0, period: 'd:2024-03-01' };
  const id = keyToString(key);
  const delta = blobDelta(seededRandom(99));
  const random = seededRandom(1000);
  const last = GROWTH_STEPS.at(-1)!;
  const writers = Array.from({ length: last + 1 }, () => writerId(random));
  const rows = GROWTH_STEPS.map((writers) => ({ writers, bytes: 0, baseBytes: 0, mergeMs: 0, baseMs: 0 }));
  let marksStore: StorageAdapter | undefined;
  for (const withMarks of [false, true]) {
    const storage = target.open();
    await storage.delete({ all: true });
    let done = 0;
    for (const [at, step] of GROWTH_STEPS.entries()) {
      const started = performance.now();
      const from = done;
      for (; done < step; done++) {
        await storage.merge([
          withMarks ? { key, delta, writer: writers[done]!, position: 1 } : { key, delta },
        ]);
      }
      const perMerge = (performance.now() - started) / (step - from);
      const stored = (await storage.get([key])).get(id)!;
      check(
        stored.index.total === delta.total * step,
        `growth: ${step} merges add up to ${delta.total * step}`,
      );
      const marks = Object.keys(stored.marks).length;
      check(marks === (withMarks ? step : 0), `growth: ${marks} marks after ${step} writers`);
      const bytes = await target.bytesOf(storage, id);
      const row = rows[at]!;
      if (withMarks) Object.assign(row, { bytes, mergeMs: perMerge });
      else Object.assign(row, { baseBytes: bytes, baseMs: perMerge });
    }
    if (withMarks) {
      // A re-sent delta of every writer is skipped (that is what the marks buy).
      const resent = await storage.merge(
        writers.slice(0, last).map((w) => ({ key, delta, writer: w, position: 1 })),
      );
      check(
        resent.applied === 0 && resent.skipped === last,
        `growth: ${last} re-sent deltas skipped (${JSON.stringify(resent)})`,
      );
      marksStore = storage;
    } else await storage.close();
  }
  // Pruning: every mark is older than markTtlMs at the next write, which keeps only its own.
  await target.wait(1100);
  const pruning = target.openPruning(marksStore!);
  await pruning.merge([{ key, delta, writer: writers[last]!, position: 1 }]);
  const stored = (await pruning.get([key])).get(id)!;
  check(Object.keys(stored.marks).length === 1, `pruned: ${Object.keys(stored.marks).length} marks left`);
  check(stored.index.total === delta.total * (last + 1), 'pruned: the counts are kept');
  const prunedBytes = await target.bytesOf(pruning, id);
  await pruning.delete({ all: true });
  await pruning.close();
  await marksStore!.close();
  return { rows, prunedBytes, cells: delta.cells.length };
}

function growthTable(g: Awaited<ReturnType<typeof growth>>, unit: string): string {
  return markdownTable(
    [
      'writers merged',
      `${unit} with marks`,
      'without marks (baseline)',
      'marks ÷ baseline',
      'ms per merge in the step, marks / baseline',
    ],
    [
      ...g.rows.map((r) => [
        r.writers.toLocaleString('en'),
        formatBytes(r.bytes),
        formatBytes(r.baseBytes),
        formatRatio(r.bytes / r.baseBytes),
        `${formatMs(r.mergeMs)} / ${formatMs(r.baseMs)}`,
      ]),
      [
        '1,000 + 1 after `markTtlMs` (1 s) passed',
        formatBytes(g.prunedBytes),
        '',
        formatRatio(g.prunedBytes / g.rows[0]!.baseBytes),
        '',
      ],
    ],
  );
}

const area: BenchArea = {
  name: 'storage',
  title: 'Storage: merges, the cost of exactly-once marks, document growth',
  async run() {
    const evictions = buildEvictions();
    for (const e of evictions) {
      keyById.set(keyToString(e.day), e.day);
      keyById.set(keyToString(e.month), e.month);
    }
    const expected = expectedIndexes(evictions);
    const lastPositions = new Map<string, number>();
    evictions.forEach((e, i) => {
      lastPositions.set(keyToString(e.day), i + 1);
      lastPositions.set(keyToString(e.month), i + 1);
    });
    const plans = new Map<string, MergeEntry[][]>();
    for (const shape of SHAPES)
      for (const mode of MODES)
        plans.set(`${shape.label}|${mode.label}`, calls(evictions, shape.perCall, mode.writer));
    const planOf = (shape: (typeof SHAPES)[number], mode: (typeof MODES)[number]) =>
      plans.get(`${shape.label}|${mode.label}`)!;
    const cellsPerDelta = evictions.reduce((s, e) => s + e.delta.cells.length, 0) / evictions.length;
    const dayKeys = new Set(evictions.map((e) => keyToString(e.day))).size;
    const monthKeys = new Set(evictions.map((e) => keyToString(e.month))).size;
    const notes: string[] = [];

    // The naive baseline, checked against the oracle.
    // The naive baseline, best of 5 like MemoryStorage, each run checked against the oracle.
    const naive = { ms: Number.POSITIVE_INFINITY };
    for (let run = 0; run < 5; run++) {
      const r = naiveMerge(planOf(SHAPES[0], MODES[0]));
      for (const [id, index] of expected) {
        const cells = r.store.get(id)!;
        check(cells.size === index.cells.length, `naive baseline: key ${id} has the wrong cell count`);
      }
      naive.ms = Math.min(naive.ms, r.ms);
    }

    // 31 day keys of one page (a month of day indexes), for the get latency.
    const random = seededRandom(31);
    const page = { site: 'bench', url: '/get/month', kind: 'click' as const, bucket: 1 };
    const monthOfDays: IndexKey[] = Array.from({ length: 31 }, (_, d) => ({
      ...page,
      period: `d:2024-03-${String(d + 1).padStart(2, '0')}` as Period,
    }));
    const getEntries = monthOfDays.map((key, d) => ({
      key,
      delta: blobDelta(random),
      writer: WRITER,
      position: d + 1,
    }));

    const evictionRate = (ms: number) => formatRate((EVICTIONS * 1000) / ms);
    const keyRate = (ms: number) => formatRate((EVICTIONS * 2 * 1000) / ms);
    const rows: (string | number)[][] = [
      [
        'naive Map<cell, count> (baseline, in process)',
        '—',
        'best of 5',
        formatMs(naive.ms),
        evictionRate(naive.ms),
        keyRate(naive.ms),
        '',
        '',
        '',
      ],
    ];
    const times = new Map<string, number>();

    // MemoryStorage: best of 5 fresh runs per shape and mode, the modes interleaved.
    for (const shape of SHAPES) {
      const best = new Map<string, { ms: number; bytes: number; resentMs: number }>();
      for (let run = 0; run < 5; run++) {
        for (const mode of MODES) {
          const storage = new MemoryStorage();
          const plan = planOf(shape, mode);
          const r = await mergeAll(storage, plan);
          const what = `MemoryStorage, ${shape.label}, ${mode.label}`;
          check(r.applied === EVICTIONS * 2 && r.skipped === 0, `${what}: every entry applied once`);
          await verify(storage, expected, what, mode.writer ? lastPositions : undefined);
          let resentMs = Number.NaN;
          if (mode.writer) {
            const again = await mergeAll(storage, plan);
            check(
              again.applied === 0 && again.skipped === EVICTIONS * 2,
              `${what}: a re-sent plan is skipped whole`,
            );
            await verify(storage, expected, `${what}, re-sent`, lastPositions);
            resentMs = again.ms;
          }
          const prev = best.get(mode.label);
          const bytes = storage.bytesUsed / storage.size;
          if (!prev || r.ms < prev.ms)
            best.set(mode.label, {
              ms: r.ms,
              bytes,
              resentMs: Math.min(resentMs, prev?.resentMs ?? Infinity),
            });
          else prev.resentMs = Math.min(prev.resentMs, resentMs);
          await storage.close();
        }
      }
      const base = best.get(MODES[0].label)!;
      for (const mode of MODES) {
        const b = best.get(mode.label)!;
        times.set(`memory|${shape.label}|${mode.label}`, b.ms);
        rows.push([
          `MemoryStorage, ${shape.label}`,
          mode.label,
          'best of 5',
          formatMs(b.ms),
          evictionRate(b.ms),
          keyRate(b.ms),
          mode.writer ? formatRatio(base.ms / b.ms) : '1 (baseline)',
          `${b.bytes.toFixed(0)} B (charged)${mode.writer ? `, ${formatRatio(b.bytes / base.bytes)}` : ''}`,
          mode.writer ? `${formatMs(b.resentMs)} (${keyRate(b.resentMs)})` : '',
        ]);
      }
    }
    const memoryGet = new MemoryStorage();
    await memoryGet.merge(getEntries);

    const mongo = await startBenchMongo();
    let mongoGetTiming: Awaited<ReturnType<typeof timeTasks>> = {};
    let memoryGetTiming: Awaited<ReturnType<typeof timeTasks>> = {};
    let mongoGrowth: Awaited<ReturnType<typeof growth>> | undefined;
    let mongoName = '';
    const stampCost: string[] = [];
    if ('unavailable' in mongo) {
      notes.push(`MongoStorage skipped: ${mongo.unavailable}.`);
      console.log(`MongoStorage skipped: ${mongo.unavailable}`);
      memoryGetTiming = await timeTasks({ 'MemoryStorage get(31 keys)': () => memoryGet.get(monthOfDays) });
    } else {
      mongoName = mongo.name;
      const client = await new MongoClient(mongo.uri).connect();
      const db = `mt_bench_${Date.now().toString(36)}`;
      try {
        // Two rounds per shape, the modes in opposite order in the second, best of 2 reported.
        for (const shape of SHAPES) {
          const best = new Map<string, { ms: number; bytes: number; resentMs: number }>();
          for (const round of [0, 1]) {
            for (const mode of round === 0 ? MONGO_MODES : [...MONGO_MODES].reverse()) {
              const stampless = mode === STAMPLESS;
              const collection = `merge_${shape.perCall}_${stampless ? 'stampless' : mode.writer ? 'marks' : 'plain'}_${round}`;
              const storage = stampless
                ? new MongoStorage({ collection: withoutStamps(client.db(db).collection(collection)) })
                : new MongoStorage({ uri: mongo.uri, db, collection });
              await storage.get([evictions[0]!.day]); // connect and create indexes before timing
              const plan = planOf(shape, stampless ? MODES[1] : (mode as (typeof MODES)[number]));
              const what = `MongoStorage, ${shape.label}, ${mode.label}, round ${round + 1}`;
              const r = await mergeAll(storage, plan);
              check(
                r.applied === EVICTIONS * 2 && r.skipped === 0,
                `${what}: every entry applied once (${JSON.stringify(r)})`,
              );
              await verify(storage, expected, what, mode.writer ? lastPositions : undefined);
              let resentMs = Number.POSITIVE_INFINITY;
              if (mode.writer) {
                const again = await mergeAll(storage, plan);
                check(
                  again.applied === 0 && again.skipped === EVICTIONS * 2,
                  `${what}: a re-sent plan is skipped whole`,
                );
                await verify(storage, expected, `${what}, re-sent`, lastPositions);
                resentMs = again.ms;
              }
              const docs = await documentBytes(client, db, collection);
              check(
                docs.docs === expected.size,
                `${what}: ${docs.docs} documents, expected ${expected.size}`,
              );
              const prev = best.get(mode.label);
              best.set(mode.label, {
                ms: Math.min(r.ms, prev?.ms ?? Number.POSITIVE_INFINITY),
                bytes: docs.mean,
                resentMs: Math.min(resentMs, prev?.resentMs ?? Number.POSITIVE_INFINITY),
              });
              await storage.close();
            }
          }
          const base = best.get(MODES[0].label)!;
          stampCost.push(
            `${shape.label} ${formatRatio(best.get(STAMPLESS.label)!.ms / best.get(MODES[1].label)!.ms)}`,
          );
          for (const mode of MONGO_MODES) {
            const b = best.get(mode.label)!;
            times.set(`mongo|${shape.label}|${mode.label}`, b.ms);
            rows.push([
              `MongoStorage, ${shape.label}`,
              mode.label,
              'best of 2',
              formatMs(b.ms),
              evictionRate(b.ms),
              keyRate(b.ms),
              mode.writer ? formatRatio(base.ms / b.ms) : '1 (baseline)',
              `${b.bytes.toFixed(0)} B (BSON)${mode.writer ? `, ${formatRatio(b.bytes / base.bytes)}` : ''}`,
              mode.writer ? `${formatMs(b.resentMs)} (${keyRate(b.resentMs)})` : '',
            ]);
          }
        }
        const storage = new MongoStorage({ uri: mongo.uri, db, collection: 'get' });
        await storage.merge(getEntries);
        // Warm up (connect, indexes) and check the answer before timing.
        const warm = await storage.get(monthOfDays);
        check(warm.size === 31, 'MongoStorage get of 31 keys returned the wrong number of keys');
        for (const { key, delta } of getEntries) {
          check(
            indexesEqual(warm.get(keyToString(key))!.index, delta),
            'MongoStorage get returned a wrong index',
          );
        }
        const uncached = new MongoStorage({ uri: mongo.uri, db, collection: 'get', cacheBytes: 0 });
        await uncached.get(monthOfDays);
        mongoGetTiming = await timeTasks(
          {
            'MongoStorage get(31 keys), cache warm (one page-stamp read)': () => storage.get(monthOfDays),
            'MongoStorage get(31 keys), cache off': () => uncached.get(monthOfDays),
          },
          { time: 2000 },
        );
        await uncached.close();
        memoryGetTiming = await timeTasks({ 'MemoryStorage get(31 keys)': () => memoryGet.get(monthOfDays) });
        await storage.close();

        mongoGrowth = await growth({
          open: () => new MongoStorage({ uri: mongo.uri, db, collection: 'growth' }),
          openPruning: () => new MongoStorage({ uri: mongo.uri, db, collection: 'growth', markTtlMs: 1000 }),
          bytesOf: (_storage, id) => oneDocumentBytes(client, db, 'growth', id),
          wait: (ms) => new Promise((r) => setTimeout(r, ms)),
        });
        await client.db(db).dropDatabase();
      } finally {
        await client.close();
        await mongo.stop();
      }
    }
    // The same growth in MemoryStorage (its charged bytes), on a clock that only the wait moves.
    let clock = Date.UTC(2026, 11, 1);
    const memoryGrowth = await growth({
      open: () => new MemoryStorage({ now: () => clock, markTtlMs: 1000 }),
      openPruning: (marks) => marks,
      bytesOf: async (storage) => (storage as MemoryStorage).bytesUsed,
      wait: async (ms) => {
        clock += ms;
      },
    });

    const getRows = [...Object.values(memoryGetTiming), ...Object.values(mongoGetTiming)].map((t) => [
      t.name,
      formatMs(t.p50Ms),
      formatMs(t.p99Ms),
      formatMs(t.meanMs),
      t.samples,
    ]);
    const single = SHAPES[0].label;
    const memorySingle = times.get(`memory|${single}|${MODES[0].label}`)!;
    const sections = [
      `MongoDB server: ${mongoName || 'none'}.${mongoName ? ' MongoStorage detects FerretDB and runs in its FerretDB mode (point reads, version claims), so the MongoStorage rows measure that server and that mode, not what MongoDB would do.' : ''}`,
      `Fixture (seeded): ${EVICTIONS.toLocaleString('en')} evictions, each one delta merged into its day key and its month key (${(EVICTIONS * 2).toLocaleString('en')} key merges); ${URLS} urls (skewed), ${BUCKETS} buckets, 31 days → ${dayKeys} day keys and ${monthKeys} month keys; ${cellsPerDelta.toFixed(0)} cells per delta on average (gaussian click blobs). "marks": every entry carries one writer id (\`${WRITER}\`, a journal's shape) and eviction i's position i + 1, as the pipeline sends them. Every run is checked against a naive count cell by cell, and with marks the stored mark of every key is checked; then the same plan is sent again and must be skipped whole (\`{ applied: 0, skipped: 2000 }\`), indexes unchanged. Best of 5 for MemoryStorage (modes interleaved); best of 2 for MongoStorage (a fresh collection per pass, the modes in opposite order in the second round).`,
      `### Merges, without and with exactly-once marks\n\n${markdownTable(
        [
          'merge',
          'mode',
          'runs',
          'time for 1,000 evictions',
          'evictions/s',
          'key merges/s',
          'speed ÷ no marks',
          'bytes per stored document',
          're-sent plan (all skipped)',
        ],
        rows,
      )}`,
      `MemoryStorage is ${formatRatio(naive.ms / memorySingle)} the naive Map baseline per eviction without marks. "Bytes per stored document": MemoryStorage's own charge (12 per cell, 2 per key character, 48 per mark: an estimate, not heap); for MongoStorage the BSON size of the index documents as read back (\`BSON.calculateObjectSize\`), mean over the ${expected.size.toLocaleString('en')} documents.`,
      stampCost.length > 0
        ? `Page stamps (MongoStorage holds each merge round's pages open — a marker per page before, a new page epoch and the markers removed after — so that a warm \`get\` is one small read): merge speed with stamps ÷ with their writes dropped, marks on, same run: ${stampCost.join('; ')}.`
        : '',
      `### \`get\` of 31 day keys (one page, one month of day indexes)\n\n${markdownTable(['get', 'median', 'p99', 'mean', 'samples'], getRows)}`,
    ];
    if (mongoGrowth) {
      sections.push(
        `### One document as writers accumulate (MongoStorage, ${mongoName})\n\nOne key (${mongoGrowth.cells} cells), one merge per writer; each writer adds a mark \`{ [writer]: { p, at } }\`. Baseline: the same merges without writer/position (no marks). Checked at every step: the counts add up and the document holds one mark per writer; after 1,000 writers the 1,000 re-sent deltas are all skipped. Last row: a MongoStorage with \`markTtlMs: 1000\` merges one new writer 1.1 s later and drops every idle mark.\n\n${growthTable(mongoGrowth, 'BSON bytes')}`,
      );
    }
    if (memoryGrowth) {
      sections.push(
        `### The same in MemoryStorage (charged bytes)\n\n${growthTable(memoryGrowth, 'charged bytes')}`,
      );
    }
    if (notes.length > 0) sections.push(`Notes:\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
    return sections.filter((section) => section !== '').join('\n\n');
  },
};

export default area;
