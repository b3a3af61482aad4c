/**
 * The end-to-end scenario run against each storage: a million seeded events over 60 days in
 * Europe/Prague, ingested in batches with the clock following the events, random flushes and
 * LRU/idle evictions, 300 random queries compared with the naive oracle as the data arrives and
 * at the end; then close, reopen, and the same answers again.
 */

import { createTracker, type StorageAdapter, type Tracker, type TrackerOptions } from 'monkeytracker';
import { expect } from 'vitest';
import {
  asAnswer,
  eventAt,
  type GroundQuery,
  makeTraffic,
  naiveAnswer,
  randomQuery,
  seeded,
  TIME_ZONE,
  type Traffic,
} from './ground-truth';

export interface ScenarioOptions {
  events: number;
  /** Days the events span. Default 60. */
  days?: number;
  /** Storage for the first tracker, and for the reopened one. */
  storage: () => StorageAdapter | Promise<StorageAdapter>;
  /** Extra tracker options (e.g. a journal for the memory storage's reopen). */
  tracker?: Partial<TrackerOptions>;
  queries?: number;
  /** Share of the queries asked while events arrive (the rest after the last one). Default 0.6. */
  duringShare?: number;
  /** Live cache settings: small values force frequent LRU evictions and merges. */
  cache?: TrackerOptions['cache'];
  /** Chance that a batch is followed by an explicit `flush()`. Default 0.005. */
  flushChance?: number;
  onProgress?: (line: string) => void;
}

async function check(tracker: Tracker, traffic: Traffic, count: number, q: GroundQuery) {
  const got = asAnswer(await tracker.query({ url: q.url, kind: q.kind, vw: q.vw, from: q.from, to: q.to }));
  const expected = naiveAnswer(traffic, count, q);
  expect(got.total, `${q.url} ${q.kind} vw=${q.vw} ${q.from}..${q.to} after ${count} events`).toBe(
    expected.total,
  );
  expect(got.cells).toEqual(expected.cells);
}

export async function runScenario(options: ScenarioOptions): Promise<void> {
  const start = Date.UTC(2024, 1, 20, 6); // through the DST change on 2024-03-31
  const traffic = trafficOf(options.events, options.days ?? 60, start);
  const random = seeded(99);
  let clock = start;
  const tracker = await createTracker({
    storage: await options.storage(),
    timeZone: TIME_ZONE,
    now: () => clock,
    cache: options.cache ?? { maxEntries: 60, idleMs: 6 * 3_600_000, flushIntervalMs: 10 },
    ...options.tracker,
  });
  const queries = options.queries ?? 300;
  const during = Math.floor(queries * (options.duringShare ?? 0.6));
  const checkpoints = new Set(Array.from({ length: during }, () => Math.floor(random() * traffic.n)));
  let i = 0;
  while (i < traffic.n) {
    const size = 1 + Math.floor(random() * 200);
    const batch = [];
    for (let j = 0; j < size && i < traffic.n; j++, i++) batch.push(eventAt(traffic, i));
    clock = traffic.t[i - 1]! + 1;
    const result = tracker.track(batch);
    expect(result.accepted).toBe(batch.length);
    const r = random();
    const flushChance = options.flushChance ?? 0.005;
    if (r < flushChance) await tracker.flush();
    else if (r < flushChance + 0.04) await new Promise((resolve) => setTimeout(resolve, 1)); // let timers merge and evict
    for (const c of [...checkpoints]) {
      if (c < i) {
        checkpoints.delete(c);
        await check(tracker, traffic, i, randomQuery(traffic, random, traffic.dayIndex[i - 1]!));
      }
    }
  }
  for (let q = during; q < queries; q++)
    await check(tracker, traffic, traffic.n, randomQuery(traffic, random, traffic.days.length - 1));
  const stats = tracker.stats();
  expect(stats.accepted).toBe(traffic.n);
  options.onProgress?.(`ingested ${traffic.n} events, ${stats.merges} merges, ${queries} queries checked`);
  expect(stats.merges).toBeGreaterThan(10);
  await tracker.close();

  // Reopen on the same data: the answers must not change.
  const reopened = await createTracker({
    storage: await options.storage(),
    timeZone: TIME_ZONE,
    now: () => clock,
    ...options.tracker,
  });
  const again = seeded(5);
  for (let q = 0; q < 30; q++)
    await check(reopened, traffic, traffic.n, randomQuery(traffic, again, traffic.days.length - 1));
  await reopened.close();
}

const trafficCache = new Map<string, Traffic>();
function trafficOf(n: number, days: number, start: number): Traffic {
  let traffic = trafficCache.get(`${n}/${days}`);
  if (!traffic) trafficCache.set(`${n}/${days}`, (traffic = makeTraffic(n, start, days, 1234)));
  return traffic;
}
