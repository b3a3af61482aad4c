import { readWriterId } from '@monkeytracker/journal';
import { MemoryStorage, replay, type StorageAdapter } from 'monkeytracker';
import { integerFlag, parseCommand, timeFlag } from './args';
import { CliError, CliUsageError } from './errors';
import { assertJournalDir, journalBytes } from './journal-dir';
import { formatDuration, formatMB, progressReporter } from './progress';
import { describeMongo, openMongoStorage, STORAGE_OPTIONS } from './storage';

/** `--help` of `monkeytracker replay`. */
export const REPLAY_HELP = `Usage: monkeytracker replay --journal DIR (--mongodb URI [--db D] [--collection C] | --memory)
                            [--from DATE] [--to DATE] [--time-zone ZONE] [--cell-size PX] [--append]

Feeds a journal through the same validate → aggregate → merge path as live tracking,
cut where the live tracker cut, into MongoDB (rebuild a collection after changing the
grid, time zone or url rules) or into memory (a dry run that checks the journal and
measures the replay).

Safe to repeat: the deltas carry the journal's writer id, and storage skips those it
already holds, so replaying into a collection the writer merged into applies only what
is missing. While the journal's tracker runs, the events after its last cut are left to
it. A journal written before writer ids (no WRITER file) cannot be told apart from what
it merged: into a collection that holds indexes it needs --append, and adds everything.

Options:
  --journal DIR       the journal directory (required)
  --mongodb URI       merge into MongoDB (needs @monkeytracker/storage-mongodb and mongodb)
  --db D              database (default monkeytracker)
  --collection C      collection (default indexes)
  --memory            replay into memory and throw the result away
  --from DATE         only events at or after DATE (YYYY-MM-DD in UTC, or an ISO date-time)
  --to DATE           only events up to DATE (a day includes the whole day; a date-time is exclusive)
  --time-zone ZONE    IANA zone of day and month keys (default UTC); must match the tracker's
  --cell-size PX      grid cell size (default 10); must match the tracker's
  --append            replay a journal without a writer id (older than writer ids) into a
                      collection that holds indexes (counts its events twice if they are there)
  --debug             print stack traces of errors
  -h, --help          show this help

Progress (events, MB, events/s, ETA) goes to stderr; the summary to stdout.
Exit code: 0 when the replay finished, 1 when it failed, 2 for a usage error.`;

async function isEmpty(storage: StorageAdapter): Promise<boolean> {
  for await (const _ of storage.list()) return false;
  return true;
}

/** `monkeytracker replay`: returns the exit code. */
export async function replayCommand(argv: string[]): Promise<number> {
  const flags = parseCommand('replay', argv, {
    journal: { type: 'string' },
    ...STORAGE_OPTIONS,
    memory: { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    'time-zone': { type: 'string' },
    'cell-size': { type: 'string' },
    append: { type: 'boolean' },
  });
  if (flags.help) {
    process.stdout.write(`${REPLAY_HELP}\n`);
    return 0;
  }
  if (!flags.journal) throw new CliUsageError('--journal DIR is required', { command: 'replay' });
  if ((flags.memory === true) === (flags.mongodb !== undefined)) {
    throw new CliUsageError('give exactly one target: --mongodb URI or --memory', { command: 'replay' });
  }
  if (flags.memory && (flags.db !== undefined || flags.collection !== undefined)) {
    throw new CliUsageError('--db and --collection go with --mongodb, not --memory', { command: 'replay' });
  }
  const from = timeFlag('replay', 'from', flags.from);
  const to = timeFlag('replay', 'to', flags.to);
  const cellSize = integerFlag('replay', 'cell-size', flags['cell-size'], 10, 1, 10_000);
  const dir = flags.journal;
  await assertJournalDir(dir);
  const totalBytes = await journalBytes(dir);

  const mongo = flags.mongodb === undefined ? undefined : { ...flags, mongodb: flags.mongodb };
  const storage = mongo ? await openMongoStorage(mongo) : new MemoryStorage();
  const target = mongo ? describeMongo(mongo) : 'memory';
  try {
    const writer = await readWriterId(dir);
    if (writer === undefined && mongo && !flags.append && !(await isEmpty(storage))) {
      throw new CliError(
        `${dir} has no writer id (written before writer ids), so a replay cannot tell what ${target} already holds; replay into an empty collection (--collection NEW), or pass --append to add everything`,
      );
    }
    process.stderr.write(`replaying ${dir} (${formatMB(totalBytes)}) into ${target}\n`);
    const progress = progressReporter(process.stderr, totalBytes);
    let result: Awaited<ReturnType<typeof replay>>;
    try {
      result = await replay({
        journal: { dir },
        storage,
        from,
        to,
        timeZone: flags['time-zone'],
        grid: { cellSize },
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.done();
    }
    const seconds = result.elapsedMs / 1000;
    const n = (v: number) => v.toLocaleString('en');
    process.stdout.write(
      [
        `replayed ${n(result.events)} events from ${n(result.segments)} segments (${formatMB(result.bytes)}) into ${target} in ${formatDuration(seconds)} (${n(Math.round(result.events / Math.max(seconds, 0.001)))} events/s)`,
        `accepted ${n(result.accepted)}, rejected ${n(result.rejected)}, corrupt ranges ${n(result.corruptRanges)} (${n(result.skippedBytes)} bytes skipped)`,
        `writer ${result.writer}: ${n(result.skippedDeltas)} deltas already in storage skipped${result.leftToWriter > 0 ? `, ${n(result.leftToWriter)} events after the last cut left to the running tracker` : ''}`,
        '',
      ].join('\n'),
    );
    if (result.corruptRanges > 0) {
      process.stderr.write(
        `warning: corrupt journal data was skipped; run monkeytracker verify --journal ${dir}\n`,
      );
    }
    return 0;
  } finally {
    await storage.close();
  }
}
