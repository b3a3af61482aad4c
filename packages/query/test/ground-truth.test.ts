import {
  blockPeriod,
  blockStart,
  cellOf,
  dayNumberOf,
  EVENT_KINDS,
  type EventKind,
  formatDay,
  GridBuilder,
  type GridIndex,
  type IndexKey,
  keyToString,
  type Period,
  parseBlockPeriod,
  parseDay,
  zoneCalendar,
} from '@monkeytracker/grid';
import { type LivePart, type LiveSource, listPages, queryHeatmap } from '@monkeytracker/query';
import { MemoryStorage } from '@monkeytracker/storage';
import { seededRandom } from '@monkeytracker/test-kit';
import { beforeAll, describe, expect, it } from 'vitest';

const TIME_ZONE = 'Europe/Prague';
const CELL = 10;
const BREAKPOINTS = [0, 576, 768, 992, 1200, 1400];
const URLS = ['/', '/pricing', '/blog/a', '/product/:id', '/contact'];
const VIEWPORTS = [390, 800, 1280, 1600];
const START = Date.UTC(2024, 0, 10, 8); // 90 days: through the DST change on 2024-03-31
const DAYS = 90;
const NOW = START + (DAYS - 1) * 86_400_000 + 5 * 3_600_000; // mid-day of the last day: April is running
const LIVE_FROM = NOW - 30 * 3_600_000; // events after this stay in the live cache, unmerged

interface RawEvent {
  url: string;
  kind: EventKind;
  vw: number;
  x: number;
  y: number;
  t: number;
}

/** The oracle for days: Intl, not the code under test. */
const oracle = new Intl.DateTimeFormat('en-CA', {
  timeZone: TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

const random = seededRandom(2024);
const events: RawEvent[] = [];
for (let t = START; t < NOW; t += Math.floor(random() * 400_000)) {
  const kind = EVENT_KINDS[Math.floor(random() * 3)]!;
  events.push({
    url: URLS[Math.floor(random() ** 2 * URLS.length)]!,
    kind,
    vw: VIEWPORTS[Math.floor(random() * VIEWPORTS.length)]!,
    x: kind === 'scroll' ? 0 : Math.floor(300 + (random() + random() - 1) * 250),
    y: Math.floor(600 + (random() + random() - 1) * 500),
    t,
  });
}

const storage = new MemoryStorage();
/** Live builders per day key, as the pipeline's cache holds them (not cut yet: just above the last cut). */
const live = new Map<string, { key: IndexKey; builder: GridBuilder }>();
/**
 * Deltas the pipeline cut and storage confirmed, but that it still lists as live (the merge
 * settled after the snapshot): the mark in storage must keep them from counting twice.
 */
const settled = new Map<string, { key: IndexKey; delta: GridIndex; position: number }>();
/** Above every position merged: the live builders, not cut yet. */
const UNCUT = 1_000_000.5;
const WRITER = 'ground-truth';
const samePage = (a: IndexKey, b: Omit<IndexKey, 'period'>) =>
  a.site === b.site && a.url === b.url && a.kind === b.kind && a.bucket === b.bucket;
const liveSource: LiveSource = {
  writer: WRITER,
  livePages(site, kind) {
    const out = new Map<string, { url: string; bucket: number }>();
    for (const { key } of [...live.values(), ...settled.values()]) {
      if (key.site === site && key.kind === kind)
        out.set(`${key.url}|${key.bucket}`, { url: key.url, bucket: key.bucket });
    }
    return [...out.values()];
  },
  snapshot(page, keys) {
    return keys.map((key) => {
      const parts: LivePart[] = [];
      // A month key covers every day of its month, a block key its days, a day key its own day.
      const block = parseBlockPeriod(key.period);
      const covers = (period: string) =>
        key.period.startsWith('m:')
          ? period.slice(2, 9) === key.period.slice(2)
          : block
            ? blockStart(parseDay(period.slice(2))!, block.size) === block.start
            : period === key.period;
      for (const entry of live.values()) {
        if (samePage(entry.key, page) && covers(entry.key.period))
          parts.push({ delta: entry.builder.toIndex(), position: UNCUT });
      }
      for (const entry of settled.values()) {
        if (samePage(entry.key, page) && covers(entry.key.period))
          parts.push({ delta: entry.delta, position: entry.position });
      }
      return parts;
    });
  },
};

beforeAll(async () => {
  // The ingest path: one builder per (page, day); evicted as one merge of its day, block and month keys.
  const calendar = zoneCalendar(TIME_ZONE);
  const builders = new Map<string, { key: IndexKey; builder: GridBuilder }>();
  for (const e of events) {
    const bucket = BREAKPOINTS.findLastIndex((b) => e.vw >= b);
    const key: IndexKey = {
      site: 'default',
      url: e.url,
      kind: e.kind,
      bucket,
      period: calendar.dayPeriod(e.t),
    };
    const target = e.t >= LIVE_FROM ? live : builders;
    const id = keyToString(key);
    let entry = target.get(id);
    if (!entry) target.set(id, (entry = { key, builder: new GridBuilder({ cellSize: CELL }) }));
    entry.builder.add(cellOf(e.x, e.y, CELL));
  }
  let n = 0;
  for (const [id, { key, builder }] of builders) {
    const delta = builder.toIndex();
    const month = `m:${key.period.slice(2, 9)}` as Period;
    const day = parseDay(key.period.slice(2))!;
    const periods = [key.period, blockPeriod(day, 3), blockPeriod(day, 9), month];
    // Most deltas merged without a writer (another process's); every seventh by this writer, one
    // cut (position) per merge as the pipeline does, and still listed as live.
    if (n++ % 7 === 0) {
      const position = n;
      settled.set(id, { key, delta, position });
      await storage.merge(
        periods.map((period) => ({ key: { ...key, period }, delta, writer: WRITER, position })),
      );
    } else {
      await storage.merge(periods.map((period) => ({ key: { ...key, period }, delta })));
    }
  }
});

function naive(url: string, kind: EventKind, bucket: number, from: string, to: string) {
  const cells = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.url !== url || e.kind !== kind || BREAKPOINTS.findLastIndex((b) => e.vw >= b) !== bucket) continue;
    const day = oracle.format(e.t);
    if (day < from || day > to) continue;
    total++;
    const k = `${Math.floor(e.x / CELL) * CELL},${Math.floor(e.y / CELL) * CELL}`;
    cells.set(k, (cells.get(k) ?? 0) + 1);
  }
  return { total, cells };
}

describe('queryHeatmap against a naive count over the raw events', () => {
  it('holds enough data to mean something', () => {
    expect(events.length).toBeGreaterThan(15_000);
    expect(live.size).toBeGreaterThan(10);
  });

  it('gives identical totals and cells for 200 random ranges, incl. ones reaching into the running month', async () => {
    const r = seededRandom(7);
    const first = dayNumberOf(2024, 1, 10) - 3;
    const today = zoneCalendar(TIME_ZONE).dayNumber(NOW);
    let touchingToday = 0;
    let withMonths = 0;
    for (let i = 0; i < 200; i++) {
      const fromDay = first + Math.floor(r() * (today - first + 4));
      const toDay =
        r() < 0.3 ? today + Math.floor(r() * 3) : Math.min(fromDay + Math.floor(r() * 100), today + 5);
      const from = formatDay(fromDay);
      const to = formatDay(Math.max(fromDay, toDay));
      if (to >= formatDay(today)) touchingToday++;
      const url = URLS[Math.floor(r() * URLS.length)]!;
      const kind = EVENT_KINDS[Math.floor(r() * 3)]!;
      const bucket = [0, 2, 4, 5][Math.floor(r() * 4)]!;
      const result = await queryHeatmap(
        storage,
        { url, kind, bucket, from, to },
        { live: liveSource, timeZone: TIME_ZONE, now: NOW },
      );
      const expected = naive(url, kind, bucket, from, to);
      const got = new Map(result.cells.map((c) => [`${c.x},${c.y}`, c.count]));
      expect(result.total, `${url} ${kind} ${bucket} ${from}..${to}`).toBe(expected.total);
      expect(got).toEqual(expected.cells);
      if (result.cells.length > 0 && to.slice(0, 7) !== from.slice(0, 7)) withMonths++;
    }
    expect(touchingToday).toBeGreaterThan(40);
    expect(withMonths).toBeGreaterThan(20);
  });

  it('keeps the top cells of the naive answer, ties broken deterministically', async () => {
    const result = await queryHeatmap(
      storage,
      { url: '/', kind: 'click', vw: 1280, from: '2024-01-01', to: '2024-04-30', top: 25, minCount: 2 },
      { live: liveSource, timeZone: TIME_ZONE, now: NOW },
    );
    const expected = naive('/', 'click', 4, '2024-01-01', '2024-04-30');
    const sorted = [...expected.cells]
      .filter(([, n]) => n >= 2)
      .map(([k, n]) => {
        const [x, y] = k.split(',').map(Number) as [number, number];
        return { x, y, count: n };
      })
      .sort((a, b) => b.count - a.count || a.y - b.y || a.x - b.x)
      .slice(0, 25);
    expect(result.cells).toEqual(sorted);
    expect(result.total).toBe(expected.total);
  });
});

describe('listPages against a naive count over the raw events', () => {
  it('gives every page its total and per-bucket counts for 100 random ranges, stored plus live, never twice', async () => {
    const r = seededRandom(11);
    const first = dayNumberOf(2024, 1, 10) - 3;
    const today = zoneCalendar(TIME_ZONE).dayNumber(NOW);
    for (let i = 0; i < 100; i++) {
      const fromDay = first + Math.floor(r() * (today - first + 4));
      const toDay = r() < 0.3 ? today : Math.min(fromDay + Math.floor(r() * 100), today + 5);
      const from = formatDay(fromDay);
      const to = formatDay(Math.max(fromDay, toDay));
      const kind = EVENT_KINDS[Math.floor(r() * 3)]!;
      const list = await listPages(
        storage,
        { kind, from, to, top: 3 },
        { live: liveSource, timeZone: TIME_ZONE, now: NOW },
      );
      const expected = new Map<string, { total: number; buckets: Record<number, number> }>();
      let total = 0;
      for (const e of events) {
        const day = oracle.format(e.t);
        if (e.kind !== kind || day < from || day > to) continue;
        const bucket = BREAKPOINTS.findLastIndex((b) => e.vw >= b);
        const page = expected.get(e.url) ?? { total: 0, buckets: {} };
        page.total++;
        page.buckets[bucket] = (page.buckets[bucket] ?? 0) + 1;
        expected.set(e.url, page);
        total++;
      }
      const want = [...expected]
        .map(([url, p]) => ({ url, ...p }))
        .sort((a, b) => b.total - a.total || (a.url < b.url ? -1 : 1))
        .slice(0, 3);
      expect(list.total, `${kind} ${from}..${to}`).toBe(total);
      expect(list.pages, `${kind} ${from}..${to}`).toEqual(want);
    }
  });
});
