/**
 * Journal area: append throughput, sealed bytes per event (and what the block size costs),
 * replay throughput, events lost to one flipped byte of a sealed segment, and what the element
 * fields of batch format 3 cost (clicks with and without the element they hit), of
 * `@monkeytracker/journal` (built dist), each against a baseline in the same run: JSON lines
 * (`JSON.stringify` per event + newline) written to disk and gzipped with `node:zlib`, and, for
 * size and damage, the raw segment as one gzip member (how segments were sealed before blocks).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type HeatEvent, validateEvent } from '@monkeytracker/grid';
import { openJournal, readJournal } from '@monkeytracker/journal';
import { makeEvents } from './fixtures.ts';
import {
  type BenchArea,
  check,
  formatRate,
  formatRatio,
  gaussian,
  markdownTable,
  seededRandom,
  timeTasks,
  verdict,
} from './harness.ts';

/** Events in the size/replay fixture: ~17 minutes of traffic at 1,000 events/s. */
const EVENTS = 1_000_000;
/** Events per timed append iteration (1,000 batches of 100). */
const ITERATION_EVENTS = 100_000;
const BATCH = 100;
/** Events per frame in the size fixture: what one write cycle holds at 1,000 events/s with fsyncMs 1000. */
const REALISTIC_FRAME = 500;

/** Realistic validated events: ~300 urls with Zipf-ish popularity, hot-spot clicks, six viewports, ~1,000 events/s. */
function fixture(count: number, seed: number): HeatEvent[] {
  return makeEvents({ count, seed, urls: 300, gapMs: 0.5 }).map((e) => {
    const r = validateEvent(e);
    if (!r.ok) throw new Error(`fixture event rejected: ${r.reason}`);
    return r.event;
  });
}

function batches(events: HeatEvent[]): HeatEvent[][] {
  const out: HeatEvent[][] = [];
  for (let i = 0; i < events.length; i += BATCH) out.push(events.slice(i, i + BATCH));
  return out;
}

function sameEvents(a: HeatEvent[], b: HeatEvent[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as HeatEvent;
    const y = b[i] as HeatEvent;
    if (
      x.kind !== y.kind ||
      x.url !== y.url ||
      x.x !== y.x ||
      x.y !== y.y ||
      x.vw !== y.vw ||
      x.vh !== y.vh ||
      x.t !== y.t ||
      x.site !== y.site ||
      x.sel !== y.sel ||
      x.ox !== y.ox ||
      x.oy !== y.oy ||
      x.ew !== y.ew ||
      x.eh !== y.eh
    ) {
      return false;
    }
  }
  return true;
}

function dirBytes(dir: string, suffix: string): number {
  return readdirSync(dir)
    .filter((f) => f.endsWith(suffix))
    .reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
}

/** The naive baseline writer: JSON lines appended to a file, fsynced on flush. */
class JsonLinesWriter {
  private lines: string[] = [];
  constructor(private readonly handle: Awaited<ReturnType<typeof open>>) {}
  append(events: readonly HeatEvent[]): number {
    for (const e of events) this.lines.push(`${JSON.stringify(e)}\n`);
    return events.length;
  }
  async flush(): Promise<void> {
    const text = this.lines.join('');
    this.lines = [];
    await this.handle.write(text);
    await this.handle.sync();
  }
}

async function appendThroughput(
  work: string,
): Promise<{ rows: (string | number)[][]; journalRate: number; ratio: number }> {
  const source = batches(fixture(ITERATION_EVENTS, 7));
  const journalDir = join(work, 'append-journal');
  // compress: false: sealing runs after append (in a worker) and is not what this measures.
  const journal = await openJournal({ dir: journalDir, fsyncMs: 1000, compress: false });
  const baselineHandle = await open(join(work, 'append-baseline.jsonl'), 'w');
  const baseline = new JsonLinesWriter(baselineHandle);
  const acc = { journal: { append: 0, total: 0, events: 0 }, baseline: { append: 0, total: 0, events: 0 } };

  async function run(
    writer: { append(e: readonly HeatEvent[]): number; flush(): Promise<void> },
    a: typeof acc.journal,
  ) {
    const t0 = performance.now();
    let n = 0;
    for (const b of source) n += writer.append(b);
    const t1 = performance.now();
    await writer.flush();
    const t2 = performance.now();
    check(n === ITERATION_EVENTS, `append took ${n} of ${ITERATION_EVENTS} events`);
    a.append += t1 - t0;
    a.total += t2 - t0;
    a.events += n;
  }

  await timeTasks(
    {
      'journal append + flush': () => run(journal, acc.journal),
      'JSON lines append + flush': () => run(baseline, acc.baseline),
    },
    { time: 3000, iterations: 10 },
  );
  await journal.close();
  await baselineHandle.close();
  const written: HeatEvent[] = [];
  for await (const b of readJournal({ dir: journalDir })) for (const e of b) written.push(e);
  check(
    written.length === acc.journal.events,
    `journal holds ${written.length} of ${acc.journal.events} appended events`,
  );
  check(
    sameEvents(written.slice(0, ITERATION_EVENTS), source.flat()),
    'journal read-back differs from the appended events',
  );

  const rate = (a: typeof acc.journal, ms: number) => (a.events / ms) * 1000;
  const journalRate = rate(acc.journal, acc.journal.total);
  const baselineRate = rate(acc.baseline, acc.baseline.total);
  const ratio = journalRate / baselineRate;
  const rows = [
    [
      '`journal.append` + `flush` (columnar frames, CRC-32, fsync)',
      formatRate(journalRate),
      formatRate(rate(acc.journal, acc.journal.append)),
      formatRatio(ratio),
    ],
    [
      'baseline: `JSON.stringify` lines + write + fsync',
      formatRate(baselineRate),
      formatRate(rate(acc.baseline, acc.baseline.append)),
      '1×',
    ],
  ];
  return { rows, journalRate, ratio };
}

/** Writes the JSON-lines baseline gzipped at level 6; returns bytes/event at levels 6 and 9. */
function writeBaseline(events: HeatEvent[], path: string): { base6: number; base9: number } {
  const jsonl = events.map((e) => `${JSON.stringify(e)}\n`).join('');
  const gz6 = gzipSync(jsonl);
  const gz9 = gzipSync(jsonl, { level: 9 });
  writeFileSync(path, gz6);
  return { base6: gz6.length / events.length, base9: gz9.length / events.length };
}

/** Checks that both readers return exactly the written events. */
async function verifyReplay(journalDir: string, baselinePath: string, events: HeatEvent[]): Promise<void> {
  const readBack: HeatEvent[] = [];
  for await (const b of readJournal({ dir: journalDir })) for (const e of b) readBack.push(e);
  check(sameEvents(readBack, events), 'journal replay differs from the written events');
  const parsed = gunzipSync(readFileSync(baselinePath))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as HeatEvent);
  check(sameEvents(parsed, events), 'baseline replay differs from the written events');
}

/** Appends `source` as the write loop would at 1,000 events/s: batches of 100, a flush every REALISTIC_FRAME events. */
async function writeJournal(dir: string, source: HeatEvent[][], compress: boolean): Promise<void> {
  const journal = await openJournal({ dir, fsyncMs: 1000, compress });
  let sinceFlush = 0;
  for (const b of source) {
    journal.append(b);
    sinceFlush += b.length;
    if (sinceFlush >= REALISTIC_FRAME) {
      await journal.flush();
      sinceFlush = 0;
    }
  }
  await journal.close();
}

/** Block sizes compared in the size table (the default, 128 KiB, is the journal row). */
const BLOCK_SIZES_KIB = [32, 64, 256, 1024];

/** Seals copies of the raw journal at other block sizes (through recovery, which seals raw segments on open); bytes/event of each. */
async function blockSizeRows(
  work: string,
  rawDir: string,
  defaultPerEvent: number,
): Promise<(string | number)[][]> {
  const rows: (string | number)[][] = [];
  for (const kib of BLOCK_SIZES_KIB) {
    const dir = join(work, `blocks-${kib}`);
    cpSync(rawDir, dir, { recursive: true });
    const journal = await openJournal({ dir, blockBytes: kib * 1024 });
    await journal.close();
    check(dirBytes(dir, '.mtj') === 0, 'raw segments left after sealing');
    const perEvent = dirBytes(dir, '.mtj.gz') / EVENTS;
    rows.push([`journal, ${kib} KiB blocks`, perEvent.toFixed(2), formatRatio(perEvent / defaultPerEvent)]);
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/** The raw segments of `rawDir` gzipped as one member each (the sealed format before blocks), in `dir`. */
function writeOneMemberJournal(rawDir: string, dir: string): number {
  cpSync(rawDir, dir, { recursive: true });
  let bytes = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.mtj'))) {
    const gz = gzipSync(readFileSync(join(dir, f)), { level: 9, memLevel: 9 });
    writeFileSync(join(dir, `${f}.gz`), gz);
    rmSync(join(dir, f));
    bytes += gz.length;
  }
  return bytes;
}

async function countEvents(dir: string): Promise<number> {
  let n = 0;
  for await (const b of readJournal({ dir })) n += b.length;
  return n;
}

/** Where a byte is flipped: a fraction of the sealed file's length, or an offset from its end. */
const FLIPS: { name: string; at: (length: number) => number }[] = [
  { name: 'byte 20 (header)', at: () => 20 },
  { name: '10 % into the file', at: (n) => Math.floor(n * 0.1) },
  { name: '50 %', at: (n) => Math.floor(n * 0.5) },
  { name: '90 %', at: (n) => Math.floor(n * 0.9) },
  { name: '200 bytes before the end', at: (n) => n - 200 },
  { name: 'gzip trailer of the last member (6 bytes before the end)', at: (n) => n - 6 },
];

/** Events lost when one byte of the (first) sealed segment in `dir` is flipped, per flip position. */
async function lossPerFlip(dir: string): Promise<number[]> {
  const file = readdirSync(dir)
    .filter((f) => f.endsWith('.mtj.gz'))
    .sort()[0] as string;
  const path = join(dir, file);
  const intact = readFileSync(path);
  const total = await countEvents(dir);
  const lost: number[] = [];
  for (const flip of FLIPS) {
    const damaged = Buffer.from(intact);
    const at = flip.at(damaged.length);
    damaged[at] = (damaged[at] as number) ^ 0xff;
    writeFileSync(path, damaged);
    lost.push(total - (await countEvents(dir)));
  }
  writeFileSync(path, intact);
  return lost;
}

async function damage(work: string, journalDir: string, rawDir: string): Promise<string> {
  const oneMemberDir = join(work, 'damage-one-member');
  writeOneMemberJournal(rawDir, oneMemberDir);
  const segments = readdirSync(journalDir).filter((f) => f.endsWith('.mtj.gz')).length;
  const blocks = await lossPerFlip(journalDir);
  const single = await lossPerFlip(oneMemberDir);
  check(
    blocks.every((n) => n <= EVENTS / segments),
    'a flip lost more than a segment in block segments',
  );
  const rows = FLIPS.map((f, i) => [
    f.name,
    (blocks[i] as number).toLocaleString('en'),
    (single[i] as number).toLocaleString('en'),
  ]);
  const table = markdownTable(
    [
      'flipped byte (XOR 0xff)',
      'events lost: block segments (128 KiB blocks)',
      'events lost: one gzip member per segment',
    ],
    rows,
  );
  const worst = Math.max(...blocks);
  return `### Damage: one flipped byte

The ${EVENTS.toLocaleString('en')}-event journal above (${segments} sealed segment${segments === 1 ? '' : 's'}); one byte of the first segment flipped at a time, then read back with \`readJournal\` (non-strict: damage is skipped and reported).

${table}

${markdownTable(
  ['target', 'measured', 'verdict'],
  [
    [
      'one flipped byte loses at most one block (≈ 5,000 events of 128 KiB raw)',
      `${worst.toLocaleString('en')} events`,
      verdict(worst <= 6_000),
    ],
  ],
)}`;
}

async function sizeAndReplay(work: string): Promise<string> {
  const events = fixture(EVENTS, 3);
  const source = batches(events);

  // Journal: sealed by the writer with the default block size; and the same appends left raw, for the other formats.
  const journalDir = join(work, 'size-journal');
  await writeJournal(journalDir, source, true);
  const journalBytes = dirBytes(journalDir, '.mtj.gz');
  check(dirBytes(journalDir, '.mtj') === 0, 'raw segments left after close');
  const rawDir = join(work, 'size-raw');
  await writeJournal(rawDir, source, false);
  const rawPerEvent = dirBytes(rawDir, '.mtj') / EVENTS;

  // Baseline: JSON lines, gzipped (node:zlib, default level 6 and level 9) in one piece.
  const baselinePath = join(work, 'baseline.jsonl.gz');
  const { base6, base9 } = writeBaseline(events, baselinePath);
  const perEvent = journalBytes / EVENTS;
  const oneMemberDir = join(work, 'size-one-member');
  const oneMemberPerEvent = writeOneMemberJournal(rawDir, oneMemberDir) / EVENTS;
  const blockRows = await blockSizeRows(work, rawDir, perEvent);

  // Replay: verify both readers first (in functions, so their copies are garbage before timing).
  await verifyReplay(journalDir, baselinePath, events);
  // The fixture is no longer needed: drop it so the replay timings do not pay for its GC.
  events.length = 0;
  source.length = 0;
  globalThis.gc?.();

  let sink = 0;
  const timings = await timeTasks(
    {
      'journal replay': async () => {
        let n = 0;
        for await (const b of readJournal({ dir: journalDir })) n += b.length;
        check(n === EVENTS, `replay read ${n} events`);
        sink += n;
      },
      'journal replay, one gzip member per segment': async () => {
        let n = 0;
        for await (const b of readJournal({ dir: oneMemberDir })) n += b.length;
        check(n === EVENTS, `replay of the one-member journal read ${n} events`);
        sink += n;
      },
      'JSON lines replay': () => {
        const text = gunzipSync(readFileSync(baselinePath)).toString('utf8');
        let n = 0;
        let start = 0;
        for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
          const e = JSON.parse(text.slice(start, end)) as HeatEvent;
          sink += e.x;
          n++;
          start = end + 1;
        }
        check(n === EVENTS, `baseline read ${n} events`);
      },
    },
    { time: 3000, iterations: 5 },
  );
  check(sink > 0, 'replay produced nothing');
  const replayRate = (EVENTS / (timings['journal replay']?.meanMs ?? 1)) * 1000;
  const baselineReplay = (EVENTS / (timings['JSON lines replay']?.meanMs ?? 1)) * 1000;
  const oneMemberReplay =
    (EVENTS / (timings['journal replay, one gzip member per segment']?.meanMs ?? 1)) * 1000;

  const sizeTable = markdownTable(
    ['format', 'bytes / event', 'vs journal'],
    [
      ['journal, sealed `.mtj.gz` (128 KiB blocks, the default; deflate level 9)', perEvent.toFixed(2), '1×'],
      ...blockRows,
      [
        'one gzip member per segment (the format before blocks; `node:zlib` level 9)',
        oneMemberPerEvent.toFixed(2),
        formatRatio(oneMemberPerEvent / perEvent),
      ],
      ['raw segments (unsealed frames)', rawPerEvent.toFixed(2), formatRatio(rawPerEvent / perEvent)],
      ['baseline: JSON lines + `node:zlib` gzip level 6', base6.toFixed(2), formatRatio(base6 / perEvent)],
      ['baseline: JSON lines + `node:zlib` gzip level 9', base9.toFixed(2), formatRatio(base9 / perEvent)],
    ],
  );
  const replayTable = markdownTable(
    ['reader', 'events / s', 'vs baseline'],
    [
      [
        '`readJournal` (inflate per block, CRC-32 checks, columnar decode)',
        formatRate(replayRate),
        formatRatio(replayRate / baselineReplay),
      ],
      [
        '`readJournal` of the same journal sealed as one gzip member per segment (streaming gunzip)',
        formatRate(oneMemberReplay),
        formatRatio(oneMemberReplay / baselineReplay),
      ],
      ['baseline: gunzip + split + `JSON.parse`', formatRate(baselineReplay), '1×'],
    ],
  );
  const targets = markdownTable(
    ['target', 'measured', 'verdict'],
    [
      ['sealed bytes / event ≤ 8 B', `${perEvent.toFixed(2)} B`, verdict(perEvent <= 8)],
      ['replay ≥ 3 M events/s', formatRate(replayRate), verdict(replayRate >= 3e6)],
    ],
  );
  const damageSection = await damage(work, journalDir, rawDir);
  return [
    `### Sealed size\n\n${EVENTS.toLocaleString('en')} events (≈300 urls with Zipf-like popularity, hot-spot clicks and scrolls, six viewports, ~1,000 events/s), appended in batches of 100 and flushed every ${REALISTIC_FRAME} events (one frame per write cycle at 1,000 events/s with \`fsyncMs: 1000\`). Sealed segments are compressed in independent blocks of whole frames, so damage costs one block; the other block sizes re-seal the same raw segments, and "one gzip member" compresses each raw segment whole, as segments were sealed before blocks.\n\n${sizeTable}`,
    `### Replay\n\n${replayTable}`,
    targets,
    damageSection,
  ].join('\n\n');
}

/** Distinct element selectors in the element fixture. */
const SELECTORS = 50;

/**
 * The size fixture's traffic as clicks only (no scrolls), twice: without elements, and with the
 * element each click hit — one of {@link SELECTORS} selectors (Zipf-like popularity), that
 * element's box (fixed per selector, narrower below 768 px), the offset inside it around its
 * centre. Everything but the element fields is the same in both.
 */
function clickFixtures(count: number, seed: number): { plain: HeatEvent[]; elements: HeatEvent[] } {
  const raw = makeEvents({ count, seed, urls: 300, gapMs: 0.5, scrollShare: 0 });
  const random = seededRandom(seed + 1);
  const sels = Array.from(
    { length: SELECTORS },
    (_, k) => `main>section:nth-of-type(${(k % 7) + 1})>div.card:nth-of-type(${k + 1})>a.cta`,
  );
  const offset = (spread: number) => Math.max(0, Math.min(1000, 500 + gaussian(random) * spread));
  const plain: HeatEvent[] = [];
  const elements: HeatEvent[] = [];
  for (const e of raw) {
    const r = validateEvent(e);
    if (!r.ok) throw new Error(`fixture event rejected: ${r.reason}`);
    plain.push(r.event);
    const k = Math.min(SELECTORS - 1, Math.floor(SELECTORS ** random()) - 1);
    const wide = e.vw >= 768;
    const withElement = validateEvent({
      ...e,
      sel: sels[k],
      ox: offset(180),
      oy: offset(150),
      ew: Math.floor((80 + ((k * 37) % 400)) * (wide ? 1 : 0.8)),
      eh: 24 + ((k * 13) % 60),
    });
    if (!withElement.ok) throw new Error(`element fixture event rejected: ${withElement.reason}`);
    elements.push(withElement.event);
  }
  return { plain, elements };
}

/** Format 3's element fields: sealed and raw bytes per event, append and replay throughput, clicks with and without elements. */
async function elementCost(work: string): Promise<string> {
  const { plain, elements } = clickFixtures(EVENTS, 11);
  const variants = [
    { name: 'clicks without elements', events: plain },
    { name: `clicks with elements (${SELECTORS} selectors)`, events: elements },
  ];
  const rows: { sealed: number; raw: number; append: number; replay: number }[] = [];
  const acc = variants.map(() => ({ ms: 0, events: 0 }));
  const appendSources = variants.map((v) => batches(v.events.slice(0, ITERATION_EVENTS)));
  const appendTasks: Record<string, () => Promise<void>> = {};
  const journals = await Promise.all(
    variants.map((_, i) =>
      openJournal({ dir: join(work, `element-append-${i}`), fsyncMs: 1000, compress: false }),
    ),
  );
  variants.forEach((v, i) => {
    appendTasks[`append + flush, ${v.name}`] = async () => {
      const journal = journals[i]!;
      const t0 = performance.now();
      let n = 0;
      for (const b of appendSources[i]!) n += journal.append(b);
      await journal.flush();
      check(n === ITERATION_EVENTS, `append took ${n} of ${ITERATION_EVENTS} events`);
      acc[i]!.ms += performance.now() - t0;
      acc[i]!.events += n;
    };
  });
  await timeTasks(appendTasks, { time: 3000, iterations: 10 });
  for (const j of journals) await j.close();
  for (let i = 0; i < variants.length; i++)
    rmSync(join(work, `element-append-${i}`), { recursive: true, force: true });

  const dirs: string[] = [];
  for (const [i, v] of variants.entries()) {
    const sealedDir = join(work, `element-sealed-${i}`);
    const rawDir = join(work, `element-raw-${i}`);
    await writeJournal(sealedDir, batches(v.events), true);
    await writeJournal(rawDir, batches(v.events), false);
    const readBack: HeatEvent[] = [];
    for await (const b of readJournal({ dir: sealedDir })) for (const e of b) readBack.push(e);
    check(sameEvents(readBack, v.events), `journal read-back of ${v.name} differs from the written events`);
    rows.push({
      sealed: dirBytes(sealedDir, '.mtj.gz') / EVENTS,
      raw: dirBytes(rawDir, '.mtj') / EVENTS,
      append: (acc[i]!.events / acc[i]!.ms) * 1000,
      replay: 0,
    });
    rmSync(rawDir, { recursive: true, force: true });
    dirs.push(sealedDir);
  }
  plain.length = 0;
  elements.length = 0;
  globalThis.gc?.();
  const replayTasks: Record<string, () => Promise<void>> = {};
  variants.forEach((v, i) => {
    replayTasks[`replay, ${v.name}`] = async () => {
      let n = 0;
      for await (const b of readJournal({ dir: dirs[i]! })) n += b.length;
      check(n === EVENTS, `replay of ${v.name} read ${n} events`);
    };
  });
  const timings = await timeTasks(replayTasks, { time: 3000, iterations: 5 });
  variants.forEach((v, i) => {
    rows[i]!.replay = (EVENTS / (timings[`replay, ${v.name}`]?.meanMs ?? 1)) * 1000;
  });
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
  const table = markdownTable(
    ['clicks', 'sealed bytes / event', 'raw bytes / event', 'append + flush', 'replay (`readJournal`)'],
    [
      ...variants.map((v, i) => [
        v.name,
        rows[i]!.sealed.toFixed(2),
        rows[i]!.raw.toFixed(2),
        formatRate(rows[i]!.append),
        formatRate(rows[i]!.replay),
      ]),
      [
        'with / without',
        formatRatio(b.sealed / a.sealed),
        formatRatio(b.raw / a.raw),
        formatRatio(b.append / a.append),
        formatRatio(b.replay / a.replay),
      ],
    ],
  );
  return `### Element fields (batch format 3)

${EVENTS.toLocaleString('en')} clicks (the traffic above without scrolls), once without elements and once with the element each click hit: one of ${SELECTORS} selectors (Zipf-like popularity, ~60 characters), its box (per selector, narrower below 768 px) and the offset inside it (around the centre, 0–1000 on each axis). Written as above (batches of 100, a flush every ${REALISTIC_FRAME} events, sealed with 128 KiB blocks); append + flush as in the append table (${ITERATION_EVENTS.toLocaleString('en')} events per iteration); replay reads the sealed segment whole. A frame without elements is format 2's columns plus an empty element section.

${table}`;
}

const area: BenchArea = {
  name: 'journal',
  title: 'Journal',
  async run() {
    const work = mkdtempSync(join(tmpdir(), 'mt-journal-bench-'));
    try {
      const append = await appendThroughput(work);
      const appendTable = markdownTable(
        ['writer', 'append + flush', 'append only', 'vs baseline'],
        append.rows,
      );
      const appendTargets = markdownTable(
        ['target', 'measured', 'verdict'],
        [
          [
            'append + flush ≥ 2 M events/s (one core)',
            formatRate(append.journalRate),
            verdict(append.journalRate >= 2e6),
          ],
          [
            'append + flush ≥ 3× the JSON-lines baseline',
            formatRatio(append.ratio),
            verdict(append.ratio >= 3),
          ],
        ],
      );
      const rest = await sizeAndReplay(work);
      const elementSection = await elementCost(work);
      return [
        `### Append\n\nBatches of ${BATCH}; each timed iteration appends ${ITERATION_EVENTS.toLocaleString('en')} events then awaits \`flush()\` (encode, write, fsync) into a real directory; "append only" leaves out the flush. Read-back is checked before reporting.\n\n${appendTable}\n\n${appendTargets}`,
        rest,
        elementSection,
      ].join('\n\n');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  },
};

export default area;
