/**
 * `@monkeytracker/journal`: the append-only source of truth of MonkeyTracker. Segments of
 * checksummed frames, bounded-loss fsync, gzip on seal, torn-tail recovery, and a replay reader.
 */
export {
  JOURNAL_ERRORS,
  JournalClosedError,
  JournalCorruptionError,
  type JournalError,
  JournalInvalidEventError,
  JournalLockedError,
  JournalOpenError,
  JournalOptionError,
  JournalSealError,
  JournalWriteError,
} from './errors';
export { type LockOwner, lockOwner } from './journal-lock';
export type { JournalOptions } from './journal-options';
export type { Journal, JournalStats } from './journal-writer';
export { openJournal } from './open-journal';
export { type PruneResult, pruneJournal } from './prune-journal';
export { type JournalFrame, type ReadJournalOptions, readJournal, readJournalFrames } from './read-journal';
export type { RecoveredSegment, RecoveryReport } from './recover-segments';
export { type SegmentReport, type VerifyReport, verifyJournal } from './verify-journal';
export type { CorruptionEntry, CorruptionReason } from './walk-segments';
export { readCheckpoint, readWriterId } from './writer-state';
