import { randomBytes } from 'node:crypto';
import type { Collection, WriteConcernSettings } from 'mongodb';

/**
 * A page's change stamp: one tiny document per (site, kind, bucket, url) — every period of one
 * heatmap — that lets a reader with a warm cache check a whole query in one small read instead of
 * reading the version of every key (on FerretDB that read costs as much as reading the blobs,
 * because it parses whole documents).
 *
 * Every write of a key of the page (a merge round, a delete) first sets `s` to a fresh random
 * token (the writer's own), then writes, then sets `f` to the same token. The stamp is *settled*
 * when `s === f`; a cache entry validated while the stamp was settled at token `x` may answer
 * again while the stamp still reads `s === f === x`:
 *
 * - any write that lands after the reader's read set `s` to its own fresh token before, so the
 *   stamp cannot read `x`/`x` again once that writer's merge has returned;
 * - the stamp survives servers whose updates are whole-document read-modify-writes that can
 *   resurrect an older field (FerretDB 1.x): every write of the stamp carries a token of its
 *   own writer in the field it sets, so only the writer of `x` can ever produce `x`/`x`, and it
 *   does so once;
 * - a writer that crashes (or fails with an unknown outcome) between its two writes leaves the
 *   stamp unsettled: readers then check key versions as before — slower, never stale — and a
 *   reader that finds a stamp unsettled for longer than `staleClaimMs` writes a fresh settled
 *   pair (safe for the same reason: its token is new).
 */
export interface StampDocument {
  _id: string;
  /** Token of the last write that started. */
  s: string;
  /** Token of the last write that finished; absent until one has. */
  f?: string;
  /** When `s` was set (writer's clock), to repair stamps of crashed writers. */
  at: Date;
}

const SEPARATOR = '|';

/**
 * The stamp `_id` of a key string `site|kind|bucket|period|url`: the key without its period.
 * Never a key string (read as one, its bucket field would be an event kind, not a number) nor a
 * claim id.
 */
export function stampId(k: string): string {
  let at = -1;
  for (let i = 0; i < 3; i++) at = k.indexOf(SEPARATOR, at + 1);
  const periodEnd = k.indexOf(SEPARATOR, at + 1);
  return `stamp${SEPARATOR}${k.slice(0, at)}${SEPARATOR}${k.slice(periodEnd + 1)}`;
}

/** The distinct stamp ids of key strings. */
export function stampIds(keys: Iterable<string>): string[] {
  const ids = new Set<string>();
  for (const k of keys) ids.add(stampId(k));
  return [...ids];
}

/** A fresh stamp token (random: never written before). */
export function newStampToken(): string {
  return randomBytes(9).toString('base64url');
}

/** The token a reader may tag cache entries with: the settled token, or undefined. */
export function settledToken(doc: Pick<StampDocument, 's' | 'f'> | undefined): string | undefined {
  return doc !== undefined && typeof doc.s === 'string' && doc.s === doc.f ? doc.s : undefined;
}

const DUPLICATE_KEY = 11000;

/**
 * Sets `fields` on the stamps `ids`, creating them when absent if `upsert`; a duplicate `_id`
 * (another writer created the stamp at the same moment) is retried once as an update. Rejects on
 * failure.
 */
export async function writeStamps(
  collection: Collection<StampDocument>,
  ids: readonly string[],
  fields: Partial<Omit<StampDocument, '_id'>>,
  writeConcern: WriteConcernSettings | undefined,
  upsert = true,
): Promise<void> {
  const one = async (_id: string) => {
    try {
      await collection.updateOne({ _id }, { $set: fields }, { upsert, writeConcern });
    } catch (err) {
      if ((err as { code?: unknown }).code !== DUPLICATE_KEY) throw err;
      await collection.updateOne({ _id }, { $set: fields }, { writeConcern });
    }
  };
  await Promise.all(ids.map(one));
}

/**
 * Runs `write` between the two stamp writes of the pages `ids` (see {@link StampDocument}).
 * The start must land before `write` begins, so its failure rejects without writing anything;
 * the finish is best effort and skipped when `write` rejects or says its outcome is unknown:
 * a stamp left unsettled only costs readers their fast path.
 */
export async function stampedWrite<T>(
  collection: Collection<StampDocument>,
  ids: readonly string[],
  writeConcern: WriteConcernSettings | undefined,
  write: () => Promise<{ result: T; settled: boolean }>,
): Promise<T> {
  if (ids.length === 0) return (await write()).result;
  const token = newStampToken();
  await writeStamps(collection, ids, { s: token, at: new Date() }, writeConcern);
  const { result, settled } = await write();
  // Not an upsert: a stamp deleted meanwhile (`delete({ all: true })`) stays absent, not half-made.
  if (settled) await writeStamps(collection, ids, { f: token }, writeConcern, false).catch(() => {});
  return result;
}
