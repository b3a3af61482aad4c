/**
 * The writer behind `openJournal`. `append` only copies events into in-memory columns; a
 * background cycle, every `fsyncMs / 2`, encodes what was staged into frames, writes them to the
 * open segment, fsyncs, rotates by size or age, and hands closed segments to the sealer. So an
 * event is on disk at most `fsyncMs` after `append` returned, as long as a cycle takes less than
 * `fsyncMs / 2` — and `append` never waits for the disk.
 *
 * Failures never escape into the host: a failed write or fsync is reported through `onError`,
 * counted in `stats()`, and retried with backoff; the unwritten frames stay buffered, bounded by
 * `maxPendingBytes`, past which `append` takes fewer events than it is given.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HeatEvent } from '@monkeytracker/grid';
import { encodeBatch } from './batch-codec';
import type { SealedSummary } from './block-format';
import {
  JournalClosedError,
  type JournalError,
  JournalInvalidEventError,
  JournalSealError,
  JournalWriteError,
} from './errors';
import { EventStage, STAGED_EVENT_BYTES } from './event-stage';
import { encodeFrame } from './frame-codec';
import { errnoCode, fsyncDir } from './fs-utils';
import type { JournalLock } from './journal-lock';
import type { ResolvedJournalOptions } from './journal-options';
import type { RecoveryOutcome, RecoveryReport } from './recover-segments';
import { RAW_EXT, segmentBase } from './segment-files';
import { inspectRawSegment, sealSegment } from './segment-sealer';
import { writeCheckpoint } from './writer-state';

/** Counters of a journal since it was opened, from {@link Journal.stats}. */
export interface JournalStats {
  /** Events accepted by `append` (valid ones only). */
  events: number;
  /** Events written to a segment file (in the OS page cache at least). */
  eventsWritten: number;
  /** Events written and fsynced: these survive a crash of the process or the machine. */
  eventsDurable: number;
  /** Raw bytes written to segment files. */
  bytes: number;
  /** Segments opened for writing. */
  segments: number;
  /** Segments sealed (compressed into blocks when `compress`), recovered ones included. */
  sealed: number;
  /** Number of fsyncs of segment files. */
  fsyncs: number;
  /** When the last fsync finished (epoch ms, `Date.now`), or 0. */
  lastFsyncAt: number;
  /** Appended data not yet written (bytes, estimated). `append` refuses events past `maxPendingBytes`. */
  pendingBytes: number;
  /** Events accepted but not yet written. */
  pendingEvents: number;
  /** Events `append` refused because the buffer was full. */
  refused: number;
  /** Events dropped because they were not validated HeatEvents. */
  invalid: number;
  /** Failed write/fsync cycles (disk errors). */
  writeErrors: number;
  /** Failed seals and failed `onSeal` attempts. */
  sealErrors: number;
  /** True while the last write cycle failed (the disk is refusing writes). */
  failing: boolean;
  /** The last error reported, or null. */
  lastError: JournalError | null;
}

/** An open journal: the single writer of a directory. */
export interface Journal {
  /** The journal directory. */
  readonly dir: string;
  /**
   * The writer id of this directory (created on the first open, kept in `WRITER`): storage keeps
   * per writer the position of the last delta applied, which makes merges exactly once.
   */
  readonly writerId: string;
  /** True when this open created the writer id (a new directory, or one from before writer ids). */
  readonly writerCreated: boolean;
  /**
   * The position of the next event: every appended event gets the next position, counted from 0
   * over the life of the directory and never reused (a crash continues after the last durable one).
   */
  readonly position: number;
  /**
   * True from a failed write or fsync until the next write cycle succeeds (cheap; the same as
   * `stats().failing`). Appended events are then buffered, not durable: a host should stop
   * acknowledging them (the tracker refuses new events with reason `'journal'`).
   */
  readonly failing: boolean;
  /** The checkpoint found on open (see {@link Journal.saveCheckpoint}), or `undefined`. */
  readonly checkpoint: number | undefined;
  /**
   * Records a cut at the current position — the tracker cut its live indexes into deltas here —
   * in the journal itself, so a replay cuts at the same positions and reproduces the same deltas.
   * Returns the position. Durable with the next flush.
   */
  cut(): number;
  /** Durably records that storage confirmed every delta before `position` (see `CHECKPOINT`). */
  saveCheckpoint(position: number): Promise<void>;
  /** What opening found and repaired after a crash (torn tails truncated, leftovers removed). */
  readonly recovery: RecoveryReport;
  /**
   * Buffers events for writing; synchronous, never touches the disk. Returns how many events,
   * from the start of `events`, were taken: normally all of them; fewer when `maxPendingBytes`
   * of data is already waiting (e.g. the disk is failing), in which case `events.slice(n)` were
   * not taken and the host should shed load (HTTP 503). Events that are not validated
   * HeatEvents are dropped, counted in `stats().invalid` and reported through `onError`.
   * Throws {@link JournalClosedError} after `close()`.
   */
  append(events: readonly HeatEvent[]): number;
  /** Resolves once everything appended so far is written and fsynced; rejects with {@link JournalWriteError} if the disk refuses. */
  flush(): Promise<void>;
  /** Flushes, seals the open segment, waits for pending seals and `onSeal`, and releases the lock. Idempotent. */
  close(): Promise<void>;
  /** Counters since open. */
  stats(): JournalStats;
}

/** The open segment. */
interface OpenSegment {
  handle: FileHandle;
  path: string;
  startMs: number;
  /** Bytes of complete frames written: the size to truncate back to after a failed write. */
  size: number;
  events: number;
  tMin: number;
  tMax: number;
  writtenMax: number;
  /** Journal positions of the segment's events: `[firstPos, endPos)`; firstPos -1 until a frame is written. */
  firstPos: number;
  endPos: number;
  /** Events written to this segment since its last fsync. */
  unsyncedEvents: number;
  /** Frames (with or without events: a cut) written since the last fsync. */
  unsyncedFrames: number;
}

/** A frame encoded and waiting to be written. */
interface PendingFrame {
  bytes: Uint8Array;
  events: number;
  lo: number;
  hi: number;
  /** Position of the frame's first event. */
  first: number;
}

const MAX_BACKOFF_MS = 5_000;
const noop = (): void => {};

function describe(err: unknown): string {
  const code = errnoCode(err);
  const msg = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC') return `the disk is full (${msg})`;
  if (code === 'EIO') return `the disk reported an I/O error (${msg})`;
  return msg;
}

/** Implementation of {@link Journal}; created by `openJournal`. */
export class JournalWriter implements Journal {
  readonly dir: string;
  readonly recovery: RecoveryReport;
  readonly writerId: string;
  readonly writerCreated: boolean;
  readonly checkpoint: number | undefined;
  private readonly o: ResolvedJournalOptions;
  private readonly lock: JournalLock;
  private readonly intervalMs: number;

  /** The stage `append` copies into. */
  private stage = new EventStage();
  /** Full stages waiting to be encoded, and their byte estimates. */
  private readonly fullStages: EventStage[] = [];
  private fullStageBytes = 0;
  /** Emptied stages for reuse (their columns are already grown). */
  private readonly spareStages: EventStage[] = [];
  private readonly frames: PendingFrame[] = [];
  private frameBytes = 0;

  private seg: OpenSegment | null = null;
  /** The open segment's last write failed half-way: truncate it (or abandon it) before writing more. */
  private segBroken = false;
  private nextSeq: number;
  private lastStartMs: number;
  /** Events written to segments that were given up before an fsync: never counted durable. */
  private abandoned = 0;
  /** The position of the next appended event. */
  private nextPosition: number;
  /** The position of the last cut recorded (an empty cut frame is written only once per position). */
  private lastCut = -1;

  private appended = 0;
  private written = 0;
  private durable = 0;
  private bytes = 0;
  private segmentsOpened = 0;
  private sealedCount = 0;
  private fsyncs = 0;
  private lastFsyncAt = 0;
  private refused = 0;
  private invalid = 0;
  private writeErrors = 0;
  private sealErrors = 0;
  private failures = 0;
  private lastError: JournalError | null = null;

  private timer: NodeJS.Timeout | null = null;
  /** Cycles run one after the other; this is the tail of that chain. */
  private cycleTail: Promise<void> = Promise.resolve();
  /** Seals (and `onSeal` deliveries) run one after the other, off the write path. */
  private sealTail: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;

  constructor(
    options: ResolvedJournalOptions,
    lock: JournalLock,
    recovered: RecoveryOutcome,
    writer: { id: string; created: boolean; checkpoint: number | undefined },
  ) {
    this.o = options;
    this.dir = options.dir;
    this.lock = lock;
    this.recovery = recovered.report;
    this.nextSeq = recovered.nextSeq;
    this.lastStartMs = recovered.lastStartMs;
    this.nextPosition = recovered.nextPosition;
    this.writerId = writer.id;
    this.writerCreated = writer.created;
    this.checkpoint = writer.checkpoint;
    this.intervalMs = Math.max(1, Math.floor(options.fsyncMs / 2));
    for (const s of recovered.toSeal) this.queueSeal(s.path, s.summary);
    this.schedule();
  }

  get failing(): boolean {
    return this.failures > 0;
  }

  append(events: readonly HeatEvent[]): number {
    if (this.closing)
      throw new JournalClosedError('append() after close(); open a new journal to write again');
    const end = events.length;
    let i = 0;
    let stage = this.stage;
    while (i < end) {
      const room = this.o.maxPendingBytes - this.frameBytes - this.fullStageBytes - stage.estimatedBytes;
      const limit = Math.min(end, i + Math.floor(room / STAGED_EVENT_BYTES));
      if (limit <= i) break;
      if (stage.full) stage = this.cutStage();
      const n0 = stage.n;
      if (n0 === 0) stage.first = this.nextPosition;
      i = stage.add(events, i, limit);
      this.appended += stage.n - n0;
      this.nextPosition += stage.n - n0;
    }
    if (stage.invalid > 0) {
      const dropped = stage.invalid;
      stage.invalid = 0;
      this.invalid += dropped;
      this.report(
        new JournalInvalidEventError(
          `append() dropped ${dropped} of ${i} events that are not validated HeatEvents (kind, url, site, integer x/y/vw/vh ≥ 0, integer t, sel a string with integer ox/oy ≤ 1000 and ew/eh, all 0 when sel is ''); pass events through validateEvent() from @monkeytracker/grid first`,
        ),
      );
    }
    if (i < end) this.refused += end - i;
    return i;
  }

  get position(): number {
    return this.nextPosition;
  }

  cut(): number {
    if (this.closing) throw new JournalClosedError('cut() after close()');
    const position = this.nextPosition;
    if (position === this.lastCut) return position;
    this.lastCut = position;
    const stage = this.stage;
    if (stage.n === 0) stage.first = position;
    stage.cutAfter = true;
    this.cutStage();
    return position;
  }

  async saveCheckpoint(position: number): Promise<void> {
    await writeCheckpoint(this.dir, position);
  }

  /** Moves the full stage to the encode queue and returns a fresh one. */
  private cutStage(): EventStage {
    const full = this.stage;
    this.fullStages.push(full);
    this.fullStageBytes += full.estimatedBytes;
    const next = this.spareStages.pop() ?? new EventStage();
    next.invalid = full.invalid;
    full.invalid = 0;
    this.stage = next;
    return next;
  }

  async flush(): Promise<void> {
    if (this.closing) throw new JournalClosedError('flush() after close(); close() already flushed');
    await this.flushAll();
  }

  private async flushAll(): Promise<void> {
    const target = this.appended;
    // A cut frame holds no events: write what is staged at least once, then until the events are durable.
    if (
      this.stage.n > 0 ||
      this.fullStages.length > 0 ||
      this.frames.length > 0 ||
      (this.seg?.unsyncedFrames ?? 0) > 0
    ) {
      await this.runCycle();
    }
    while (this.durable + this.abandoned < target) await this.runCycle();
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    let failure: unknown;
    try {
      await this.flushAll();
    } catch (err) {
      failure = err;
    }
    await this.cycleTail;
    if (this.seg) {
      try {
        await this.closeSegment();
      } catch (err) {
        failure ??= err;
        await this.seg?.handle.close().catch(noop);
        this.seg = null;
      }
    }
    await this.sealTail;
    await this.lock.release().catch(noop);
    if (failure !== undefined) {
      throw new JournalWriteError(
        `close() could not write ${this.appended - this.durable} buffered events: ${describe(failure)}; they are lost, check the disk`,
        { cause: failure },
      );
    }
  }

  stats(): JournalStats {
    let stagedEvents = this.stage.n;
    for (const s of this.fullStages) stagedEvents += s.n;
    let frameEvents = 0;
    for (const f of this.frames) frameEvents += f.events;
    return {
      events: this.appended,
      eventsWritten: this.written,
      eventsDurable: this.durable,
      bytes: this.bytes,
      segments: this.segmentsOpened,
      sealed: this.sealedCount,
      fsyncs: this.fsyncs,
      lastFsyncAt: this.lastFsyncAt,
      pendingBytes: this.frameBytes + this.fullStageBytes + this.stage.estimatedBytes,
      pendingEvents: stagedEvents + frameEvents,
      refused: this.refused,
      invalid: this.invalid,
      writeErrors: this.writeErrors,
      sealErrors: this.sealErrors,
      failing: this.failures > 0,
      lastError: this.lastError,
    };
  }

  private report(error: JournalError): void {
    this.lastError = error;
    try {
      this.o.onError(error);
    } catch {
      // A throwing error handler must not break the write loop.
    }
  }

  private schedule(): void {
    if (this.closing) return;
    const delay =
      this.failures > 0 ? Math.min(this.intervalMs * 2 ** this.failures, MAX_BACKOFF_MS) : this.intervalMs;
    this.timer = setTimeout(this.onTimer, delay);
    // The host decides when the process exits; an idle journal must not keep it alive.
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.runCycle()
      .then(noop, noop)
      .finally(() => this.schedule());
  };

  /** Queues one write cycle after those already queued; rejects if it fails (already reported). */
  private runCycle(): Promise<void> {
    const run = this.cycleTail.then(() => this.cycle());
    this.cycleTail = run.then(noop, noop);
    return run;
  }

  private async cycle(): Promise<void> {
    try {
      this.encodeStaged();
      const seg = this.seg;
      if (seg && this.o.clock() - seg.startMs >= this.o.segmentMs && !this.segBroken)
        await this.closeSegment();
      await this.writeFrames();
      if (this.seg && this.seg.unsyncedFrames > 0) await this.syncSegment(this.seg);
      this.failures = 0;
    } catch (err) {
      this.failures++;
      this.writeErrors++;
      const error = new JournalWriteError(
        `writing segment ${this.seg?.path ?? this.dir} failed: ${describe(err)}; ${this.stats().pendingEvents} events stay buffered (${this.stats().pendingBytes} of ${this.o.maxPendingBytes} bytes) and the write is retried`,
        { cause: err },
      );
      this.report(error);
      throw error;
    }
  }

  private async syncSegment(seg: OpenSegment): Promise<void> {
    const events = seg.unsyncedEvents;
    const frames = seg.unsyncedFrames;
    const started = performance.now();
    await seg.handle.sync();
    const ms = performance.now() - started;
    seg.unsyncedEvents -= events;
    seg.unsyncedFrames -= frames;
    this.durable += events;
    this.fsyncs++;
    this.lastFsyncAt = Date.now();
    if (this.o.onFsync) {
      try {
        this.o.onFsync(ms, events);
      } catch {
        // A metrics hook must not break the write loop.
      }
    }
  }

  /** Encodes every staged event into frames (one frame per stage: coalesces many small appends). */
  private encodeStaged(): void {
    for (const s of this.fullStages) this.pushFrame(s);
    this.fullStages.length = 0;
    this.fullStageBytes = 0;
    if (this.stage.n > 0) this.pushFrame(this.stage);
  }

  private pushFrame(stage: EventStage): void {
    const bytes = encodeFrame(encodeBatch(stage));
    this.frames.push({ bytes, events: stage.n, lo: stage.lo, hi: stage.hi, first: stage.first });
    this.frameBytes += bytes.length;
    stage.reset();
    if (stage !== this.stage) this.spareStages.push(stage);
  }

  private async writeFrames(): Promise<void> {
    if (this.segBroken) await this.repairSegment();
    while (this.frames.length > 0) {
      let seg = this.seg;
      const first = this.frames[0] as PendingFrame;
      if (
        seg &&
        seg.size > 0 &&
        (seg.size + first.bytes.length > this.o.segmentBytes ||
          this.o.clock() - seg.startMs >= this.o.segmentMs)
      ) {
        await this.closeSegment();
        seg = null;
      }
      seg ??= await this.openSegment();
      // Take as many frames as fit in this segment (always at least one) for one writev.
      let count = 0;
      let total = 0;
      while (count < this.frames.length) {
        const len = (this.frames[count] as PendingFrame).bytes.length;
        if (count > 0 && seg.size + total + len > this.o.segmentBytes) break;
        total += len;
        count++;
      }
      const batch = this.frames.slice(0, count);
      this.segBroken = true; // until the write is known complete
      const { bytesWritten } = await seg.handle.writev(
        batch.map((f) => f.bytes),
        seg.size,
      );
      if (bytesWritten !== total) throw new Error(`short write: ${bytesWritten} of ${total} bytes`);
      this.segBroken = false;
      this.frames.splice(0, count);
      this.frameBytes -= total;
      seg.size += total;
      this.bytes += total;
      const now = this.o.clock();
      for (const f of batch) {
        seg.events += f.events;
        seg.unsyncedEvents += f.events;
        seg.unsyncedFrames++;
        this.written += f.events;
        if (f.events > 0) {
          if (f.lo < seg.tMin) seg.tMin = f.lo;
          if (f.hi > seg.tMax) seg.tMax = f.hi;
        }
        if (seg.firstPos < 0) seg.firstPos = f.first;
        seg.endPos = f.first + f.events;
      }
      seg.writtenMax = now;
    }
  }

  /** After a failed write: cut the partial frame off, or give the segment up and start a new one. */
  private async repairSegment(): Promise<void> {
    const seg = this.seg;
    this.segBroken = false;
    if (!seg) return;
    try {
      await seg.handle.truncate(seg.size);
      return;
    } catch {
      // The handle is unusable: leave the file for the sealer (which truncates the torn tail).
    }
    this.seg = null;
    await seg.handle.close().catch(noop);
    this.abandoned += seg.unsyncedEvents;
    this.queueSeal(seg.path, null);
  }

  private async openSegment(): Promise<OpenSegment> {
    const startMs = Math.max(this.o.clock(), this.lastStartMs);
    this.lastStartMs = startMs;
    for (;;) {
      const path = join(this.dir, `${segmentBase(startMs, this.nextSeq++)}${RAW_EXT}`);
      let handle: FileHandle;
      try {
        handle = await open(path, 'wx');
      } catch (err) {
        if (errnoCode(err) === 'EEXIST') continue; // never clobber a file we did not expect
        throw err;
      }
      try {
        await fsyncDir(this.dir);
      } catch (err) {
        await handle.close().catch(noop);
        throw err;
      }
      const seg: OpenSegment = {
        handle,
        path,
        startMs,
        size: 0,
        events: 0,
        tMin: Number.POSITIVE_INFINITY,
        tMax: Number.NEGATIVE_INFINITY,
        writtenMax: 0,
        firstPos: -1,
        endPos: 0,
        unsyncedEvents: 0,
        unsyncedFrames: 0,
      };
      this.seg = seg;
      this.segmentsOpened++;
      return seg;
    }
  }

  /** Fsyncs and closes the open segment, then queues it for sealing (an empty one is removed). */
  private async closeSegment(): Promise<void> {
    const seg = this.seg;
    if (!seg) return;
    if (seg.unsyncedFrames > 0) await this.syncSegment(seg);
    this.seg = null;
    await seg.handle.close().catch(noop);
    if (seg.size === 0) {
      await unlink(seg.path).catch(noop);
      return;
    }
    this.queueSeal(seg.path, {
      events: seg.events,
      tMin: seg.events > 0 ? seg.tMin : 0,
      tMax: seg.events > 0 ? seg.tMax : 0,
      writtenMax: seg.writtenMax,
      first: seg.firstPos,
      end: seg.endPos,
    });
  }

  private queueSeal(path: string, summary: SealedSummary | null): void {
    this.sealTail = this.sealTail.then(() => this.sealOne(path, summary));
  }

  private async sealOne(path: string, known: SealedSummary | null): Promise<void> {
    let sealedPath: string;
    try {
      let summary = known;
      if (!summary) {
        // A segment given up after a failed write: cut its torn tail first.
        const check = await inspectRawSegment(path, true);
        if (!check.summary) {
          await unlink(path).catch(noop);
          return;
        }
        summary = check.summary;
      }
      sealedPath = this.o.compress
        ? await sealSegment(path, {
            writtenMax: summary.writtenMax,
            level: this.o.compressionLevel,
            blockBytes: this.o.blockBytes,
          })
        : path;
      this.sealedCount++;
    } catch (err) {
      this.sealErrors++;
      this.report(
        new JournalSealError(
          `sealing ${path} failed: ${describe(err)}; the raw segment stays in place, readable, and is sealed again on the next open`,
          { cause: err },
        ),
      );
      return;
    }
    await this.deliver(sealedPath);
  }

  /** Calls `onSeal` until it succeeds, with exponential backoff; the file is never touched. */
  private async deliver(path: string): Promise<void> {
    const onSeal = this.o.onSeal;
    if (!onSeal) return;
    const attempts = this.o.onSealRetries + 1;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await onSeal(path);
        return;
      } catch (err) {
        this.sealErrors++;
        const last = attempt === attempts;
        const delay = this.o.onSealBackoffMs * 2 ** (attempt - 1);
        this.report(
          new JournalSealError(
            `onSeal(${path}) failed (attempt ${attempt} of ${attempts}): ${describe(err)}; ${
              last ? 'giving up, the sealed file stays in place for a manual copy' : `retrying in ${delay} ms`
            }`,
            { cause: err },
          ),
        );
        if (last) return;
        await sleep(delay);
      }
    }
  }
}
