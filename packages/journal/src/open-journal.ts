/** `openJournal`: take the directory's lock, recover from a crash, and start the writer. */
import { mkdir } from 'node:fs/promises';
import { isMonkeyTrackerError } from '@monkeytracker/grid';
import { JournalOpenError } from './errors';
import { errnoCode } from './fs-utils';
import { acquireLock } from './journal-lock';
import { type JournalOptions, resolveJournalOptions } from './journal-options';
import { type Journal, JournalWriter } from './journal-writer';
import { recoverSegments } from './recover-segments';
import { readCheckpoint, writerIdOf } from './writer-state';

/**
 * Opens the journal in `options.dir` for writing: creates the directory, takes its lock (a
 * second writer gets {@link JournalLockedError}; a lock left by a dead process is taken over),
 * truncates a torn tail left by a crash and seals that segment (see `journal.recovery`), and
 * starts the background write loop.
 *
 * Durability: an appended event is written and fsynced at most `fsyncMs` after `append`
 * returns, so a crash loses at most the last `fsyncMs` of events (`stats().eventsDurable`
 * counts what is safe).
 *
 * @example
 * ```ts
 * const journal = await openJournal({ dir: './data/journal', fsyncMs: 1000 });
 * journal.append(events);   // synchronous; returns how many were taken
 * await journal.close();    // flush, seal, release the lock
 * ```
 */
export async function openJournal(options: JournalOptions): Promise<Journal> {
  const resolved = resolveJournalOptions(options);
  try {
    await mkdir(resolved.dir, { recursive: true });
    const lock = await acquireLock(resolved.dir);
    try {
      const recovered = await recoverSegments(resolved.dir);
      const writer = await writerIdOf(resolved.dir);
      const checkpoint = await readCheckpoint(resolved.dir);
      return new JournalWriter(resolved, lock, recovered, { ...writer, checkpoint });
    } catch (err) {
      await lock.release().catch(() => {});
      throw err;
    }
  } catch (err) {
    throw isMonkeyTrackerError(err) ? err : openFailure(resolved.dir, err);
  }
}

const WHY: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file is in the way of the directory',
  ENOSPC: 'the disk is full',
  // mkdir on a read-only mount can answer ENOENT for the missing directory.
  ENOENT: 'the directory cannot be created (a read-only mount or a missing parent)',
};

/** A file-system failure at open as one line: the path, the system's reason and code, the fix. */
function openFailure(dir: string, err: unknown): Error {
  const code = errnoCode(err);
  const why = (code && WHY[code]) ?? (err instanceof Error ? err.message : String(err));
  const path = (err as { path?: unknown }).path;
  return new JournalOpenError(
    `cannot open the journal in ${dir}: ${why}${code ? ` (${code}${typeof path === 'string' ? ` on ${path}` : ''})` : ''}; give the process a writable directory (journal dir option, --data or --journal)`,
    { cause: err },
  );
}
