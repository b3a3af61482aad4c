import { type GridIndex, type IndexKey, mergeIndexes } from '@monkeytracker/grid';
import {
  type CombinedEntries,
  type MergeProgress,
  StorageConflictError,
  type StorageError,
} from '@monkeytracker/storage';
import type { Collection, WriteConcernSettings } from 'mongodb';
import { backoffDelay, sleep } from './backoff';
import { progressText, toStorageError, type WriteOutcome, writeOutcome } from './driver-errors';
import { MONGO_PREFIX } from './errors';
import {
  type ClaimDocument,
  claimId,
  decodeBlob,
  type IndexDocument,
  indexFields,
  newDocument,
} from './index-document';

/** What {@link casMerge} needs: the collection and the retry policy. */
export interface CasMergeContext {
  collection: Collection<IndexDocument>;
  writeConcern: WriteConcernSettings | undefined;
  /** Rounds a key may lose before `StorageConflictError`. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A claim older than this whose version never got written belongs to a crashed writer. */
  staleClaimMs: number;
  /** Called after each round has read the versions and before it writes (tests, fault injection). */
  onBeforeWrite: ((ids: readonly string[]) => Promise<void> | void) | undefined;
  /** True once the adapter is closed: driver errors then become `STORAGE_CLOSED`. */
  isClosed: () => boolean;
  /**
   * FerretDB mode: read with one `findOne({ _id })` per key instead of one `$in` query (FerretDB
   * 1.x uses the `_id` index only for an equality; `$in` scans the collection), and issue the
   * per-key updates one after another (SQLite writers wait on each other's lock with sleeps, so
   * concurrent updates are slower than sequential ones).
   */
  pointReads: boolean;
}

/**
 * Reads documents by `_id` on the primary (a stale read would only cost a retry, but the primary
 * avoids needless ones): one `$in` query, or one point query per id (see `pointReads`).
 */
export async function readByIds<T extends { _id: string }>(
  ctx: CasMergeContext,
  ids: string[],
  projection: Record<string, 1>,
): Promise<T[]> {
  const collection = ctx.collection as unknown as Collection<T>;
  if (ctx.pointReads) {
    const docs = await Promise.all(
      ids.map((_id) => collection.findOne({ _id } as never, { projection, readPreference: 'primary' })),
    );
    return docs.filter((d) => d !== null) as T[];
  }
  return (await collection
    .find({ _id: { $in: ids } } as never, {
      projection,
      readPreference: 'primary',
      batchSize: Math.max(101, ids.length + 1),
    })
    .toArray()) as T[];
}

type Pending = Map<string, { key: IndexKey; delta: GridIndex }>;

/** How one key's write in a round ended. */
type WriteResult = 'won' | 'lost' | { error: unknown; outcome: WriteOutcome };

const DUPLICATE_KEY = 11000;
/** From this round on, a key that keeps losing its claim checks whether the claim is stale. */
const STALE_CHECK_FROM_ATTEMPT = 2;

/**
 * Merges one batch of combined entries, retrying keys that lose a race with jittered exponential
 * backoff. One round:
 *
 * 1. one `find({ _id: { $in } })` reads the blob and version `v` of every pending key;
 * 2. each key's new index is computed in memory (stored + delta);
 * 3. absent keys: one `insertMany(…, { ordered: false })` of their first version; a duplicate
 *    `_id` means another writer created the key first (lost, next round);
 * 4. existing keys: one `insertMany` of claims `claim|v+1|key` (unique `_id`: exactly one writer
 *    wins version `v + 1`), then, for the claims won, one `updateOne({ _id, v }, { $set: … })` per
 *    key, issued concurrently; `matchedCount` 0 means the key moved on (lost, next round);
 * 5. best effort: delete the winners' previous claims (`claim|v|key`), so a key keeps one claim.
 *
 * Why claims, when `updateOne({ _id, v })` alone is a compare-and-swap on MongoDB: FerretDB 1.x
 * over SQLite evaluates the filter and writes in separate steps, so concurrent writers can all
 * match the same `v` (measured: 260 matches for 50 rounds of 8 writers; `$inc` lost 85% of its
 * increments). A unique-`_id` insert is atomic on every wire-protocol server. The claim makes the
 * writers of one key take turns; the conditional update is still exact on MongoDB and, on
 * FerretDB, only needs a read after a committed write to see it. Why not one `bulkWrite` of
 * updates: it reports the total `matchedCount`, not which update matched.
 *
 * Every write settles before this returns or throws; a thrown error carries the exact
 * {@link MergeProgress}.
 */
export async function casMerge(ctx: CasMergeContext, combined: CombinedEntries): Promise<void> {
  const applied: string[] = [];
  const unknown: string[] = [];
  let pending: Pending = new Map(combined);
  const progressOf = (stillPending: Iterable<string>): MergeProgress => ({
    appliedKeys: applied,
    pendingKeys: [...stillPending],
    unknownKeys: unknown,
  });
  const fail = (error: unknown, stillPending: Iterable<string>): StorageError =>
    toStorageError(error, 'merge', { progress: progressOf(stillPending), closedByUs: ctx.isClosed() });
  for (let attempt = 0; ; attempt++) {
    const ids = [...pending.keys()];
    let stored: Pick<IndexDocument, '_id' | 'v' | 'blob'>[];
    try {
      stored = await readByIds(ctx, ids, { v: 1, blob: 1 });
    } catch (err) {
      throw fail(err, ids);
    }
    const current = new Map(stored.map((d) => [d._id, d]));
    const inserts: IndexDocument[] = [];
    const updates: { k: string; v: number; index: GridIndex }[] = [];
    for (const [k, { key, delta }] of pending) {
      const doc = current.get(k);
      if (doc)
        updates.push({ k, v: doc.v, index: mergeIndexes(decodeBlob(k, doc.blob, progressOf(ids)), delta) });
      else inserts.push(newDocument(k, key, delta));
    }
    await ctx.onBeforeWrite?.(ids);

    const claimedAt = new Date();
    const [insertResults, updateResults] = await Promise.all([
      insertAll(ctx, inserts),
      (async () => {
        const claimResults = await insertAll(
          ctx,
          updates.map((u) => ({ _id: claimId(u.k, u.v + 1), at: claimedAt })),
        );
        const write = async (u: (typeof updates)[number], i: number): Promise<WriteResult> => {
          const claim = claimResults[i]!;
          // A claim that failed or was lost means the key was not written: never "unknown".
          if (claim !== 'won') return claim === 'lost' ? 'lost' : { error: claim.error, outcome: 'unsent' };
          return updateOne(ctx, u.k, u.v, u.index);
        };
        if (!ctx.pointReads) return Promise.all(updates.map(write));
        // FerretDB/SQLite: concurrent writes wait on each other's lock with sleeps; in turn is faster.
        const out: WriteResult[] = [];
        for (let i = 0; i < updates.length; i++) out.push(await write(updates[i]!, i));
        return out;
      })(),
    ]);

    const lost: Pending = new Map();
    const notApplied: string[] = [];
    const previousClaims: string[] = [];
    let firstError: unknown;
    const settle = (k: string, result: WriteResult, update?: { v: number }) => {
      if (result === 'won') {
        applied.push(k);
        // Our claim now guards the key; the previous one is no longer needed.
        if (update) previousClaims.push(claimId(k, update.v));
      } else if (result === 'lost') {
        lost.set(k, pending.get(k)!);
        notApplied.push(k);
      } else {
        firstError ??= result.error;
        if (result.outcome === 'unknown') unknown.push(k);
        else notApplied.push(k);
      }
    };
    for (let i = 0; i < inserts.length; i++) settle(inserts[i]!._id, insertResults[i]!);
    for (let i = 0; i < updates.length; i++) settle(updates[i]!.k, updateResults[i]!, updates[i]);
    await deleteClaims(ctx, previousClaims);
    if (firstError !== undefined) throw fail(firstError, notApplied);
    if (lost.size === 0) return;
    if (attempt >= ctx.maxRetries) {
      const hot = lost.keys().next().value as string;
      const progress = progressOf(lost.keys());
      throw new StorageConflictError(
        hot,
        `merge of key ${JSON.stringify(hot.slice(0, 200))} lost the race ${attempt + 1} times; raise maxRetries or shard the hot key${progressText(progress)}`,
        { progress },
        MONGO_PREFIX,
      );
    }
    if (attempt >= STALE_CHECK_FROM_ATTEMPT) {
      const lostClaims = updates.filter((u) => lost.has(u.k)).map((u) => claimId(u.k, u.v + 1));
      await releaseStaleClaims(ctx, lostClaims);
    }
    pending = lost;
    await sleep(backoffDelay(attempt, { baseMs: ctx.retryBaseMs, maxMs: ctx.retryMaxMs }));
    // The winner is writing the version we lost; retrying before it lands would lose again.
    const seen = new Map(updates.filter((u) => lost.has(u.k)).map((u) => [u.k, u.v]));
    await waitForNewVersions(ctx, seen);
  }
}

/**
 * Polls (by `_id`, versions only) until every key in `seen` has moved past the version we read,
 * or `retryMaxMs` has passed. Cheaper than a full round that would only lose again.
 */
async function waitForNewVersions(ctx: CasMergeContext, seen: Map<string, number>): Promise<void> {
  if (seen.size === 0) return;
  const ids = [...seen.keys()];
  const deadline = Date.now() + ctx.retryMaxMs;
  while (Date.now() < deadline) {
    try {
      const docs = await readByIds<{ _id: string; v: number }>(ctx, ids, { v: 1 });
      const now = new Map(docs.map((d) => [d._id, d.v]));
      if (ids.every((id) => now.get(id) !== seen.get(id))) return;
    } catch {
      return; // the next round reports the failure
    }
    await sleep(1 + Math.random() * 3);
  }
}

/** Deletes claims by `_id`, best effort (one at a time on FerretDB, see `pointReads`). */
async function deleteClaims(ctx: CasMergeContext, ids: string[]): Promise<void> {
  const claims = ctx.collection as unknown as Collection<ClaimDocument>;
  const one = (_id: string) => claims.deleteOne({ _id }).catch(() => {});
  if (!ctx.pointReads) {
    await Promise.all(ids.map(one));
    return;
  }
  for (const id of ids) await one(id);
}

/**
 * Deletes claims older than `staleClaimMs`: their writer crashed between claiming and writing, and
 * the key would otherwise stay blocked. Deleting is safe even if that writer is only slow: its
 * conditional update still needs the version it read, so at most one of the two applies.
 */
async function releaseStaleClaims(ctx: CasMergeContext, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const claims = ctx.collection as unknown as Collection<ClaimDocument>;
  try {
    const old = await readByIds<ClaimDocument>(ctx, ids, { at: 1 });
    const limit = Date.now() - ctx.staleClaimMs;
    const stale = old.filter((c) => c.at instanceof Date && c.at.getTime() < limit);
    await Promise.all(stale.map((c) => claims.deleteOne({ _id: c._id, at: c.at })));
  } catch {
    // Best effort: the next round tries again.
  }
}

/** The conditional update of a key whose next version we claimed. */
async function updateOne(ctx: CasMergeContext, k: string, v: number, index: GridIndex): Promise<WriteResult> {
  try {
    const res = await ctx.collection.updateOne(
      { _id: k, v },
      { $set: { v: v + 1, ...indexFields(index) } },
      { writeConcern: ctx.writeConcern },
    );
    if (res.matchedCount === 1) return 'won';
    // The key moved on without us (it was deleted, or our claim was taken as stale): drop our claim.
    await (ctx.collection as unknown as Collection<ClaimDocument>)
      .deleteOne({ _id: claimId(k, v + 1) })
      .catch(() => {});
    return 'lost';
  } catch (error) {
    return { error, outcome: writeOutcome(error) };
  }
}

/** The fields of a driver `WriteError` this module reads. */
interface WriteErrorLike {
  index: number;
  code: number;
  errmsg?: string;
}

/** A per-document write error as a server error (the server answered: nothing was written). */
function serverError(w: WriteErrorLike): Error {
  const err = new Error(w.errmsg ?? `write error ${w.code}`) as Error & { code: number };
  err.name = 'MongoServerError';
  err.code = w.code;
  return err;
}

/**
 * Inserts documents in one unordered batch and returns each one's answer, in order: stored,
 * duplicate `_id` (lost the race), or an error.
 */
async function insertAll(ctx: CasMergeContext, docs: { _id: string }[]): Promise<WriteResult[]> {
  if (docs.length === 0) return [];
  const collection = ctx.collection as unknown as Collection<{ _id: string }>;
  try {
    await collection.insertMany(docs, { ordered: false, writeConcern: ctx.writeConcern });
    return docs.map(() => 'won');
  } catch (error) {
    const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
    const result = (error as { result?: { hasWriteConcernError?: () => boolean } }).result;
    if (writeErrors === undefined || result?.hasWriteConcernError?.()) {
      // No per-document answer: the whole batch failed, or its durability is unknown.
      return docs.map(() => ({ error, outcome: writeOutcome(error) }));
    }
    // ordered: false, so every document got its own answer; the ones without an error are stored.
    const byIndex = new Map<number, WriteErrorLike>();
    for (const w of ([] as WriteErrorLike[]).concat(writeErrors as WriteErrorLike)) byIndex.set(w.index, w);
    return docs.map((_, i): WriteResult => {
      const w = byIndex.get(i);
      if (!w) return 'won';
      if (w.code === DUPLICATE_KEY) return 'lost';
      return { error: serverError(w), outcome: 'unsent' };
    });
  }
}
