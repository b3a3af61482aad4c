/**
 * Grid area: the aggregation hot path, k-way merge, and the codec, each against a naive
 * baseline in the same run.
 */
import {
  bucketOf,
  cellOf,
  decodeIndex,
  encodeIndex,
  GridBuilder,
  type GridIndex,
  type HeatEvent,
  indexesEqual,
  mergeIndexes,
  mergeMany,
  validateEvent,
  zoneCalendar,
} from '@monkeytracker/grid';
import { pack, unpack } from 'msgpackr';
import { makeClickIndex, makeEvents } from './fixtures.ts';
import {
  type BenchArea,
  check,
  formatMs,
  formatRate,
  formatRatio,
  markdownTable,
  seededRandom,
  timeTasks,
  verdict,
} from './harness.ts';

const EVENTS = 500_000;
const TIME_ZONE = 'Europe/Prague';

async function aggregation(): Promise<string> {
  const inputs = makeEvents({ count: EVENTS, seed: 11 });
  const valid: HeatEvent[] = inputs.map((e) => {
    const r = validateEvent(e);
    if (!r.ok) throw new Error('fixture event invalid');
    return r.event;
  });
  const calendar = zoneCalendar(TIME_ZONE);
  const naiveDay = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE });

  // Builder step alone: cell → count, the innermost loop of the live path.
  let builder = new GridBuilder();
  const builderStep = () => {
    builder = new GridBuilder();
    for (let i = 0; i < valid.length; i++) {
      const e = valid[i]!;
      builder.add(cellOf(e.x, e.y, 10));
    }
  };
  let naiveMap = new Map<string, number>();
  const naiveStep = () => {
    naiveMap = new Map();
    for (let i = 0; i < valid.length; i++) {
      const e = valid[i]!;
      const k = `${Math.floor(e.x / 10)},${Math.floor(e.y / 10)}`;
      naiveMap.set(k, (naiveMap.get(k) ?? 0) + 1);
    }
  };
  // Full path: validate → bucket → cell → period → add, one builder per (period, bucket).
  let builders = new Map<string, GridBuilder>();
  const fullPath = () => {
    builders = new Map();
    let lastPeriod = '';
    let perBucket: GridBuilder[] = [];
    for (let i = 0; i < inputs.length; i++) {
      const r = validateEvent(inputs[i]);
      if (!r.ok) continue;
      const e = r.event;
      const bucket = bucketOf(e.vw);
      const period = calendar.dayPeriod(e.t);
      if (period !== lastPeriod) {
        lastPeriod = period;
        perBucket = [];
      }
      let b = perBucket[bucket];
      if (b === undefined) {
        const id = `${period}|${bucket}`;
        b = builders.get(id);
        if (b === undefined) builders.set(id, (b = new GridBuilder()));
        perBucket[bucket] = b;
      }
      b.add(cellOf(e.x, e.y, 10));
    }
  };
  let naiveFull = new Map<string, number>();
  const naiveFullPath = () => {
    naiveFull = new Map();
    for (let i = 0; i < inputs.length; i++) {
      const r = validateEvent(inputs[i]);
      if (!r.ok) continue;
      const e = r.event;
      const k = `${naiveDay.format(e.t)}|${bucketOf(e.vw)}|${Math.floor(e.x / 10)},${Math.floor(e.y / 10)}`;
      naiveFull.set(k, (naiveFull.get(k) ?? 0) + 1);
    }
  };

  // Check before timing: the builder and the naive maps count the same cells.
  builderStep();
  naiveStep();
  check(builder.total === EVENTS && builder.size === naiveMap.size, 'builder equals naive map');
  fullPath();
  naiveFullPath();
  let cells = 0;
  let total = 0;
  for (const b of builders.values()) {
    cells += b.size;
    total += b.total;
  }
  check(
    total === EVENTS && cells === naiveFull.size,
    `full path equals naive (${cells} vs ${naiveFull.size} cells)`,
  );

  const t = await timeTasks(
    { builderStep, naiveStep, fullPath, naiveFullPath },
    { time: 2000, iterations: 5 },
  );
  const rate = (name: string) => EVENTS / (t[name]!.meanMs / 1000);
  const rows = [
    [
      'builder step: cellOf + GridBuilder.add',
      formatRate(rate('builderStep')),
      'naive Map keyed "x,y"',
      formatRate(rate('naiveStep')),
      formatRatio(rate('builderStep') / rate('naiveStep')),
      `≥ 5 M/s: ${verdict(rate('builderStep') >= 5e6)}`,
    ],
    [
      'validate → bucket → cell → period → add',
      formatRate(rate('fullPath')),
      'same with Intl per event and a Map',
      formatRate(rate('naiveFullPath')),
      formatRatio(rate('fullPath') / rate('naiveFullPath')),
      `≥ 2 M/s: ${verdict(rate('fullPath') >= 2e6)}`,
    ],
  ];
  return `### Aggregation (${EVENTS.toLocaleString('en')} events, one core, zone ${TIME_ZONE})\n\n${markdownTable(
    ['path', 'events/s', 'baseline', 'baseline events/s', 'ratio', 'target'],
    rows,
  )}`;
}

async function merging(): Promise<string> {
  // 30 day indexes of a busy page, 20,000 cells each; the blobs drift so days overlap partly.
  const days: GridIndex[] = [];
  const random = seededRandom(5);
  for (let d = 0; d < 30; d++) {
    const b = new GridBuilder();
    const shift = Math.floor(random() * 20);
    while (b.size < 20_000) {
      const cx = Math.floor(random() * 200) + shift;
      const cy = Math.floor(random() * 400);
      b.add(cy * 4096 + cx, 1 + Math.floor(random() * 5));
    }
    days.push(b.toIndex());
  }
  const folded = days.reduce(mergeIndexes);
  check(indexesEqual(mergeMany(days), folded), 'mergeMany equals folded mergeIndexes');
  const naiveMapMerge = () => {
    const m = new Map<number, number>();
    for (const d of days)
      for (let i = 0; i < d.cells.length; i++) m.set(d.cells[i]!, (m.get(d.cells[i]!) ?? 0) + d.counts[i]!);
    const cells = Uint32Array.from(m.keys()).sort();
    return cells.length;
  };
  check(naiveMapMerge() === folded.cells.length, 'map merge has the same cells');
  const t = await timeTasks(
    {
      mergeMany: () => mergeMany(days),
      fold: () => days.reduce(mergeIndexes),
      naiveMapMerge,
    },
    { time: 1500, iterations: 20 },
  );
  const m = t.mergeMany!;
  return `### mergeMany: 30 day indexes × 20,000 cells → ${folded.cells.length.toLocaleString('en')} cells\n\n${markdownTable(
    ['method', 'median', 'mean', 'p99', 'ratio to mergeMany (median)', 'target (on the median)'],
    [
      [
        'mergeMany (k-way: dense box, heap fallback)',
        formatMs(m.p50Ms),
        formatMs(m.meanMs),
        formatMs(m.p99Ms),
        '1×',
        `≤ 5 ms: ${verdict(m.p50Ms <= 5)}`,
      ],
      [
        'fold of pairwise mergeIndexes',
        formatMs(t.fold!.p50Ms),
        formatMs(t.fold!.meanMs),
        formatMs(t.fold!.p99Ms),
        formatRatio(t.fold!.p50Ms / m.p50Ms),
        '',
      ],
      [
        'naive Map + sort',
        formatMs(t.naiveMapMerge!.p50Ms),
        formatMs(t.naiveMapMerge!.meanMs),
        formatMs(t.naiveMapMerge!.p99Ms),
        formatRatio(t.naiveMapMerge!.p50Ms / m.p50Ms),
        '',
      ],
    ],
  )}`;
}

async function codec(): Promise<string> {
  const day = makeClickIndex(50_000, 21);
  const month = makeClickIndex(1_500_000, 22);
  const rows: (string | number)[][] = [];
  const timings: string[][] = [];
  for (const [name, index] of [
    ['day (50 k clicks)', day],
    ['month (1.5 M clicks)', month],
  ] as const) {
    const blob = encodeIndex(index);
    check(indexesEqual(decodeIndex(blob), index), `${name} round-trips`);
    const naive = pack({
      cells: Array.from(index.cells),
      counts: Array.from(index.counts),
      total: index.total,
    });
    const json = JSON.stringify({ cells: Array.from(index.cells), counts: Array.from(index.counts) });
    const bpc = blob.length / index.cells.length;
    rows.push([
      name,
      index.cells.length.toLocaleString('en'),
      blob.length.toLocaleString('en'),
      bpc.toFixed(2),
      (naive.length / index.cells.length).toFixed(2),
      (json.length / index.cells.length).toFixed(2),
      `≤ 3: ${verdict(bpc <= 3)}`,
    ]);
    const t = await timeTasks(
      {
        encode: () => encodeIndex(index),
        decode: () => decodeIndex(blob),
        naiveEncode: () =>
          pack({ cells: Array.from(index.cells), counts: Array.from(index.counts), total: index.total }),
        naiveDecode: () => unpack(naive),
      },
      { time: 800, iterations: 20 },
    );
    const raw = index.cells.length * 12; // bytes of the in-memory typed arrays
    const mbs = (ms: number) => `${(raw / 2 ** 20 / (ms / 1000)).toFixed(0)} MB/s`;
    timings.push([
      name,
      `${formatMs(t.encode!.meanMs)} (${mbs(t.encode!.meanMs)})`,
      `${formatMs(t.decode!.meanMs)} (${mbs(t.decode!.meanMs)})`,
      `${formatMs(t.naiveEncode!.meanMs)} / ${formatMs(t.naiveDecode!.meanMs)}`,
    ]);
  }
  return `### Codec\n\n${markdownTable(
    ['index', 'cells', 'encoded bytes', 'bytes/cell', 'msgpack of plain arrays', 'JSON', 'target'],
    rows,
  )}\n\nThroughput (MB/s of in-memory index, 12 bytes per cell):\n\n${markdownTable(
    ['index', 'encode', 'decode', 'baseline msgpack encode / decode'],
    timings,
  )}`;
}

const area: BenchArea = {
  name: 'grid',
  title: 'Grid: aggregation, merge, codec',
  async run() {
    const parts = [await aggregation(), await merging(), await codec()];
    return parts.join('\n\n');
  },
};

export default area;
