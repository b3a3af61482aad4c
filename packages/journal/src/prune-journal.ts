/** `pruneJournal`: retention of sealed segments. */
import { stat, unlink } from 'node:fs/promises';
import { JournalOptionError } from './errors';
import { errnoCode } from './fs-utils';
import { toEpochMs } from './read-journal';
import { listSegments } from './segment-files';
import { segmentContentTime } from './walk-segments';

/** What {@link pruneJournal} removed. */
export interface PruneResult {
  /** Paths of the segment files deleted. */
  removed: string[];
  /** Bytes freed. */
  bytes: number;
}

/**
 * Deletes sealed segments whose newest content is older than `olderThan` (epoch ms or Date).
 * "Content time" is when the writer wrote the segment's last frame (recorded in the sealed
 * file's header; file mtime as a fallback), not the client-supplied `t` of its events, so a
 * client with a wrong clock can neither keep a segment forever nor get it deleted early.
 *
 * Only sealed `.mtj.gz` files are removed; the raw open segment never is. With
 * `compress: false`, closed raw segments (every raw one but the newest) are pruned the same way.
 * Safe to run beside a live writer.
 *
 * @example
 * ```ts
 * await pruneJournal({ dir: './data/journal', olderThan: Date.now() - 30 * 86_400_000 });
 * ```
 */
export async function pruneJournal(options: {
  dir: string;
  olderThan: number | Date;
  /** Report what would be removed without deleting anything. */
  dryRun?: boolean;
}): Promise<PruneResult> {
  if (typeof options?.dir !== 'string' || options.dir.length === 0) {
    throw new JournalOptionError('pruneJournal needs { dir, olderThan }');
  }
  if (options.olderThan === undefined) {
    throw new JournalOptionError(
      'pruneJournal needs olderThan (epoch ms or Date): segments older than it are deleted',
    );
  }
  const cutoff = toEpochMs('olderThan', options.olderThan, 0);
  const { segments } = await listSegments(options.dir);
  const result: PruneResult = { removed: [], bytes: 0 };
  const newestSeq = segments.length > 0 ? (segments[segments.length - 1]?.seq ?? -1) : -1;
  for (const seg of segments) {
    if (!seg.sealed && seg.seq === newestSeq) continue;
    let time: number;
    let size: number;
    try {
      time = await segmentContentTime(seg);
      size = (await stat(seg.path)).size;
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') continue;
      throw err;
    }
    if (time >= cutoff) continue;
    if (!options.dryRun) {
      try {
        await unlink(seg.path);
      } catch (err) {
        if (errnoCode(err) === 'ENOENT') continue;
        throw err;
      }
    }
    result.removed.push(seg.path);
    result.bytes += size;
  }
  return result;
}
