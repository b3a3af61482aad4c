import { type VerifyReport, verifyJournal } from '@monkeytracker/journal';
import { parseCommand } from './args';
import { CliUsageError } from './errors';
import { assertJournalDir } from './journal-dir';
import { formatMB } from './progress';

/** `--help` of `monkeytracker verify`. */
export const VERIFY_HELP = `Usage: monkeytracker verify --journal DIR [--json]

Reads and checks every frame of a journal and reports segments, frames, events,
corrupt frames and skipped bytes (file, offset and reason of each corrupt range).

Options:
  --journal DIR   the journal directory (required)
  --json          print the report as JSON
  --debug         print stack traces of errors
  -h, --help      show this help

Exit code: 0 when nothing is corrupt, 1 when corruption was found or the check failed.`;

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '),
    )
    .join('\n');
}

/** Formats a report as a human table and summary. */
export function formatVerifyReport(dir: string, r: VerifyReport): string {
  const n = (v: number) => v.toLocaleString('en');
  const lines = [
    `journal ${dir}: ${n(r.segments.length)} segments, ${n(r.frames)} frames, ${n(r.events)} events, ${n(r.corruptFrames)} corrupt frames, ${n(r.skippedBytes)} bytes skipped`,
  ];
  if (r.segments.length > 0) {
    lines.push(
      '',
      table([
        ['segment', 'sealed', 'size', 'frames', 'events', 'corrupt', 'skipped'],
        ...r.segments.map((s) => [
          s.file,
          s.sealed ? 'yes' : 'no',
          formatMB(s.fileBytes),
          n(s.frames),
          n(s.events),
          n(s.corruptFrames),
          n(s.skippedBytes),
        ]),
      ]),
    );
  }
  if (r.corruptions.length > 0) {
    lines.push('', 'corrupt ranges:');
    for (const c of r.corruptions) {
      lines.push(`  ${c.file} @${c.offset}: ${n(c.bytes)} bytes (${c.reason}: ${c.message})`);
    }
  }
  if (r.tailBytes > 0)
    lines.push(
      '',
      `${n(r.tailBytes)} bytes of an incomplete last frame (a write in progress, or a crash not yet recovered)`,
    );
  lines.push('', r.ok ? 'ok: no corruption' : 'CORRUPT: replay skips the ranges above');
  return lines.join('\n');
}

/** `monkeytracker verify`: returns the exit code. */
export async function verifyCommand(argv: string[]): Promise<number> {
  const flags = parseCommand('verify', argv, { journal: { type: 'string' }, json: { type: 'boolean' } });
  if (flags.help) {
    process.stdout.write(`${VERIFY_HELP}\n`);
    return 0;
  }
  if (!flags.journal) throw new CliUsageError('--journal DIR is required', { command: 'verify' });
  await assertJournalDir(flags.journal);
  const report = await verifyJournal({ dir: flags.journal });
  process.stdout.write(
    `${flags.json ? JSON.stringify(report, null, 2) : formatVerifyReport(flags.journal, report)}\n`,
  );
  return report.ok ? 0 : 1;
}
