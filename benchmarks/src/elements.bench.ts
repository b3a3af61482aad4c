/**
 * Elements area: what element-aware heatmaps cost. `track()` of clicks that carry the element
 * they hit (selector, offset, box) against the same clicks without, with the journal, in one run
 * (runs interleaved); and the element-mode query over 30 days of a page with 500 elements beside
 * the page-mode query of the same clicks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HeatEventInput } from '@monkeytracker/grid';
import { createTracker } from 'monkeytracker';
import { makeEvents } from './fixtures.ts';
import {
  type BenchArea,
  check,
  formatBytes,
  formatMs,
  formatRate,
  formatRatio,
  gaussian,
  markdownTable,
  measurePeakRss,
  seededRandom,
  timeTasks,
  verdict,
} from './harness.ts';

const EVENTS = 1_000_000;
const BATCH = 20;
const RUNS = 5;
const ELEMENTS = 500;

/** A selector per element, of the shapes the snippet writes. */
const SELECTORS = Array.from({ length: ELEMENTS }, (_, i) =>
  i % 3 === 0
    ? `[data-mt="cta-${i}"]`
    : i % 3 === 1
      ? `#section-${i}>div:nth-of-type(${(i % 7) + 1})>button`
      : `body>main>article:nth-of-type(${i})>a`,
);

/**
 * The same clicks, each given an element: Zipf-like over the 500 selectors, offsets and boxes.
 * Built as literals, like the objects `JSON.parse` gives the HTTP layer: an object made by
 * spreading another and adding fields can fall into V8's dictionary mode and read 20× slower,
 * which would time the fixture, not the tracker.
 */
function withElements(events: readonly HeatEventInput[], seed: number): HeatEventInput[] {
  const random = seededRandom(seed);
  return events.map((e) => {
    if (e.kind !== 'click') return e;
    const k = Math.min(ELEMENTS - 1, Math.floor(ELEMENTS ** random()) - 1);
    return {
      kind: e.kind,
      url: e.url,
      x: e.x,
      y: e.y,
      vw: e.vw,
      vh: e.vh,
      t: e.t,
      sel: SELECTORS[k]!,
      ox: offset(random),
      oy: offset(random),
      ew: 80 + (k % 200),
      eh: 30 + (k % 40),
    };
  });
}

/** Where inside an element people click: around its middle (σ 150 of the 0–1000 offset), clamped. */
function offset(random: () => number): number {
  return Math.max(0, Math.min(1000, Math.round(500 + 150 * gaussian(random))));
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function trackRun(events: readonly HeatEventInput[], dir: string) {
  const now = events[events.length - 1]!.t! + 1;
  const tracker = await createTracker({ journal: { dir, fsyncMs: 1000 }, now: () => now });
  const batches: HeatEventInput[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const started = performance.now();
  let accepted = 0;
  for (const batch of batches) accepted += tracker.track(batch).accepted;
  const tracked = performance.now();
  await tracker.flush();
  const flushed = performance.now();
  check(accepted === events.length, `all ${events.length} events accepted (got ${accepted})`);
  await tracker.close();
  return { trackMs: tracked - started, totalMs: flushed - started };
}

async function ingest(): Promise<string> {
  const plain = makeEvents({ count: EVENTS, seed: 5, urls: 300, start: Date.UTC(2026, 8, 1), gapMs: 2 });
  const modes = { 'page only': plain, 'with elements': withElements(plain, 6) } as const;
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-elements-'));
  const results: Record<string, { track: number[]; total: number[]; peak: number; base: number }> = {};
  for (const mode of Object.keys(modes)) results[mode] = { track: [], total: [], peak: 0, base: 0 };
  try {
    // Interleaved run by run, so drift (heap growth, other load) does not favour either.
    for (let run = 0; run < RUNS; run++) {
      for (const [mode, events] of Object.entries(modes)) {
        const r = results[mode]!;
        const { result, peakRss, baselineRss } = await measurePeakRss(() =>
          trackRun(events, join(dir, `${mode.length}-${run}`)),
        );
        r.track.push(EVENTS / (result.trackMs / 1000));
        r.total.push(EVENTS / (result.totalMs / 1000));
        r.peak = Math.max(r.peak, peakRss);
        r.base = baselineRss;
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const base = median(results['page only']!.track);
  const baseTotal = median(results['page only']!.total);
  const rows = Object.entries(results).map(([mode, r]) => {
    const rate = median(r.track);
    const total = median(r.total);
    return [
      mode,
      formatRate(rate),
      formatRatio(rate / base),
      formatRate(total),
      formatRatio(total / baseTotal),
      `${formatBytes(r.peak)} (+${formatBytes(r.peak - r.base)})`,
      mode === 'with elements'
        ? `≥ 0.8× of page only: ${verdict(rate >= 0.8 * base)}; ≥ 1 M/s: ${verdict(rate >= 1e6)}`
        : '',
    ];
  });
  return `### track() with the journal: ${EVENTS.toLocaleString('en')} events (80 % clicks) in batches of ${BATCH}, median of ${RUNS} interleaved runs\n\n${markdownTable(
    [
      'events',
      'track() events/s',
      'ratio',
      'incl. final flush',
      'ratio',
      'peak RSS (+ over baseline)',
      'target',
    ],
    rows,
  )}\n\n"with elements": every click also names one of ${ELEMENTS} elements (Zipf-like), with its offset (around the middle of the element, σ 150 of 1000) and box, so it is counted in its page grid and in the element index of its page, and the journal stores the five element fields. "incl. final flush" adds the journal fsync and the merge of every live delta (page grids and element indexes) into MemoryStorage.`;
}

async function query(): Promise<string> {
  // One page, 30 days, 500 elements: 600,000 clicks at 1280 px.
  const CLICKS = 600_000;
  const start = Date.UTC(2026, 9, 1);
  const random = seededRandom(9);
  const events: HeatEventInput[] = [];
  for (let i = 0; i < CLICKS; i++) {
    // Every element clicked every day (one click in 10 goes round them), the rest Zipf-like.
    const k =
      i % 10 === 0 ? (i / 10) % ELEMENTS : Math.min(ELEMENTS - 1, Math.floor(ELEMENTS ** random()) - 1);
    events.push({
      kind: 'click',
      url: '/landing',
      x: 20 + (k % 60) * 20 + Math.floor(random() * 15),
      y: 40 + Math.floor(k / 60) * 300 + Math.floor(random() * 30),
      vw: 1280,
      vh: 800,
      t: start + Math.floor((i / CLICKS) * 30 * 86_400_000),
      sel: SELECTORS[k]!,
      ox: offset(random),
      oy: offset(random),
      ew: 80 + (k % 200),
      eh: 30 + (k % 40),
    });
  }
  const now = start + 30 * 86_400_000 + 3_600_000;
  const tracker = await createTracker({ journal: false, now: () => now });
  for (let i = 0; i < events.length; i += 1000) tracker.track(events.slice(i, i + 1000));
  await tracker.flush();
  const ranges = [
    { name: '30 days in one month (10-01 … 10-30)', from: '2026-10-01', to: '2026-10-30' },
    { name: '30 days across no month (10-02 … 10-31)', from: '2026-10-02', to: '2026-10-31' },
  ];
  const rows: (string | number)[][] = [];
  for (const range of ranges) {
    const q = { url: '/landing', kind: 'click', vw: 1280, from: range.from, to: range.to } as const;
    const element = await tracker.query({ ...q, mode: 'element' });
    const page = await tracker.query({ ...q, top: 5000 });
    check(element.elementCount === ELEMENTS, `${ELEMENTS} elements (got ${element.elementCount})`);
    check(element.total === page.total, `element and page totals agree (${element.total} vs ${page.total})`);
    const t = await timeTasks(
      {
        page: () => tracker.query({ ...q, top: 5000 }),
        element: () => tracker.query({ ...q, mode: 'element' }),
        'element top 50': () => tracker.query({ ...q, mode: 'element', top: 50 }),
      },
      { time: 500, iterations: 50 },
    );
    rows.push([
      range.name,
      formatMs(t.page!.p50Ms),
      formatMs(t.element!.p50Ms),
      formatRatio(t.page!.p50Ms / t.element!.p50Ms),
      formatMs(t['element top 50']!.p50Ms),
      element.total.toLocaleString('en'),
    ]);
  }
  await tracker.close();
  return `### Element-mode query: one page, ${ELEMENTS} elements, ${CLICKS.toLocaleString('en')} clicks over 30 days (MemoryStorage, median)\n\n${markdownTable(
    [
      'range',
      'page mode (top 5,000 cells)',
      'element mode (all 500 elements)',
      'page ÷ element',
      'element mode, top 50',
      'clicks',
    ],
    rows,
  )}\n\nBoth modes read the same planned keys (day, block and month indexes of the page); element mode merges the element indexes (labels unioned, rows renumbered) and returns every element with its 20 × 20 inner grid.`;
}

const area: BenchArea = {
  name: 'elements',
  title: 'Elements: ingest cost of element fields, element-mode queries',
  async run() {
    return [await ingest(), await query()].join('\n\n');
  },
};

export default area;
