/**
 * Crash recovery, run by `openJournal` under the lock before anything is written:
 * - leftover `.tmp` files of interrupted seals are removed;
 * - a raw segment whose `.gz` also exists (seal interrupted after the rename) is removed, since
 *   the `.gz` only appears, by atomic rename, once it is complete and fsynced;
 * - every other raw segment (the one open at the crash, or one whose seal failed) has its torn
 *   tail truncated and is handed back to be sealed.
 */
import { unlink } from 'node:fs/promises';
import type { SealedSummary } from './block-format';
import { errnoCode, fsyncDir } from './fs-utils';
import { readSealedSummary } from './sealed-summary';
import { listSegments } from './segment-files';
import { inspectRawSegment } from './segment-sealer';
import { walkSegments } from './walk-segments';

/** What recovery did to one raw segment. */
export interface RecoveredSegment {
  /** File name of the raw segment. */
  file: string;
  /** Bytes cut off the end: a partial or garbled frame left by a crash. */
  tornBytes: number;
  /** Bytes of corrupt frames in the middle (left in place; readers skip them). */
  corruptBytes: number;
  /** Valid frames kept. */
  frames: number;
}

/** What `openJournal` found and repaired; available as `journal.recovery`. */
export interface RecoveryReport {
  /** Total bytes truncated from torn tails, over all segments. */
  tornBytes: number;
  /** Raw segments that were checked (and then sealed). */
  segments: RecoveredSegment[];
  /** Files removed: interrupted seals' temporaries and raw files already sealed. */
  removed: string[];
}

/** Internal result of recovery: the report plus what the writer needs to carry on. */
export interface RecoveryOutcome {
  report: RecoveryReport;
  /** Raw segments to seal, in append order, with their summaries. */
  toSeal: { path: string; summary: SealedSummary }[];
  /** Sequence number for the next segment. */
  nextSeq: number;
  /** Latest start time among existing segments (new ones never start earlier). */
  lastStartMs: number;
  /** The position of the next event: one past the last event of the newest segment. */
  nextPosition: number;
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}

/** Repairs a journal directory after a crash; see the module comment. */
export async function recoverSegments(dir: string): Promise<RecoveryOutcome> {
  const listing = await listSegments(dir);
  const report: RecoveryReport = { tornBytes: 0, segments: [], removed: [] };
  for (const path of listing.temps) {
    await removeIfPresent(path);
    report.removed.push(path);
  }
  for (const seg of listing.shadowed) {
    await removeIfPresent(seg.path);
    report.removed.push(seg.path);
  }
  const toSeal: RecoveryOutcome['toSeal'] = [];
  let nextSeq = 1;
  let lastStartMs = 0;
  // The newest summary with positions says where positions continue. An unchecked (legacy)
  // summary may only err high there, which leaves a harmless gap: a position is never reused.
  // Erring low would reuse positions, so the newest segment is read when its summary is unchecked.
  let nextPosition: number | undefined;
  let positionsKnown = true;
  const newest = listing.segments.at(-1);
  for (const seg of listing.segments) {
    nextSeq = Math.max(nextSeq, seg.seq + 1);
    lastStartMs = Math.max(lastStartMs, seg.startMs);
    if (seg.sealed) {
      const read = await readSealedSummary(seg.path).catch(() => null);
      if (read?.summary.end !== undefined) nextPosition = Math.max(nextPosition ?? 0, read.summary.end);
      else positionsKnown = false;
      if (seg === newest && !read?.trusted)
        nextPosition = Math.max(nextPosition ?? 0, await endPosition(dir, seg.seq));
      continue;
    }
    const check = await inspectRawSegment(seg.path, true);
    if (check.summary?.end !== undefined) nextPosition = Math.max(nextPosition ?? 0, check.summary.end);
    else if (check.summary) positionsKnown = false;
    report.tornBytes += check.tornBytes;
    report.segments.push({
      file: seg.file,
      tornBytes: check.tornBytes,
      corruptBytes: check.corruptBytes,
      frames: check.frames,
    });
    if (check.summary) toSeal.push({ path: seg.path, summary: check.summary });
    else {
      await removeIfPresent(seg.path);
      report.removed.push(seg.path);
    }
  }
  if (report.removed.length > 0 || report.tornBytes > 0) await fsyncDir(dir);
  if (!positionsKnown || (nextPosition === undefined && listing.segments.length > 0)) {
    // Segments of format 1 (before positions) or with a damaged header: count what the walker sees.
    nextPosition = Math.max(nextPosition ?? 0, await endPosition(dir));
  }
  return { report, toSeal, nextSeq, lastStartMs, nextPosition: nextPosition ?? 0 };
}

/**
 * One past the last position in the journal, by reading frames: of every segment (format 1
 * journals, whose positions are only known by counting), or of segment `onlySeq` alone.
 */
async function endPosition(dir: string, onlySeq?: number): Promise<number> {
  let end = 0;
  for await (const item of walkSegments(dir, {
    from: Number.NEGATIVE_INFINITY,
    to: Number.POSITIVE_INFINITY,
    onlySeq,
  })) {
    if (item.type === 'batch') end = Math.max(end, item.end);
  }
  return end;
}
