/**
 * Facade area: `track()` throughput with the journal on against `track()` without it, in the
 * same run, with peak RSS; and the memory of 100,000 live keys.
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

async function trackRun(events: HeatEventInput[], journalDir: string | undefined, sites: boolean) {
  const now = events[events.length - 1]!.t! + 1;
  const tracker = await createTracker({
    journal: journalDir ? { dir: journalDir, fsyncMs: 1000 } : false,
    now: () => now,
    sites: sites ? SITES : undefined,
  });
  const batches: HeatEventInput[][] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(events.slice(i, i + BATCH));
  const started = performance.now();
  let accepted = 0;
  for (const batch of batches) accepted += tracker.track(batch).accepted;
  const tracked = performance.now();
  await tracker.flush();
  const flushed = performance.now();
  check(accepted === events.length, `all ${events.length} events accepted (got ${accepted})`);
  const h = await tracker.query({
    site: sites ? 'shop' : undefined,
    url: events[0]!.url,
    kind: 'click',
    vw: 1280,
    from: '2026-09-01',
    to: '2026-09-30',
  });
  check(h.total > 0, 'the hottest page has a heatmap');
  await tracker.close();
  return { trackMs: tracked - started, totalMs: flushed - started };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function throughput(): Promise<string> {
  const events = makeEvents({ count: EVENTS, seed: 3, urls: 300, start: Date.UTC(2026, 8, 1), gapMs: 2 });
  const dir = mkdtempSync(join(tmpdir(), 'mt-bench-facade-'));
  const rows: (string | number)[][] = [];
  try {
    const results: Record<string, { track: number[]; total: number[]; peak: number; base: number }> = {};
    const modes = ['no journal', 'journal', 'journal + sites'] as const;
    for (const mode of modes) results[mode] = { track: [], total: [], peak: 0, base: 0 };
    // Modes interleaved run by run, so drift (heap growth, other load) does not favour the first.
    for (let run = 0; run < RUNS; run++) {
      for (const mode of modes) {
        const r = results[mode]!;
        const { result, peakRss, baselineRss } = await measurePeakRss(() =>
          trackRun(
            events,
            mode === 'no journal' ? undefined : join(dir, `j${mode.length}-${run}`),
            mode === 'journal + sites',
          ),
        );
        r.track.push(EVENTS / (result.trackMs / 1000));
        r.total.push(EVENTS / (result.totalMs / 1000));
        r.peak = Math.max(r.peak, peakRss);
        r.base = baselineRss;
      }
    }
    const base = median(results['no journal']!.track);
    const journaled = median(results.journal!.track);
    for (const [mode, r] of Object.entries(results)) {
      const rate = median(r.track);
      rows.push([
        mode,
        formatRate(rate),
        formatRate(median(r.total)),
        formatRatio(rate / base),
        `${formatBytes(r.peak)} (+${formatBytes(r.peak - r.base)})`,
        mode === 'journal'
          ? `≥ 1 M/s: ${verdict(rate >= 1e6)}`
          : mode === 'journal + sites'
            ? `sites cost ≤ 5 % (≥ 0.95× of journal): ${formatRatio(rate / journaled)} ${verdict(rate >= 0.95 * journaled)}`
            : '',
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
  )}\n\n"incl. final flush" adds the journal fsync and the merge of every live delta into MemoryStorage. "journal + sites": the same events with \`sites: [{ id: 'shop', hosts: ['shop.example'] }]\`, so each distinct url's host is checked against the site (the page budget per site and day runs in every mode).`;
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
