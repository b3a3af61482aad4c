/** `openJournal`: take the directory's lock, recover from a crash, and start the writer. */
import { mkdir } from 'node:fs/promises';
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
  await mkdir(resolved.dir, { recursive: true });
  const lock = await acquireLock(resolved.dir);
  try {
    const recovered = await recoverSegments(resolved.dir);
    const writer = await writerIdOf(resolved.dir);
    const checkpoint = await readCheckpoint(resolved.dir);
    return new JournalWriter(resolved, lock, recovered, { ...writer, checkpoint });
  } catch (err) {
    await lock.release();
    throw err;
  }
}
