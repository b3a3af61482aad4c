/**
 * The pipeline on its own: MemoryStorage, a real journal, a fake timer, no timers of its own —
 * the test drives ticks. The ground-truth scenario, the flaky-storage scenario, flush policies,
 * the checkpoint, and recovery after a crash, exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJournal } from '@monkeytracker/journal';
import {
  MemoryStorage,
  periodPrefix,
  type StorageAdapter,
  StorageUnavailableError,
} from '@monkeytracker/storage';
import { eventAt, makeTraffic, runScenario, type ScenarioSubject, TIME_ZONE } from '@monkeytracker/test-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { Pipeline, type PipelineOptions, recoveryStart, type Timer } from '../src/index';
import { FlakyStorage } from './flaky-storage';

const tmp = mkdtempSync(join(tmpdir(), 'mt-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(tmp, `j${dirs++}`);

/** A timer whose sleeps pass at once, moving its clock: flush deadlines without waiting. */
function fakeTimer(): Timer & { slept: number } {
  let now = 0;
  const timer = {
    slept: 0,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      timer.slept += ms;
    },
  };
  return timer;
}

/** A pipeline as the scenario drives a tracker: its idle() is one tick. */
function pipelineSubject(pipeline: Pipeline, onClose: () => Promise<void> = async () => {}): ScenarioSubject {
  return {
    track: (batch) => pipeline.track(batch),
    query: (q) => pipeline.query(q),
    flush: async () => {
      await pipeline.flush({ until: pipeline.timer.now() + 60_000 });
    },
    idle: async () => {
      await pipeline.tick();
    },
    stats: () => pipeline.stats(),
    close: async () => {
      await pipeline.flush({ until: pipeline.timer.now() + 60_000 });
      await onClose();
    },
  };
}

/** Storage that outlives the pipelines on it and says it is durable (recovery reads only the tail). */
class DurableMemory implements StorageAdapter {
  readonly inner = new MemoryStorage();
  readonly capabilities = { durable: true };
  down = false;
  /** Apply, then fail: the outcome the writer cannot know. */
  applyThenFail = false;
  merge: StorageAdapter['merge'] = async (entries) => {
    if (this.down) throw new StorageUnavailableError('down');
    const report = await this.inner.merge(entries);
    if (this.applyThenFail) throw new StorageUnavailableError('connection broke after the write');
    return report;
  };
  get: StorageAdapter['get'] = (keys) => this.inner.get(keys);
  list: StorageAdapter['list'] = (filter) => this.inner.list(filter);
  delete: StorageAdapter['delete'] = (filter) => this.inner.delete(filter);
  async close() {}

  /** Sum of day-key and month-key totals. */
  /** Events counted in each kind of period key: every event is in one day, one block of each size and one month. */
  async totals(): Promise<{ days: number; blocks3: number; blocks9: number; months: number }> {
    const sums = { days: 0, blocks3: 0, blocks9: 0, months: 0 };
    const field = { d: 'days', b3: 'blocks3', b9: 'blocks9', m: 'months' } as const;
    for await (const { key, total } of this.inner.list()) {
      sums[field[periodPrefix(key.period)]] += total;
    }
    return sums;
  }
}

const base = (over: Partial<PipelineOptions>): PipelineOptions => ({
  storage: new MemoryStorage(),
  timeZone: TIME_ZONE,
  timer: fakeTimer(),
  cache: { maxEntries: 60, idleMs: 6 * 3_600_000 },
  ...over,
});

describe('pipeline end to end (no facade)', () => {
  const events = process.env.MT_LONG === '1' ? 1_000_000 : 100_000;
  it(`answers 300 random queries like a naive count over ${events} events, and again after recovery`, async () => {
    const dir = freshDir();
    await runScenario({
      events,
      open: async (clock) => {
        const journal = await openJournal({ dir, fsyncMs: 20 });
        const storage = new MemoryStorage();
        const pipeline = new Pipeline(
          base({ storage, journal, now: clock, startPosition: recoveryStart(journal, storage) }),
        );
        await pipeline.recover();
        return pipelineSubject(pipeline, () => journal.close());
      },
    });
  });

  it('never counts a delta twice or misses one while a flaky storage fails, half-applies and applies-then-fails', async () => {
    const storage = new FlakyStorage(23);
    await runScenario({
      events: process.env.MT_LONG === '1' ? 60_000 : 20_000,
      queries: 200,
      // Small merge calls, so every tick makes many and the storage's faults hit them all.
      open: async (clock) =>
        pipelineSubject(
          new Pipeline(
            base({
              storage,
              now: clock,
              cache: { maxEntries: 60, idleMs: 6 * 3_600_000, maxKeysPerMerge: 10 },
            }),
          ),
        ),
    });
    console.log(
      `[flaky] failures ${storage.failures}, partial ${storage.partial}, unknown ${storage.unknown}`,
    );
    expect(storage.failures).toBeGreaterThan(3);
    expect(storage.partial).toBeGreaterThan(3);
    expect(storage.unknown).toBeGreaterThan(3);
  });
});

describe('flush policies', () => {
  const events = [{ kind: 'click', url: '/p', x: 1, y: 1, vw: 1280, vh: 700, t: Date.UTC(2024, 5, 1) }];

  it('{ until } retries with the one backoff policy until the deadline, then FLUSH_INCOMPLETE naming what stays', async () => {
    const storage = new DurableMemory();
    storage.down = true;
    const timer = fakeTimer();
    const pipeline = new Pipeline(base({ storage, timer }));
    pipeline.track(events);
    const err = await pipeline.flush({ until: timer.now() + 10_000 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'FLUSH_INCOMPLETE', status: 503, pendingDeltas: 1 });
    // 250, 500, 1000, 2000, 4000 ms, then the rest of the 10 s: the deadline, not a second more.
    expect(timer.slept).toBe(10_000);
    expect(pipeline.stats().mergeErrors).toBe(7);
    storage.down = false;
    expect(await pipeline.flush({ bestEffort: true })).toEqual({ complete: true, pendingDeltas: 0 });
  });

  it('{ bestEffort } tries once and reports what stays queued', async () => {
    const storage = new DurableMemory();
    storage.down = true;
    const pipeline = new Pipeline(base({ storage }));
    pipeline.track(events);
    expect(await pipeline.flush({ bestEffort: true })).toEqual({ complete: false, pendingDeltas: 1 });
    expect(pipeline.stats().mergeErrors).toBe(1);
  });

  it('a tick that fails backs off by the same policy, capped by the flush interval', async () => {
    const storage = new DurableMemory();
    storage.down = true;
    const pipeline = new Pipeline(base({ storage, cache: { flushIntervalMs: 5_000 } }));
    pipeline.track(events);
    const delays: number[] = [];
    for (let i = 0; i < 6; i++) {
      expect(await pipeline.tick()).toBe(false);
      delays.push(pipeline.nextTickMs);
    }
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 5000]);
  });
});

describe('recovery: exactly once after a crash, on durable storage', () => {
  const traffic = makeTraffic(30_000, Date.UTC(2024, 4, 1), 20, 5);
  const batchOf = (from: number, to: number) => {
    const batch = [];
    for (let i = from; i < to; i++) batch.push(eventAt(traffic, i));
    return batch;
  };
  const now = () => traffic.t[traffic.n - 1]! + 1;

  it.each([
    ['storage down when it crashed', 'down'],
    ['merges applied but never confirmed (unknown outcome)', 'applyThenFail'],
  ] as const)('re-sends exactly what storage lacks: %s', async (_label, fault) => {
    const dir = freshDir();
    const storage = new DurableMemory();
    const journal = await openJournal({ dir, fsyncMs: 20 });
    const first = new Pipeline(
      base({ storage, journal, now, startPosition: recoveryStart(journal, storage) }),
    );
    first.track(batchOf(0, 10_000));
    expect(await first.tick()).toBe(true);
    // The checkpoint moved past everything merged so far.
    await new Promise((resolve) => setTimeout(resolve, 20));
    first.track(batchOf(10_000, 20_000));
    storage[fault] = true;
    expect(await first.tick()).toBe(false);
    first.track(batchOf(20_000, 25_000)); // never cut: in the journal only
    // The process dies: the journal holds every event (closing it only writes what was appended),
    // storage holds whatever the fault let through, and the pipeline's pending deltas are gone.
    await journal.close();
    storage.down = false;
    storage.applyThenFail = false;

    const reopened = await openJournal({ dir, fsyncMs: 20 });
    expect(reopened.checkpoint).toBe(10_000);
    const start = recoveryStart(reopened, storage);
    expect(start).toBe(10_000);
    const second = new Pipeline(base({ storage, journal: reopened, now, startPosition: start }));
    const recovered = await second.recover();
    expect(recovered.events).toBe(15_000); // from the checkpoint, not the whole journal
    second.track(batchOf(25_000, 30_000));
    await second.flush({ until: second.timer.now() + 10_000 });
    if (fault === 'applyThenFail') expect(second.stats().skippedMerges).toBeGreaterThan(0);
    await reopened.close();
    expect(await storage.totals()).toEqual({
      days: 30_000,
      blocks3: 30_000,
      blocks9: 30_000,
      months: 30_000,
    });
  });

  it('a replay of the whole journal into the same storage applies nothing twice', async () => {
    const dir = freshDir();
    const storage = new DurableMemory();
    const journal = await openJournal({ dir, fsyncMs: 20 });
    const live = new Pipeline(base({ storage, journal, now }));
    for (let i = 0; i < traffic.n; i += 1000) {
      live.track(batchOf(i, i + 1000));
      if (i % 7000 === 0) await live.tick();
    }
    await live.flush({ until: live.timer.now() + 10_000 });
    await journal.close();
    const { readJournalFrames } = await import('@monkeytracker/journal');
    const replayer = new Pipeline(base({ storage, writer: journal.writerId, now, startPosition: 0 }));
    await replayer.replay(readJournalFrames({ dir }), { maxHeldBytes: 64 * 1024 });
    await replayer.flush({ until: replayer.timer.now() + 10_000 });
    expect(replayer.stats().skippedMerges).toBeGreaterThan(0);
    expect(await storage.totals()).toEqual({
      days: traffic.n,
      blocks3: traffic.n,
      blocks9: traffic.n,
      months: traffic.n,
    });
  });
});
