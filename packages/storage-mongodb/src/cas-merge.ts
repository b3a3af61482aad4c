import { setTimeout as sleep } from 'node:timers/promises';
import type { GridIndex } from '@monkeytracker/grid';
import { foldMerge, type KeyMerge, StorageConflictError, type WriterMarks } from '@monkeytracker/storage';
import type { Collection, WriteConcernSettings } from 'mongodb';
import { insertOutcomes } from './bulk-insert-outcome';
import { toStorageError } from './driver-errors';
import {
  type ClaimDocument,
  claimId,
  decodeBlob,
  type IndexDocument,
  indexFields,
  marksOf,
  newDocument,
} from './index-document';
import { type StampStore, stampedWrite, stampIds } from './page-stamps';
import { backoffDelay } from './retry-backoff';

/** What {@link casMerge} needs: the collection and the retry policy. */
export interface CasMergeContext {
  collection: Collection<IndexDocument>;
  /** The page stamps (`page-stamps.ts`), a collection of their own. */
  stamps: StampStore;
  writeConcern: WriteConcernSettings | undefined;
  /** Rounds a key may lose before `StorageConflictError`. */
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** A claim of another writer older than this, whose version never got written, is released. */
  staleClaimMs: number;
  /** Writer marks untouched for this long are dropped on the next write. */
  markTtlMs: number;
  /** Called after each round has read the versions and before it writes (tests, fault injection). */
  onBeforeWrite: ((ids: readonly string[]) => Promise<void> | void) | undefined;
  /** True once the adapter is closed: driver errors then become `STORAGE_CLOSED`. */
  isClosed: () => boolean;
  /**
   * FerretDB mode: read with one `findOne({ _id })` per key instead of one `$in` query (FerretDB
   * 1.x uses the `_id` index only for an equality; `$in` scans the collection), and issue the
   * per-key updates one after another (concurrent writers wait on each other's lock with sleeps).
   */
  pointReads: boolean;
  /**
   * Guard each version step with a claim (a unique-`_id` insert). Needed where a conditional
   * update is not atomic (FerretDB); on MongoDB `updateOne({ _id, v })` alone is a
   * compare-and-swap and claims only cost round trips.
   */
  claims: boolean;
  /** This MongoStorage instance, written into its claims (random per process start). */
  run: string;
  /** Writers whose claims from earlier runs this run has already released (see below). */
  releasedWriters: Set<string>;
}

/** How a merge round went: counts of parts applied and skipped. */
export interface CasOutcome {
  applied: number;
  skipped: number;
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

/** How one key's write in a round ended. */
type WriteResult = 'won' | 'lost' | { error: unknown };

/** A key whose new version this round computed. */
interface Update {
  k: string;
  v: number;
  index: GridIndex;
  marks: WriterMarks;
  writer: string | undefined;
}

/**
 * Merges one batch of grouped entries, retrying keys that lose a race with jittered exponential
 * backoff. One round:
 *
 * 1. one read of the blob, version `v` and writer marks of every pending key;
 * 2. each key's new index is folded in memory (`foldMerge`): parts at or below their writer's
 *    mark are skipped, and a key with nothing left to apply needs no write at all;
 * 3. absent keys: one `insertMany(…, { ordered: false })` of their first version; a duplicate
 *    `_id` means another writer created the key first (lost, next round);
 * 4. existing keys (with claims): one `insertMany` of claims `claim|v+1|key` — the unique `_id`
 *    lets exactly one writer win version `v + 1` — then, for each claim won,
 *    `updateOne({ _id, v }, { $set: blob, marks, v + 1, … })`; `matchedCount` 0 means the key
 *    moved on (lost, next round). Without claims (MongoDB) the conditional update alone decides.
 * 5. best effort: delete the winners' previous claims, so a key keeps one claim.
 *
 * Steps 3–4 run with the pages of the keys written held open (`stampedWrite`): a marker per page
 * before, a new epoch and the markers removed after, which lets readers validate a warm cache in
 * one read.
 *
 * Counts and marks move in one document update, so a delta is applied at most once per
 * (key, writer, position) whatever fails when: a retry after an unknown outcome re-reads the
 * marks and skips what landed. Every write settles before this returns or throws.
 */
export async function casMerge(ctx: CasMergeContext, batch: Map<string, KeyMerge>): Promise<CasOutcome> {
  let pending = new Map(batch);
  let applied = 0;
  let skipped = 0;
  const fail = (error: unknown) => toStorageError(error, 'merge', { closedByUs: ctx.isClosed() });
  if (ctx.claims) await releasePredecessorClaims(ctx, batch);
  for (let attempt = 0; ; attempt++) {
    const ids = [...pending.keys()];
    let stored: Pick<IndexDocument, '_id' | 'v' | 'blob' | 'marks'>[];
    try {
      stored = await readByIds(ctx, ids, { v: 1, blob: 1, marks: 1 });
    } catch (err) {
      throw fail(err);
    }
    const current = new Map(stored.map((d) => [d._id, d]));
    const now = Date.now();
    const inserts: { doc: IndexDocument; applied: number; skipped: number }[] = [];
    const updates: (Update & { applied: number; skipped: number })[] = [];
    for (const [k, { key, parts }] of pending) {
      const doc = current.get(k);
      const marks = doc ? marksOf(doc) : {};
      // Decode only when some part is still to apply: a retried or replayed delta costs a read.
      const todo = parts.filter((p) => {
        const mark = p.writer === undefined ? undefined : marks[p.writer];
        return mark === undefined || p.position! > mark.p;
      });
      if (todo.length === 0) {
        skipped += parts.length;
        pending.delete(k);
        continue;
      }
      const folded = foldMerge(
        doc ? { index: decodeBlob(k, doc.blob), marks } : undefined,
        parts,
        now,
        ctx.markTtlMs,
      );
      const writer = parts.find((p) => p.writer !== undefined)?.writer;
      const counts = { applied: folded.applied, skipped: folded.skipped };
      if (doc) updates.push({ k, v: doc.v, index: folded.index, marks: folded.marks, writer, ...counts });
      else inserts.push({ doc: newDocument(k, key, folded.index, folded.marks), ...counts });
    }
    if (pending.size === 0) return { applied, skipped };
    await ctx.onBeforeWrite?.(ids);

    const written = [...inserts.map((i) => i.doc._id), ...updates.map((u) => u.k)];
    let insertResults: WriteResult[];
    let updateResults: WriteResult[];
    try {
      [insertResults, updateResults] = await stampedWrite(ctx.stamps, stampIds(written), async () => {
        const results = await Promise.all([
          insertAll(
            ctx,
            inserts.map((i) => i.doc),
          ),
          writeUpdates(ctx, updates),
        ]);
        // An error may hide a write that still lands: then the pages must stay open.
        const settled = results.every((r) => r.every((x) => typeof x === 'string'));
        return { result: results, settled };
      });
    } catch (err) {
      throw fail(err); // the open markers failed (nothing written), or a write threw
    }

    const lost = new Map<string, KeyMerge>();
    const previousClaims: string[] = [];
    let firstError: unknown;
    const settle = (k: string, result: WriteResult, counts: CasOutcome, update?: { v: number }) => {
      if (result === 'won') {
        applied += counts.applied;
        skipped += counts.skipped;
        if (update && ctx.claims) previousClaims.push(claimId(k, update.v));
      } else if (result === 'lost') {
        lost.set(k, pending.get(k)!);
      } else {
        firstError ??= result.error;
      }
    };
    for (let i = 0; i < inserts.length; i++) settle(inserts[i]!.doc._id, insertResults[i]!, inserts[i]!);
    for (let i = 0; i < updates.length; i++)
      settle(updates[i]!.k, updateResults[i]!, updates[i]!, updates[i]);
    await deleteClaims(ctx, previousClaims);
    if (firstError !== undefined) throw fail(firstError);
    if (lost.size === 0) return { applied, skipped };
    const lostUpdates = updates.filter((u) => lost.has(u.k));
    if (ctx.claims && attempt !== 1) await releaseDeadClaims(ctx, lostUpdates, attempt);
    if (attempt >= ctx.maxRetries) throw await conflictError(ctx, lost, lostUpdates, attempt);
    pending = lost;
    await sleep(backoffDelay(attempt, { baseMs: ctx.retryBaseMs, maxMs: ctx.retryMaxMs }));
    // The winner is writing the version we lost; retrying before it lands would lose again.
    await waitForNewVersions(ctx, new Map(lostUpdates.map((u) => [u.k, u.v])));
  }
}

/** Claims (when on) and conditional updates of the keys that exist. */
async function writeUpdates(ctx: CasMergeContext, updates: Update[]): Promise<WriteResult[]> {
  const claimResults: WriteResult[] = ctx.claims
    ? await insertAll(
        ctx,
        updates.map((u) => ({ _id: claimId(u.k, u.v + 1), at: new Date(), writer: u.writer, run: ctx.run })),
      )
    : updates.map(() => 'won');
  const write = async (u: Update, i: number): Promise<WriteResult> => {
    const claim = claimResults[i]!;
    if (claim !== 'won') return claim;
    return updateOne(ctx, u);
  };
  if (!ctx.pointReads) return Promise.all(updates.map(write));
  // FerretDB: in turn. Concurrent SQLite writers wait on each other with sleeps, and over
  // PostgreSQL each matched update holds two pool connections: a few dozen in flight hang for good.
  const out: WriteResult[] = [];
  for (let i = 0; i < updates.length; i++) out.push(await write(updates[i]!, i));
  return out;
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
 * Once per writer and run, before its first merge: deletes every claim its writer id made in an
 * earlier run. Those belong to its dead predecessor (one process per writer: the journal lock),
 * and a claim on a key the restarted writer has nothing more to merge for (the delta died with
 * the process) would otherwise block every other writer of that key for `staleClaimMs`. Best
 * effort: on failure the next merge tries again, and lost rounds still release them one by one.
 */
async function releasePredecessorClaims(ctx: CasMergeContext, batch: Map<string, KeyMerge>): Promise<void> {
  const writers = new Set<string>();
  for (const { parts } of batch.values())
    for (const p of parts)
      if (p.writer !== undefined && !ctx.releasedWriters.has(p.writer)) writers.add(p.writer);
  const claims = ctx.collection as unknown as Collection<ClaimDocument>;
  for (const writer of writers) {
    try {
      await claims.deleteMany({ _id: { $regex: '^claim\\|' }, writer, run: { $ne: ctx.run } } as never);
      ctx.releasedWriters.add(writer);
    } catch {
      // The next merge tries again.
    }
  }
}

/**
 * Releases the claims that block lost keys when their claimer is gone, then the next round can
 * win at once:
 * - a claim of the same writer made by another run (MongoStorage instance) belongs to this
 *   writer's previous process, which crashed (one process per writer: the journal lock) — freed
 *   on the first loss, so a restart never waits;
 * - a claim of another writer older than `staleClaimMs` whose version never got written.
 * Deleting is safe even if a claimer is only slow: its conditional update still needs the
 * version it read, so at most one of the two applies.
 */
async function releaseDeadClaims(ctx: CasMergeContext, lost: Update[], attempt: number): Promise<void> {
  if (lost.length === 0) return;
  const claims = ctx.collection as unknown as Collection<ClaimDocument>;
  try {
    const found = await readByIds<ClaimDocument>(
      ctx,
      lost.map((u) => claimId(u.k, u.v + 1)),
      { at: 1, writer: 1, run: 1 },
    );
    const byId = new Map(lost.map((u) => [claimId(u.k, u.v + 1), u]));
    const limit = Date.now() - ctx.staleClaimMs;
    const dead = found.filter((c) => {
      const u = byId.get(c._id);
      if (u?.writer !== undefined && c.writer === u.writer && c.run !== ctx.run) return true;
      return attempt >= 2 && c.at instanceof Date && c.at.getTime() < limit;
    });
    await Promise.all(dead.map((c) => claims.deleteOne({ _id: c._id, at: c.at })));
  } catch {
    // Best effort: the next round tries again.
  }
}

/** The error of a key that kept losing: names the claim that holds it, if one does. */
async function conflictError(
  ctx: CasMergeContext,
  lost: Map<string, KeyMerge>,
  lostUpdates: Update[],
  attempt: number,
): Promise<InstanceType<typeof StorageConflictError>> {
  const hot = lost.keys().next().value as string;
  const u = lostUpdates.find((x) => x.k === hot);
  let holder = '';
  if (u && ctx.claims) {
    const [claim] = await readByIds<ClaimDocument>(ctx, [claimId(hot, u.v + 1)], {
      at: 1,
      writer: 1,
      run: 1,
    }).catch(() => [] as ClaimDocument[]);
    if (claim) {
      const age = Math.round((Date.now() - claim.at.getTime()) / 1000);
      holder = `; version ${u.v + 1} is claimed by writer ${claim.writer ?? '(none)'} (run ${claim.run}) since ${age} s ago and not written: if that writer crashed, its claim is released ${ctx.staleClaimMs} ms after it was made`;
    }
  }
  return new StorageConflictError(
    `MongoStorage: merge of key ${JSON.stringify(hot.slice(0, 200))} lost ${attempt + 1} rounds${holder || ' to other writers of the same key; it is retried, raise maxRetries if this persists'}`,
    { key: hot },
  );
}

/** The conditional update of a key whose next version we claimed (or, without claims, read). */
async function updateOne(ctx: CasMergeContext, u: Update): Promise<WriteResult> {
  try {
    const res = await ctx.collection.updateOne(
      { _id: u.k, v: u.v },
      { $set: { v: u.v + 1, ...indexFields(u.index, u.marks) } },
      { writeConcern: ctx.writeConcern },
    );
    if (res.matchedCount === 1) return 'won';
    // The key moved on without us (deleted, or our claim was taken as stale): drop our claim.
    if (ctx.claims) {
      await (ctx.collection as unknown as Collection<ClaimDocument>)
        .deleteOne({ _id: claimId(u.k, u.v + 1) })
        .catch(() => {});
    }
    return 'lost';
  } catch (error) {
    return { error };
  }
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
    return insertOutcomes(error, docs.length).map((o) =>
      o === 'stored' ? 'won' : o === 'duplicate' ? 'lost' : o,
    );
  }
}
