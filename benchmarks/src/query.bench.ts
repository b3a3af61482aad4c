/**
 * Query area, the headline: heatmap latency over 10 M clicks on one page across 3 months,
 * answered from month + day indexes, against the talk's first architecture (raw rows and
 * `GROUP BY cell`) in DuckDB and SQLite on the same rows, each with the index a DBA would add.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIGINT, DuckDBDataChunk, DuckDBInstance, INTEGER, SMALLINT } from '@duckdb/node-api';
import {
  blockPeriod,
  cellOf,
  dayNumberOf,
  encodeIndex,
  formatDay,
  GridBuilder,
  type IndexKey,
  type Period,
  parseDay,
} from '@monkeytracker/grid';
import { type Heatmap, planQuery, queryHeatmap } from '@monkeytracker/query';
import { MemoryStorage, type PeriodPrefix, periodPrefix, type StorageAdapter } from '@monkeytracker/storage';
import { MongoStorage } from '@monkeytracker/storage-mongodb';
import { clickPoint } from './fixtures.ts';
import {
  type BenchArea,
  check,
  formatBytes,
  formatMs,
  formatRatio,
  markdownTable,
  measurePeakRss,
  seededRandom,
  timeTasks,
  verdict,
} from './harness.ts';
import { startBenchMongo } from './mongo-server.ts';

const here = dirname(fileURLToPath(import.meta.url));
const EVENTS = Number(process.env.MT_BENCH_QUERY_EVENTS ?? 10_000_000);
const NOW = Date.UTC(2026, 10, 26, 12); // "today" is 2026-11-26, in UTC
const FIRST_DAY = dayNumberOf(2026, 8, 27);
const LAST_DAY = dayNumberOf(2026, 11, 26);
const CELL = 10;
const URL_ID = 1;
const PAGE = { site: 'default', url: 'https://shop.example/', kind: 'click' } as const;
const BUCKETS = [0, 2, 4]; // phones, tablets, laptops: 25 %, 15 %, 60 %
const TOP = 5000;

const RANGES: { name: string; from: string; to: string }[] = [
  { name: '1 day', from: '2026-11-20', to: '2026-11-20' },
  { name: 'running month', from: '2026-11-01', to: '2026-11-26' },
  { name: '45 days across a month end', from: '2026-09-15', to: '2026-10-29' },
  { name: 'full 3 months', from: formatDay(FIRST_DAY), to: formatDay(LAST_DAY) },
];

/** The raw rows, column-wise: what the peers load and what our indexes are built from. */
interface Rows {
  t: Float64Array;
  x: Int32Array;
  y: Int32Array;
  bucket: Int16Array;
}

function generateRows(): Rows {
  const random = seededRandom(42);
  const span = (LAST_DAY + 1 - FIRST_DAY) * 86_400_000;
  const start = FIRST_DAY * 86_400_000;
  const rows: Rows = {
    t: new Float64Array(EVENTS),
    x: new Int32Array(EVENTS),
    y: new Int32Array(EVENTS),
    bucket: new Int16Array(EVENTS),
  };
  for (let i = 0; i < EVENTS; i++) {
    // Time order with jitter, stopping at "now" on the last day (the running day).
    rows.t[i] = Math.min(start + ((i + random()) / EVENTS) * span, NOW - 1);
    const p = clickPoint(random);
    rows.x[i] = Math.floor(p.x);
    rows.y[i] = Math.floor(p.y);
    const b = random();
    rows.bucket[i] = b < 0.25 ? 0 : b < 0.4 ? 2 : 4;
  }
  return rows;
}

/** Encoded bytes of every stored index, by period kind (`d`, `b3`, `b9`, `m`). */
async function bytesByPeriod(storage: StorageAdapter): Promise<Record<PeriodPrefix, number>> {
  const out: Record<PeriodPrefix, number> = { d: 0, b3: 0, b9: 0, m: 0 };
  const keys: IndexKey[] = [];
  for await (const { key } of storage.list()) keys.push(key);
  for (const [id, { index }] of await storage.get(keys))
    out[periodPrefix(id.split('|')[3]!)] += encodeIndex(index).length;
  return out;
}

/** The ingest path's result: one delta per (day, bucket), merged under its day, 3- and 9-day block and month keys. */
async function loadIndexes(rows: Rows, storage: StorageAdapter): Promise<number> {
  const started = performance.now();
  let day = -1;
  let builders = new Map<number, GridBuilder>();
  const flush = async () => {
    for (const [bucket, builder] of builders) {
      const d = formatDay(day);
      const key: IndexKey = { ...PAGE, bucket, period: `d:${d}` as Period };
      const delta = builder.toIndex();
      await storage.merge([
        { key, delta },
        { key: { ...key, period: blockPeriod(day, 3) }, delta },
        { key: { ...key, period: blockPeriod(day, 9) }, delta },
        { key: { ...key, period: `m:${d.slice(0, 7)}` as Period }, delta },
      ]);
    }
    builders = new Map();
  };
  for (let i = 0; i < EVENTS; i++) {
    const d = Math.floor(rows.t[i]! / 86_400_000);
    if (d !== day) {
      if (day >= 0) await flush();
      day = d;
    }
    const bucket = rows.bucket[i]!;
    let b = builders.get(bucket);
    if (!b) builders.set(bucket, (b = new GridBuilder({ cellSize: CELL })));
    b.add(cellOf(rows.x[i]!, rows.y[i]!, CELL));
  }
  await flush();
  return performance.now() - started;
}

function bounds(range: { from: string; to: string }): [number, number] {
  return [parseDay(range.from)! * 86_400_000, (parseDay(range.to)! + 1) * 86_400_000];
}

/** Our answer, and the same for a peer, reduced to comparable form. */
interface Answer {
  total: number;
  cells: string[];
}

function ours(h: Heatmap): Answer {
  return { total: h.total, cells: h.cells.map((c) => `${c.x / CELL},${c.y / CELL},${c.count}`) };
}

function sameAnswer(a: Answer, b: Answer): boolean {
  return (
    a.total === b.total && a.cells.length === b.cells.length && a.cells.every((c, i) => c === b.cells[i])
  );
}

async function duckdbPeer(rows: Rows) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const loadStarted = performance.now();
  await connection.run(
    'CREATE TABLE events (t BIGINT, url_id INTEGER, bucket SMALLINT, x INTEGER, y INTEGER)',
  );
  const appender = await connection.createAppender('events');
  const CHUNK = 2048;
  for (let start = 0; start < EVENTS; start += CHUNK) {
    const n = Math.min(CHUNK, EVENTS - start);
    const chunk = DuckDBDataChunk.create([BIGINT, INTEGER, SMALLINT, INTEGER, INTEGER], n);
    const t: bigint[] = new Array(n);
    const url: number[] = new Array(n).fill(URL_ID);
    for (let i = 0; i < n; i++) t[i] = BigInt(Math.floor(rows.t[start + i]!));
    chunk.setColumns([
      t,
      url,
      Array.from(rows.bucket.subarray(start, start + n)),
      Array.from(rows.x.subarray(start, start + n)),
      Array.from(rows.y.subarray(start, start + n)),
    ]);
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  await connection.run('CREATE INDEX events_page_time ON events (url_id, bucket, t)');
  const loadMs = performance.now() - loadStarted;
  const sql = `WITH g AS (SELECT x // ${CELL} AS cx, y // ${CELL} AS cy, count(*) AS c FROM events
      WHERE url_id = $1 AND bucket = $2 AND t >= $3 AND t < $4 GROUP BY 1, 2)
    SELECT cx, cy, c, (SELECT sum(c) FROM g) AS total FROM g ORDER BY c DESC, cy, cx LIMIT ${TOP}`;
  const query = async (range: { from: string; to: string }): Promise<Answer> => {
    const [from, to] = bounds(range);
    const reader = await connection.runAndReadAll(sql, [URL_ID, 4, BigInt(from), BigInt(to)]);
    const out = reader.getRowsJS() as [number, number, bigint, bigint][];
    return { total: Number(out[0]?.[3] ?? 0), cells: out.map(([cx, cy, c]) => `${cx},${cy},${Number(c)}`) };
  };
  return { loadMs, query, close: () => connection.closeSync() };
}

/**
 * better-sqlite3 is opt-in (a native addon built by node-gyp): installed into `benchmarks/.peers/`
 * by `pnpm --filter @monkeytracker/benchmarks install-sqlite-peer`, or resolvable from here if a
 * developer added it to the workspace. Returns the constructor, or why it is absent.
 */
function loadSqlite(): typeof import('better-sqlite3') | string {
  const places = [join(here, '..', 'package.json'), join(here, '..', '.peers', 'package.json')];
  const reasons: string[] = [];
  for (const place of places) {
    try {
      return createRequire(place)('better-sqlite3') as typeof import('better-sqlite3');
    } catch (err) {
      reasons.push((err as Error).message.split('\n')[0]!);
    }
  }
  return `better-sqlite3 is not installed (opt in with \`pnpm --filter @monkeytracker/benchmarks install-sqlite-peer\`; ${reasons.at(-1)})`;
}

async function sqlitePeer(rows: Rows) {
  const Database = loadSqlite();
  if (typeof Database === 'string') return { unavailable: Database };
  const db = new Database(':memory:');
  const loadStarted = performance.now();
  db.exec('CREATE TABLE events (t INTEGER, url_id INTEGER, bucket INTEGER, x INTEGER, y INTEGER)');
  const insert = db.prepare('INSERT INTO events VALUES (?, ?, ?, ?, ?)');
  const load = db.transaction(() => {
    for (let i = 0; i < EVENTS; i++)
      insert.run(Math.floor(rows.t[i]!), URL_ID, rows.bucket[i]!, rows.x[i]!, rows.y[i]!);
  });
  load();
  // A covering index: the best a DBA can give this query in SQLite.
  db.exec('CREATE INDEX events_page_time ON events (url_id, bucket, t, x, y)');
  const loadMs = performance.now() - loadStarted;
  const statement =
    db.prepare(`WITH g AS (SELECT x / ${CELL} AS cx, y / ${CELL} AS cy, count(*) AS c FROM events
      WHERE url_id = ? AND bucket = ? AND t >= ? AND t < ? GROUP BY 1, 2)
    SELECT cx, cy, c, (SELECT sum(c) FROM g) AS total FROM g ORDER BY c DESC, cy, cx LIMIT ${TOP}`);
  const query = (range: { from: string; to: string }): Answer => {
    const [from, to] = bounds(range);
    const out = statement.raw().all(URL_ID, 4, from, to) as [number, number, number, number][];
    return { total: out[0]?.[3] ?? 0, cells: out.map(([cx, cy, c]) => `${cx},${cy},${c}`) };
  };
  return { loadMs, query, close: () => db.close() };
}

const area: BenchArea = {
  name: 'query',
  title: `Query: heatmaps over ${EVENTS === 10_000_000 ? '10 M' : EVENTS.toLocaleString('en')} events vs raw rows + GROUP BY`,
  async run() {
    const notes: string[] = [];
    const { result: rows, peakRss: genRss } = await measurePeakRss(() => generateRows());
    const memory = new MemoryStorage();
    const memoryLoadMs = await loadIndexes(rows, memory);
    const stored = await bytesByPeriod(memory);

    const run = async (storage: StorageAdapter, range: { from: string; to: string }) =>
      queryHeatmap(
        storage,
        { ...PAGE, bucket: 4, from: range.from, to: range.to, top: TOP },
        { now: NOW, timeZone: 'UTC', grid: { cellSize: CELL } },
      );

    // Timings: ours on MemoryStorage (and MongoStorage when a server is available).
    const timings: Record<string, Record<string, { p50: number; p99: number; runs: number }>> = {};
    const answers = new Map<string, Answer>();
    const record = (engine: string, range: string, t: { p50Ms: number; p99Ms: number; samples: number }) => {
      timings[engine] ??= {};
      timings[engine][range] = { p50: t.p50Ms, p99: t.p99Ms, runs: t.samples };
    };
    for (const range of RANGES) {
      const h = await run(memory, range);
      answers.set(range.name, ours(h));
      check(h.cells.length === Math.min(TOP, h.cellCount) && h.total > 0, `${range.name} has data`);
      const t = await timeTasks({ q: () => run(memory, range) }, { time: 500, iterations: 50 });
      record('MemoryStorage', range.name, t.q!);
    }

    let mongoName = '';
    const mongo = await startBenchMongo();
    if ('unavailable' in mongo) {
      notes.push(`MongoStorage skipped: ${mongo.unavailable}.`);
    } else {
      mongoName = mongo.name;
      const collection = `query_${Date.now()}`;
      const storage = new MongoStorage({ uri: mongo.uri, db: 'mt_bench', collection });
      const cold = new MongoStorage({ uri: mongo.uri, db: 'mt_bench', collection, cacheBytes: 0 });
      try {
        const loadMs = await loadIndexes(rows, storage);
        notes.push(`MongoStorage load of the same indexes (${mongo.name}): ${(loadMs / 1000).toFixed(1)} s.`);
        for (const range of RANGES) {
          check(
            sameAnswer(ours(await run(storage, range)), answers.get(range.name)!),
            `MongoStorage ${range.name} equals MemoryStorage`,
          );
          // Warm: the decoded-index cache (cacheBytes) holds the keys; each get reads the page stamp only.
          const t = await timeTasks({ q: () => run(storage, range) }, { time: 500, iterations: 50 });
          record('MongoStorage', range.name, t.q!);
          // Cold: the cache off, every get transfers and decodes every blob.
          const c = await timeTasks({ q: () => run(cold, range) }, { time: 500, iterations: 50 });
          record('MongoStorage, cache off', range.name, c.q!);
        }
        await storage.delete({ all: true });
      } finally {
        await storage.close();
        await cold.close();
        await mongo.stop();
      }
    }

    // Peers on the same rows, each answer checked against ours before it is timed.
    const peerLoad: string[][] = [];
    const duck = await duckdbPeer(rows);
    peerLoad.push([
      'DuckDB (in memory, ART index on (url_id, bucket, t))',
      `${(duck.loadMs / 1000).toFixed(1)} s`,
    ]);
    for (const range of RANGES) {
      check(
        sameAnswer(await duck.query(range), answers.get(range.name)!),
        `DuckDB ${range.name} equals ours`,
      );
      const t = await timeTasks({ q: () => duck.query(range) }, { time: 0, iterations: 50 });
      record('DuckDB', range.name, t.q!);
    }
    duck.close();
    const lite = await sqlitePeer(rows);
    if ('unavailable' in lite) {
      console.log(`SQLite peer skipped: ${lite.unavailable}`);
      notes.push(`SQLite skipped: ${lite.unavailable}.`);
    } else {
      peerLoad.push([
        'SQLite (in memory, covering index on (url_id, bucket, t, x, y))',
        `${(lite.loadMs / 1000).toFixed(1)} s`,
      ]);
      for (const range of RANGES) {
        check(sameAnswer(lite.query(range), answers.get(range.name)!), `SQLite ${range.name} equals ours`);
        const t = await timeTasks({ q: () => lite.query(range) }, { time: 0, iterations: 5 });
        record('SQLite', range.name, t.q!);
      }
      lite.close();
    }

    const engines = Object.keys(timings);
    const indexesRead = (range: (typeof RANGES)[number]) => {
      const plan = planQuery({ from: range.from, to: range.to, now: NOW });
      return `${plan.months.length + plan.blocks.length + plan.days.length} (${plan.months.length} m, ${plan.blocks.length} b, ${plan.days.length} d)`;
    };
    const latencyRows = RANGES.map((range) => [
      range.name,
      `${range.from}..${range.to}`,
      indexesRead(range),
      ...engines.map((e) => {
        const t = timings[e]![range.name]!;
        return `${formatMs(t.p50)} / ${formatMs(t.p99)}`;
      }),
    ]);
    const ratioRows = RANGES.map((range) => {
      const ourP50 = timings.MemoryStorage![range.name]!.p50;
      const duckRatio = timings.DuckDB![range.name]!.p50 / ourP50;
      const mongo = timings.MongoStorage?.[range.name];
      const sqlite = timings.SQLite?.[range.name];
      return [
        range.name,
        `${formatMs(ourP50)}, ≤ 1 ms: ${verdict(ourP50 <= 1)}`,
        `${formatRatio(duckRatio)}, ≥ 100×: ${verdict(duckRatio >= 100)}`,
        mongo ? `${formatMs(mongo.p50)}, ≤ 3 ms: ${verdict(mongo.p50 <= 3)}` : 'n/a',
        sqlite ? formatRatio(sqlite.p50 / ourP50) : 'n/a',
      ];
    });
    const runsLine = engines.map((e) => `${e} ${Object.values(timings[e]!)[0]!.runs}`).join(', ');
    return [
      `${EVENTS.toLocaleString('en')} click events on one page (\`${PAGE.url}\`), ${formatDay(FIRST_DAY)} .. ${formatDay(LAST_DAY)} (UTC, "now" = ${new Date(NOW).toISOString()}), gaussian hot spots, viewport buckets 25 / 15 / 60 %; queries for the 60 % bucket with \`top: ${TOP}\`. Every engine's answer (total and the ${TOP} cells with counts) is checked equal to ours before timing.`,
      `Our indexes: ${((LAST_DAY - FIRST_DAY + 1) * BUCKETS.length).toLocaleString('en')} day deltas merged as day, 3-day block, 9-day block and month keys in ${(memoryLoadMs / 1000).toFixed(1)} s (MemoryStorage). Peak RSS while generating the rows: ${formatBytes(genRss)}. Encoded bytes of the stored indexes: days ${formatBytes(stored.d)}, months ${formatBytes(stored.m)}, 3-day blocks ${formatBytes(stored.b3)}, 9-day blocks ${formatBytes(stored.b9)} — the blocks cost ${formatRatio((stored.d + stored.m + stored.b3 + stored.b9) / (stored.d + stored.m))} the bytes of days and months alone (here, where days share their hot cells).${mongoName ? ` MongoStorage server: ${mongoName}.` : ''}`,
      `### Latency, median / p99 (runs per query: ${runsLine})\n\n${markdownTable(['range', 'days', 'indexes per key set', ...engines], latencyRows)}`,
      `### Targets (median latency; ratios are peer ÷ ours on MemoryStorage, same run)\n\n${markdownTable(['range', 'ours, MemoryStorage', 'DuckDB ÷ ours', 'MongoStorage, cache warm', 'SQLite ÷ ours'], ratioRows)}`,
      `### Peer load time (same rows)\n\n${markdownTable(['peer', 'load + index'], peerLoad)}`,
      notes.length > 0 ? `Notes:\n\n${notes.map((n) => `- ${n}`).join('\n')}` : '',
    ].join('\n\n');
  },
};

export default area;
