/**
 * What a journal directory remembers about its writer besides the segments:
 *
 * - `WRITER`: the writer id, created on the first open and never changed. Storage keeps, per
 *   writer id, the journal position of the last delta it applied, so the id must outlive
 *   restarts (it lives with the journal) and be unique per live process (the lock ensures it).
 * - `CHECKPOINT`: `{ position }`, a position before which storage has confirmed every delta.
 *   Recovery re-reads the journal from there; a stale (too early) checkpoint only costs time,
 *   because merges are idempotent.
 *
 * Both are written to a temporary file, fsynced, and renamed over the old one.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { errnoCode, fsyncDir } from './fs-utils';

/** File name of the writer id inside a journal directory. */
export const WRITER_FILE = 'WRITER';
/** File name of the checkpoint inside a journal directory. */
export const CHECKPOINT_FILE = 'CHECKPOINT';

const WRITER_RE = /^[A-Za-z0-9_-]{1,64}$/;

async function writeAtomically(dir: string, file: string, text: string): Promise<void> {
  const path = join(dir, file);
  const temp = `${path}.${process.pid}.tmp`;
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await fsyncDir(dir);
}

async function readText(dir: string, file: string): Promise<string | undefined> {
  try {
    return await readFile(join(dir, file), 'utf8');
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The writer id of `dir`, created when absent. `created` tells a brand-new writer (whose
 * deltas storage cannot hold yet) from one that existed before.
 */
export async function writerIdOf(dir: string): Promise<{ id: string; created: boolean }> {
  const text = (await readText(dir, WRITER_FILE))?.trim();
  if (text !== undefined && WRITER_RE.test(text)) return { id: text, created: false };
  const id = `w${randomBytes(8).toString('hex')}`;
  await writeAtomically(dir, WRITER_FILE, `${id}\n`);
  return { id, created: true };
}

/** The writer id of `dir` without creating one (readers such as replay), or `undefined`. */
export async function readWriterId(dir: string): Promise<string | undefined> {
  const text = (await readText(dir, WRITER_FILE))?.trim();
  return text !== undefined && WRITER_RE.test(text) ? text : undefined;
}

/** The checkpoint position of `dir`, or `undefined` when none was written. */
export async function readCheckpoint(dir: string): Promise<number | undefined> {
  const text = await readText(dir, CHECKPOINT_FILE);
  if (text === undefined) return undefined;
  try {
    const position = (JSON.parse(text) as { position?: unknown }).position;
    return Number.isSafeInteger(position) && (position as number) >= 0 ? (position as number) : undefined;
  } catch {
    return undefined; // a garbled checkpoint is as good as none: recovery starts earlier
  }
}

/** Writes the checkpoint position of `dir` durably. */
export function writeCheckpoint(dir: string, position: number): Promise<void> {
  return writeAtomically(dir, CHECKPOINT_FILE, `${JSON.stringify({ position })}\n`);
}
