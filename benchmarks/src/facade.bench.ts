/**
 * Facade area: `track()` throughput with the journal on against `track()` without it, in the
 * same run, with peak RSS; and the memory of 100,000 live keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HeatEventInput, parseBlockPeriod } from '@monkeytracker/grid';
import type { MergeEntry, MergeReport } from '@monkeytracker/storage';
import { createTracker, MemoryStorage } from 'monkeytracker';
import { makeEvents } from './fixtures.ts';
import {
  type BenchArea,
  check,
  formatBytes,
  formatRate,
  formatRatio,
  markdownTable,
  measurePeakRss,
  verdict,
} from './harness.ts';

const EVENTS = 1_000_000;
const BATCH = 20;
const RUNS = 5;

/** The safe-by-default checks a public deployment turns on: sites by host (the page budget is always on). */
const SITES = [{ id: 'shop', hosts: ['shop.example'] }];

/** MemoryStorage that merges only day and month keys: what a delta cost to store before block periods. */
class DaysAndMonthsOnly extends MemoryStorage {
  override merge(entries: readonly MergeEntry[]): Promise<MergeReport> {
    return super.merge(entries.filter((e) => parseBlockPeriod(e.key.period) === undefined));
  }
}

/** How a run feeds and stores: the modes of the throughput table. */
interface RunMode {
  journal: boolean;
  sites: boolean;
  /** Each batch is parsed from its JSON text just before its `track()` (not timed), as the HTTP handler hands it. */
  parsed: boolean;
  /** Merge into day and month keys only (block keys dropped by the storage). */
  noBlocks: boolean;
}

/** The same events three ways: all of them, in batches of {@link BATCH}, and each batch as JSON text. */
interface Feed {
  events: HeatEventInput[];
  batches: HeatEventInput[][];
  texts: string[];
}

async function trackRun({ events, batches, texts }: Feed, journalDir: string, mode: RunMode) {
  const now = events[events.length - 1]!.t! + 1;
  const tracker = await createTracker({
    journal: mode.journal ? { dir: journalDir, fsyncMs: 1000 } : false,
    now: () => now,
    sites: mode.sites ? SITES : undefined,
    storage: mode.noBlocks ? new DaysAndMonthsOnly() : undefined,
  });
  let accepted = 0;
  let trackMs = 0;
  const started = performance.now();
  if (mode.parsed) {
    // Only the track() calls are timed: each gets objects fresh from JSON.parse, as the handler's do.
    for (const text of texts) {
      const batch = JSON.parse(text) as HeatEventInput[];
      const t0 = performance.now();
      accepted += tracker.track(batch).accepted;
      trackMs += performance.now() - t0;
    }
  } else {
    for (const batch of batches) accepted += tracker.track(batch).accepted;
    trackMs = performance.now() - started;
  }
  const flushStarted = performance.now();
  await tracker.flush();
  const flushMs = performance.now() - flushStarted;
  check(accepted === events.length, `all ${events.length} events accepted (got ${accepted})`);
  const h = await tracker.query({
    site: mode.sites ? 'shop' : undefined,
    url: events[0]!.url,
    kind: 'click',
    vw: 1280,
    from: '2026-09-01',
    to: '2026-09-30',
  });
  check(h.total > 0, 'the hottest page has a heatmap');
  await tracker.close();
  return { trackMs, totalMs: trackMs + flushMs };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const MODES: Record<string, RunMode> = {
  'no journal': { journal: false, sites: false, parsed: false, noBlocks: false },
  journal: { journal: true, sites: false, parsed: false, noBlocks: false },
  'journal + sites': { journal: true, sites: true, parsed: false, noBlocks: false },
  'journal, each batch parsed just before': { journal: true, sites: false, parsed: true, noBlocks: false },
  'journal, day + month keys only': { journal: true, sites: false, parsed: false, noBlocks: true },
};

async function throughput(): Promise<string> {
  const events = makeEvents({ count: EVENTS, seed: 3, urls: 300, start: Date.UTC(2026, 8, 1), gapMs: 2 });
  const batches: HeatEventInput[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const feed: Feed = { events, batches, texts: batches.map((b) => JSON.stringify(b)) };
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-facade-'));
  const rows: (string | number)[][] = [];
  try {
    const results: Record<string, { track: number[]; total: number[]; peak: number; base: number }> = {};
    for (const name of Object.keys(MODES)) results[name] = { track: [], total: [], peak: 0, base: 0 };
    // Modes interleaved run by run, so drift (heap growth, other load) does not favour the first.
    for (let run = 0; run < RUNS; run++) {
      for (const [name, mode] of Object.entries(MODES)) {
        const r = results[name]!;
        const { result, peakRss, baselineRss } = await measurePeakRss(() =>
          trackRun(feed, join(dir, `${Object.keys(MODES).indexOf(name)}-${run}`), mode),
        );
        r.track.push(EVENTS / (result.trackMs / 1000));
        r.total.push(EVENTS / (result.totalMs / 1000));
        r.peak = Math.max(r.peak, peakRss);
        r.base = baselineRss;
      }
    }
    const base = median(results['no journal']!.track);
    const journaled = median(results.journal!.track);
    const journaledTotal = median(results.journal!.total);
    for (const [name, r] of Object.entries(results)) {
      const rate = median(r.track);
      const total = median(r.total);
      const target: Record<string, string> = {
        journal: `≥ 2 M/s: ${verdict(rate >= 2e6)}`,
        'journal + sites': `sites cost ≤ 5 % (≥ 0.95× of journal): ${formatRatio(rate / journaled)} ${verdict(rate >= 0.95 * journaled)}`,
        'journal, each batch parsed just before': `≥ 2 M/s: ${verdict(rate >= 2e6)}`,
        'journal, day + month keys only': `block keys cost, incl. flush (journal ÷ this ≥ 0.85×): ${formatRatio(journaledTotal / total)} ${verdict(journaledTotal >= 0.85 * total)}`,
      };
      rows.push([
        name,
        formatRate(rate),
        formatRate(total),
        formatRatio(rate / base),
        `${formatBytes(r.peak)} (+${formatBytes(r.peak - r.base)})`,
        target[name] ?? '',
      ]);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return `### track() throughput: ${EVENTS.toLocaleString('en')} events in batches of ${BATCH}, 300 urls, median of ${RUNS} runs\n\n${markdownTable(
    [
      'mode',
      'track() events/s',
      'incl. final flush',
      'ratio to no journal',
      'peak RSS (+ over baseline)',
      'target',
    ],
    rows,
  )}

"incl. final flush" adds the journal fsync and the merge of every live delta into MemoryStorage (day, 3-day block, 9-day block and month keys). The modes:

- "no journal", "journal": the ${EVENTS.toLocaleString('en')} events are built before the run and handed to \`track()\` in batches of ${BATCH}.
- "journal + sites": the same with \`sites: [{ id: 'shop', hosts: ['shop.example'] }]\`, so each distinct url's host is checked against the site (the page budget per site and day runs in every mode).
- "journal, each batch parsed just before": each batch is \`JSON.parse\`d from its text right before its \`track()\`, as the HTTP handler hands a body to the tracker (fresh objects, just touched); only the \`track()\` calls are timed.
- "journal, day + month keys only": the storage drops the merge entries of block keys, so "incl. final flush" is what ingest cost before block periods (the pipeline's own bookkeeping of four keys per delta is still paid, so this understates the saving a little).`;
}

async function liveMemory(): Promise<string> {
  const KEYS = 100_000;
  const CELLS = 20;
  const now = Date.UTC(2026, 10, 26, 12);
  globalThis.gc?.();
  const before = process.memoryUsage().heapUsed;
  const tracker = await createTracker({
    now: () => now,
    cache: { maxEntries: 1_000_000, flushIntervalMs: 3_600_000, idleMs: 3_600_000 },
    // 25,000 pages today: past the default page budget per site and day (10,000).
    maxPagesPerSiteDay: 30_000,
  });
  // 100,000 live keys: 25,000 pages × 4 viewport buckets, 20 cells each, today.
  const batch: HeatEventInput[] = [];
  for (let k = 0; k < KEYS; k++) {
    const page = Math.floor(k / 4);
    const vw = [400, 800, 1280, 1600][k % 4]!;
    for (let c = 0; c < CELLS; c++) {
      batch.push({
        kind: 'click',
        url: `/page/${page}`,
        x: 100 + (c % 5) * 10,
        y: 200 + Math.floor(c / 5) * 10,
        vw,
        vh: 800,
      });
    }
    if (batch.length >= 1000) {
      tracker.track(batch);
      batch.length = 0;
    }
  }
  tracker.track(batch);
  globalThis.gc?.();
  const after = process.memoryUsage().heapUsed;
  const stats = tracker.stats();
  check(stats.liveEntries === KEYS, `${KEYS} live entries (got ${stats.liveEntries})`);
  const bytes = after - before;
  await tracker.close();
  return `### Memory of ${KEYS.toLocaleString('en')} live keys (${CELLS} cells each)\n\n${markdownTable(
    ['live keys', 'live cells', 'heap growth', 'bytes per key', 'bytes per live cell'],
    [
      [
        KEYS.toLocaleString('en'),
        (KEYS * CELLS).toLocaleString('en'),
        formatBytes(bytes),
        (bytes / KEYS).toFixed(0),
        (bytes / (KEYS * CELLS)).toFixed(1),
      ],
    ],
  )}\n\nHeap growth after a forced GC, includes the page directory and url memo; the budget documented in the facade README is what this measures.`;
}

const area: BenchArea = {
  name: 'facade',
  title: 'Facade: track() throughput and live memory',
  async run() {
    return [await throughput(), await liveMemory()].join('\n\n');
  },
};

export default area;
