/**
 * The processes of the recovery benchmark (`recovery.bench.ts`), one role per process so each
 * peak RSS is its own (`process.resourceUsage().maxRSS`):
 *
 * - `write DIR N`: appends N seeded events to a journal in DIR in batches of 20 with a cut every
 *   50,000 events (where a tracker taking 10,000 events/s cuts on its 5 s flush interval), makes
 *   it durable, reports over IPC, and kills itself with SIGKILL: no close, no seal, and no merge
 *   ever confirmed (storage was down the whole time).
 * - `read DIR`: the floor: `readJournalFrames` over the whole journal, counting events.
 * - `recover DIR NOW`: what a restart does: `openJournal` (torn-tail recovery), a `Pipeline` on
 *   MemoryStorage from `recoveryStart(journal, storage)`, `recover()`, then `flush()` until
 *   storage holds every delta. Timed in phases; the peak RSS is taken before the check, which
 *   then re-reads the journal, ingests the same events into a journal-less pipeline and compares
 *   every stored index.
 */
import { type HeatEvent, indexesEqual, validateEvent } from '@monkeytracker/grid';
import { openJournal, readJournal, readJournalFrames } from '@monkeytracker/journal';
import { Pipeline, recoveryStart } from '@monkeytracker/pipeline';
import { MemoryStorage } from '@monkeytracker/storage';

const BATCH = 20;
const CUT_EVERY = 50_000;
const [role, dir, arg] = process.argv.slice(2) as [string, string, string | undefined];

function send(message: object): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, (err: Error | null) => (err ? reject(err) : resolve())),
  );
}

function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

async function write(events: number): Promise<void> {
  const { makeEvents } = await import('./fixtures.ts');
  const journal = await openJournal({ dir, fsyncMs: 1000 });
  const started = performance.now();
  let appended = 0;
  let lastT = 0;
  const CHUNK = 100_000;
  for (let start = 0; start < events; start += CHUNK) {
    // Generated in chunks so the writer holds at most 100,000 event objects; one clock across chunks.
    const raw = makeEvents({
      count: Math.min(CHUNK, events - start),
      seed: 1 + start / CHUNK,
      urls: 300,
      start: Date.UTC(2026, 10, 30) + start * 2,
      gapMs: 2,
    });
    const valid: HeatEvent[] = raw.map((e) => {
      const r = validateEvent(e);
      if (!r.ok) throw new Error(`fixture event rejected: ${r.reason}`);
      return r.event;
    });
    for (let i = 0; i < valid.length; i += BATCH) {
      const batch = valid.slice(i, i + BATCH);
      const taken = journal.append(batch);
      if (taken !== batch.length) {
        await journal.flush();
        journal.append(batch.slice(taken));
      }
      appended += batch.length;
      if (appended % CUT_EVERY === 0) journal.cut();
    }
    lastT = Math.max(lastT, valid.at(-1)!.t);
    await journal.flush();
  }
  await journal.flush();
  const ms = performance.now() - started;
  await send({
    type: 'written',
    events: appended,
    position: journal.position,
    now: lastT + 1,
    ms,
    peakRss: peakRss(),
  });
  // A kill, not a close: the open segment stays unsealed, the process gets no chance to clean up.
  process.kill(process.pid, 'SIGKILL');
}

async function read(): Promise<void> {
  const baseRss = process.memoryUsage.rss();
  const started = performance.now();
  let events = 0;
  let cuts = 0;
  for await (const frame of readJournalFrames({ dir })) {
    events += frame.events.length;
    if (frame.cut) cuts++;
  }
  const ms = performance.now() - started;
  await send({ type: 'read', events, cuts, ms, peakRss: peakRss(), baseRss });
}

async function recover(now: number): Promise<void> {
  const clock = () => now;
  const baseRss = process.memoryUsage.rss();
  const t0 = performance.now();
  const journal = await openJournal({ dir, fsyncMs: 1000 });
  const storage = new MemoryStorage({ maxBytes: 8 * 2 ** 30 });
  // Time inside storage.merge and entries sent, to split the flush between storage and the pipeline.
  const merge = storage.merge.bind(storage);
  let mergeMs = 0;
  let entries = 0;
  let calls = 0;
  storage.merge = async (batch) => {
    const started = performance.now();
    try {
      return await merge(batch);
    } finally {
      mergeMs += performance.now() - started;
      entries += batch.length;
      calls++;
    }
  };
  const pipeline = new Pipeline({
    storage,
    journal,
    startPosition: recoveryStart(journal, storage),
    now: clock,
  });
  const t1 = performance.now();
  const recovered = await pipeline.recover();
  const t2 = performance.now();
  const outcome = await pipeline.flush({ until: pipeline.timer.now() + 600_000 });
  const t3 = performance.now();
  const peak = peakRss();
  const stats = pipeline.stats();

  // The check, after the timing: the same events ingested live into a journal-less pipeline.
  const oracleStorage = new MemoryStorage({ maxBytes: 8 * 2 ** 30 });
  const oracle = new Pipeline({ storage: oracleStorage, now: clock });
  let events = 0;
  for await (const batch of readJournal({ dir })) {
    events += batch.length;
    const r = oracle.track(batch);
    if (r.accepted !== batch.length) throw new Error(`oracle refused ${batch.length - r.accepted} events`);
  }
  await oracle.flush({ until: oracle.timer.now() + 600_000 });
  const keys = [];
  for await (const { key } of oracleStorage.list()) keys.push(key);
  const want = await oracleStorage.get(keys);
  const got = await storage.get(keys);
  let mismatches = 0;
  for (const [id, stored] of want) {
    const mine = got.get(id);
    if (!mine || !indexesEqual(mine.index, stored.index)) mismatches++;
  }
  await journal.close();
  await send({
    type: 'recovered',
    events: recovered.events,
    journalEvents: events,
    openMs: t1 - t0,
    recoverMs: t2 - t1,
    flushMs: t3 - t2,
    totalMs: t3 - t0,
    complete: outcome.complete,
    merges: stats.merges,
    entries,
    calls,
    mergeMs,
    storedKeys: storage.size,
    oracleKeys: oracleStorage.size,
    mismatches,
    peakRss: peak,
    baseRss,
  });
}

if (role === 'write') await write(Number(arg));
else if (role === 'read') await read();
else if (role === 'recover') await recover(Number(arg));
else throw new Error(`unknown role ${role}`);
process.exit(0);
