/**
 * The end-to-end scenario run against a tracker (on each storage) and against the bare pipeline:
 * seeded events over weeks in Europe/Prague, ingested in batches with the clock following the
 * events, random flushes and background merges, random queries compared with the naive oracle
 * as the data arrives and at the end; then close, reopen, and the same answers again.
 */
import { expect } from 'vitest';
import {
  asAnswer,
  eventAt,
  type GroundQuery,
  type HeatmapLike,
  makeTraffic,
  naiveAnswer,
  randomQuery,
  type Traffic,
} from './ground-truth';
import { seededRandom } from './seeded-random';

/** The query the scenario asks. */
export interface ScenarioQuery {
  url: string;
  kind: 'click' | 'scroll' | 'move';
  vw: number;
  from: string;
  to: string;
}

/** What the scenario drives: a tracker, or a pipeline wrapped to look like one. */
export interface ScenarioSubject {
  track(batch: unknown[]): { accepted: number };
  query(query: ScenarioQuery): Promise<HeatmapLike>;
  flush(): Promise<void>;
  /** Lets background merges run (a tracker's timers, a pipeline's tick). */
  idle(): Promise<void>;
  stats(): { accepted: number; merges: number };
  close(): Promise<void>;
}

export interface ScenarioOptions {
  events: number;
  /** Days the events span. Default 60. */
  days?: number;
  /** Opens the subject on the scenario's clock: first to ingest, then again on the same data. */
  open: (clock: () => number, phase: 'first' | 'reopen') => Promise<ScenarioSubject>;
  queries?: number;
  /** Share of the queries asked while events arrive (the rest after the last one). Default 0.6. */
  duringShare?: number;
  /** Chance that a batch is followed by an explicit `flush()`. Default 0.005. */
  flushChance?: number;
  onProgress?: (line: string) => void;
  /** Merge calls the subject must have made (the scenario is about merges settling around queries). Default 10. */
  minMerges?: number;
}

async function check(subject: ScenarioSubject, traffic: Traffic, count: number, q: GroundQuery) {
  const got = asAnswer(await subject.query({ url: q.url, kind: q.kind, vw: q.vw, from: q.from, to: q.to }));
  const expected = naiveAnswer(traffic, count, q);
  expect(got.total, `${q.url} ${q.kind} vw=${q.vw} ${q.from}..${q.to} after ${count} events`).toBe(
    expected.total,
  );
  expect(got.cells).toEqual(expected.cells);
}

/** The scenario's first day: the events run through the DST change on 2024-03-31. */
export const SCENARIO_START = Date.UTC(2024, 1, 20, 6);

export async function runScenario(options: ScenarioOptions): Promise<void> {
  const traffic = trafficOf(options.events, options.days ?? 60, SCENARIO_START);
  const random = seededRandom(99);
  let clock = SCENARIO_START;
  const subject = await options.open(() => clock, 'first');
  const queries = options.queries ?? 300;
  const during = Math.floor(queries * (options.duringShare ?? 0.6));
  const checkpoints = new Set(Array.from({ length: during }, () => Math.floor(random() * traffic.n)));
  let i = 0;
  while (i < traffic.n) {
    const size = 1 + Math.floor(random() * 200);
    const batch = [];
    for (let j = 0; j < size && i < traffic.n; j++, i++) batch.push(eventAt(traffic, i));
    clock = traffic.t[i - 1]! + 1;
    const result = subject.track(batch);
    expect(result.accepted).toBe(batch.length);
    const r = random();
    const flushChance = options.flushChance ?? 0.005;
    if (r < flushChance) await subject.flush();
    else if (r < flushChance + 0.04) await subject.idle();
    for (const c of [...checkpoints]) {
      if (c < i) {
        checkpoints.delete(c);
        await check(subject, traffic, i, randomQuery(traffic, random, traffic.dayIndex[i - 1]!));
      }
    }
  }
  for (let q = during; q < queries; q++)
    await check(subject, traffic, traffic.n, randomQuery(traffic, random, traffic.days.length - 1));
  const stats = subject.stats();
  expect(stats.accepted).toBe(traffic.n);
  options.onProgress?.(`ingested ${traffic.n} events, ${stats.merges} merges, ${queries} queries checked`);
  expect(stats.merges).toBeGreaterThanOrEqual(options.minMerges ?? 10);
  await subject.close();

  // Reopen on the same data: the answers must not change.
  const reopened = await options.open(() => clock, 'reopen');
  const again = seededRandom(5);
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
