/**
 * Ground truth for element indexes: the element-mode answer equals a naive count per selector
 * (and per inner cell) over the raw events — live, after a crash and recovery from the journal,
 * and after a replay of the journal into a fresh storage.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bucketOf, elementCell, formatDay, zoneCalendar } from '@monkeytracker/grid';
import { openJournal, readJournalFrames } from '@monkeytracker/journal';
import { MemoryStorage } from '@monkeytracker/storage';
import { BREAKPOINTS, seededRandom, TIME_ZONE } from '@monkeytracker/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { Pipeline, type PipelineOptions, recoveryStart } from '../src/index';

const tmp = mkdtempSync(join(tmpdir(), 'mt-elements-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const START = Date.UTC(2024, 2, 20, 8);
const DAYS = 20;
const PAGES = ['/', '/pricing', '/docs/start'];
const KINDS = ['click', 'rage', 'dead', 'scroll'] as const;
const SELECTORS = Array.from({ length: 40 }, (_, i) =>
  i % 3 === 0
    ? `[data-mt="cta-${i}"]`
    : i % 3 === 1
      ? `#section${i}>button:nth-of-type(${(i % 4) + 1})`
      : `body>main>div:nth-of-type(${i})>a`,
);

interface RawEvent {
  kind: (typeof KINDS)[number];
  url: string;
  x: number;
  y: number;
  vw: number;
  vh: number;
  t: number;
  sel?: string;
  ox?: number;
  oy?: number;
  ew?: number;
  eh?: number;
}

function makeEvents(n: number, seed: number): RawEvent[] {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: RawEvent[] = [];
  for (let i = 0; i < n; i++) {
    const kind = r() < 0.7 ? 'click' : pick(KINDS);
    const e: RawEvent = {
      kind,
      url: pick(PAGES),
      x: Math.floor(r() * 1400),
      y: Math.floor(r() * 6000),
      vw: pick([390, 800, 1280, 1920]),
      vh: 800,
      t: START + Math.floor((i / n) * DAYS * 86_400_000),
    };
    if (kind !== 'scroll' && r() < 0.8) {
      // A few hot elements, a long tail.
      const s = r() < 0.5 ? SELECTORS[Math.floor(r() * 4)]! : pick(SELECTORS);
      Object.assign(e, {
        sel: s,
        ox: Math.floor(r() * 1001),
        oy: Math.floor(r() * 1001),
        ew: 40 + Math.floor(r() * 300),
        eh: 20 + Math.floor(r() * 60),
      });
    }
    out.push(e);
  }
  return out;
}

/** selector → { count, inner cell → count } per page|kind|bucket. */
type Naive = Map<string, Map<string, { count: number; inner: Map<number, number> }>>;
function naiveCount(events: readonly RawEvent[]): Naive {
  const out: Naive = new Map();
  for (const e of events) {
    if (e.sel === undefined) continue;
    const id = `${e.url}|${e.kind}|${bucketOf(e.vw, BREAKPOINTS)}`;
    let page = out.get(id);
    if (!page) out.set(id, (page = new Map()));
    let el = page.get(e.sel);
    if (!el) page.set(e.sel, (el = { count: 0, inner: new Map() }));
    el.count++;
    const cell = elementCell(e.ox!, e.oy!);
    el.inner.set(cell, (el.inner.get(cell) ?? 0) + 1);
  }
  return out;
}

const calendar = zoneCalendar(TIME_ZONE);
const FROM = formatDay(calendar.dayNumber(START));
const TO = formatDay(calendar.dayNumber(START + DAYS * 86_400_000));

/** Every element-mode answer of the pipeline equals the naive count. */
async function expectElementsMatch(pipeline: Pipeline, naive: Naive): Promise<number> {
  let checked = 0;
  for (const url of PAGES) {
    for (const kind of ['click', 'rage', 'dead'] as const) {
      for (let bucket = 0; bucket < BREAKPOINTS.length; bucket++) {
        const want = naive.get(`${url}|${kind}|${bucket}`) ?? new Map();
        const got = await pipeline.query({ mode: 'element', url, kind, bucket, from: FROM, to: TO });
        const counts = new Map(got.elements.map((e) => [e.selector, e.count]));
        expect(counts, `${url} ${kind} ${bucket}`).toEqual(new Map([...want].map(([s, v]) => [s, v.count])));
        let total = 0;
        for (const e of got.elements) {
          const inner = new Map(e.cells.map((c) => [elementCell(c.x, c.y), c.count]));
          expect(inner, `${url} ${kind} ${bucket} ${e.selector}`).toEqual(want.get(e.selector)!.inner);
          total += e.count;
        }
        expect(got.total).toBe(total);
        expect(got.elementCount).toBe(want.size);
        checked += got.elements.length;
      }
    }
  }
  return checked;
}

const base = (over: Partial<PipelineOptions>): PipelineOptions => ({
  storage: new MemoryStorage(),
  timeZone: TIME_ZONE,
  grid: { breakpoints: BREAKPOINTS },
  cache: { maxEntries: 200, idleMs: 6 * 3_600_000 },
  ...over,
});

describe('element index ground truth', () => {
  const events = makeEvents(30_000, 16);
  const now = () => events[events.length - 1]!.t + 1;

  it('equals a naive count per selector live, after a crash and recovery, and after a replay', async () => {
    const dir = join(tmp, 'j');
    const storage = new MemoryStorage();
    const journal = await openJournal({ dir, fsyncMs: 20 });
    const first = new Pipeline(
      base({ storage, journal, now, startPosition: recoveryStart(journal, storage) }),
    );
    await first.recover();
    const half = 20_000;
    for (let i = 0; i < half; i += 500) {
      expect(first.track(events.slice(i, i + 500)).rejected).toEqual([]);
      if (i % 4000 === 0) await first.tick();
    }
    // Live: part merged, part pending, part still in builders.
    expect(await expectElementsMatch(first, naiveCount(events.slice(0, half)))).toBeGreaterThan(300);
    for (let i = half; i < events.length; i += 500) first.track(events.slice(i, i + 500));
    // A crash: the journal keeps what it took (closing writes it out), the live state is gone.
    await journal.close();

    const reopened = await openJournal({ dir, fsyncMs: 20 });
    const second = new Pipeline(
      base({ storage, journal: reopened, now, startPosition: recoveryStart(reopened, storage) }),
    );
    await second.recover();
    const naive = naiveCount(events);
    await expectElementsMatch(second, naive);
    await second.flush({ until: Date.now() + 30_000 });
    await expectElementsMatch(second, naive);
    await reopened.close();

    const fresh = new MemoryStorage();
    const replayer = new Pipeline(base({ storage: fresh, now, startPosition: 0 }));
    await replayer.replay(readJournalFrames({ dir }));
    await replayer.flush({ until: Date.now() + 30_000 });
    await expectElementsMatch(replayer, naive);

    // The page grids still count every event, with or without an element.
    const clicks = events.filter(
      (e) => e.kind === 'click' && e.url === '/pricing' && bucketOf(e.vw, BREAKPOINTS) === 4,
    );
    const page = await replayer.query({ url: '/pricing', kind: 'click', bucket: 4, from: FROM, to: TO });
    expect(page.total).toBe(clicks.length);
  });
});

describe('element budget', () => {
  it('a flood of unique selectors counts every click in the page grid, at most maxElementsPerPageDay elements per page and day', async () => {
    const t = START;
    const pipeline = new Pipeline(base({ now: () => t + 1, maxElementsPerPageDay: 50 }));
    const click = (i: number, url = '/') => ({
      kind: 'click',
      url,
      x: i % 1000,
      y: 10,
      vw: 1280,
      vh: 800,
      t,
      sel: `#x${'a'.repeat(200)}-${i}`.slice(-250),
      ox: 1,
      oy: 1,
      ew: 10,
      eh: 10,
    });
    const before = pipeline.stats().liveBytes;
    for (let i = 0; i < 5000; i += 100) {
      pipeline.track(Array.from({ length: 100 }, (_, j) => click(i + j)));
      if (i % 1000 === 0) await pipeline.tick(); // cuts: the budget holds across them
    }
    pipeline.track([click(0), click(1), click(7, '/other')]); // admitted ones still count
    const day = formatDay(calendar.dayNumber(t));
    const q = { url: '/', kind: 'click', bucket: 4, from: day, to: day } as const;
    const page = await pipeline.query(q);
    const elements = await pipeline.query({ ...q, mode: 'element' });
    expect(page.total).toBe(5002);
    expect(elements.elementCount).toBe(50);
    expect(elements.total).toBe(52);
    expect(pipeline.stats().elementsOverBudget).toBe(4950);
    const other = await pipeline.query({ ...q, url: '/other', mode: 'element' });
    expect(other.elementCount).toBe(1);
    // What the flood left live is bounded by the 50 elements, not the 5,000 selectors sent.
    expect(pipeline.stats().liveBytes - before).toBeLessThan(300_000);
  });
});
