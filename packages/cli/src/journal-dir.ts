import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors';

/** Segment files of a journal: `<start>-<seq>.mtj` while open, `.mtj.gz` once sealed. */
const SEGMENT_RE = /^\d{8}T\d{9}Z-\d{10}\.mtj(\.gz)?$/;

/** Throws a {@link CliError} unless `dir` is an existing directory (a typo should not read as an empty journal). */
export async function assertJournalDir(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new CliError(`no journal directory at ${dir}`);
}

/** Total bytes of the segment files in a journal directory: the denominator of replay progress. */
export async function journalBytes(dir: string): Promise<number> {
  let total = 0;
  for (const file of await readdir(dir)) {
    if (!SEGMENT_RE.test(file)) continue;
    try {
      total += (await stat(join(dir, file))).size;
    } catch {
      // sealed or pruned meanwhile
    }
  }
  return total;
}
