import { randomBytes } from 'node:crypto';
import type { Collection, WriteConcernSettings } from 'mongodb';
import { insertOutcomes } from './bulk-insert-outcome';

/**
 * Page stamps let a reader with a warm cache check a whole query in one small read instead of
 * reading the version of every key (on FerretDB that read costs as much as reading the blobs:
 * it parses whole documents). A page is one heatmap: site, kind, bucket, url — every period.
 * They live in a collection of their own, of two kinds of tiny documents:
 *
 * - the page's **epoch** `{ _id: page, e }`: a random token, replaced by every write that
 *   finished;
 * - an **open marker** `{ _id: 'open|<token>|<page>', page, at }` per write in progress: inserted
 *   (a unique `_id`: atomic on every server) before the write's index documents, deleted after
 *   the epoch moved.
 *
 * A page is *settled* when it has no open marker; a cached index validated while its page was
 * settled at epoch `x` may answer again while the page still reads settled at `x`:
 *
 * - a write that lands after the reader's read inserted its marker before; if the reader did not
 *   see it, the marker was inserted after the read, so the write moves the epoch off `x` before
 *   it removes the marker — and any number of writers may interleave: each has its own marker;
 * - epochs are only ever replaced by fresh tokens, so a whole-document write-back from a stale
 *   read (FerretDB 1.x updates are not atomic) never brings `x` back;
 * - a writer that dies (or fails with an unknown outcome) between its marker and its removal
 *   leaves the page unsettled: readers then check key versions — slower, never stale — and a
 *   reader that finds a marker older than `staleClaimMs` replaces the epoch, then removes it.
 */
export type StampDocument = EpochDocument | OpenMarker;

/** A page's epoch (see {@link StampDocument}). */
export interface EpochDocument {
  _id: string;
  /** Token of the last write that finished. */
  e: string;
}

/** A write in progress on a page (see {@link StampDocument}). */
export interface OpenMarker {
  _id: string;
  /** The page it keeps unsettled. */
  page: string;
  /** When the write began (writer's clock), to repair pages of crashed writers. */
  at: Date;
}

const SEPARATOR = '|';

/**
 * The page id of a key string `site|kind|bucket|period|url`: `stamp|site|kind|bucket|url`, the
 * key without its period. Never a key string (read as one, its bucket field would be an event
 * kind, not a number) nor a claim id.
 */
export function stampId(k: string): string {
  let at = -1;
  for (let i = 0; i < 3; i++) at = k.indexOf(SEPARATOR, at + 1);
  const periodEnd = k.indexOf(SEPARATOR, at + 1);
  return `stamp${SEPARATOR}${k.slice(0, at)}${SEPARATOR}${k.slice(periodEnd + 1)}`;
}

/** The distinct page ids of key strings. */
export function stampIds(keys: Iterable<string>): string[] {
  const ids = new Set<string>();
  for (const k of keys) ids.add(stampId(k));
  return [...ids];
}

/** A fresh token (random: never written before). */
function newToken(): string {
  return randomBytes(9).toString('base64url');
}

/** The collection of page stamps and how to write it. */
export interface StampStore {
  stamps: Collection<StampDocument>;
  writeConcern: WriteConcernSettings | undefined;
}

/**
 * Replaces the epochs of `pages` with `token`: one `deleteMany` of the old ones, then one
 * unordered `insertMany` of the new. Rejects on failure.
 *
 * Not one upsert per page: FerretDB 1.24 on PostgreSQL holds two of its 50 pool connections for
 * every `update` that matches a document (the read stays open while the write runs), so a few
 * dozen updates in flight — one merge's pages, or two writers' — wait on each other for good.
 * Deletes close their read before writing, and an insert needs one connection.
 *
 * Between the two steps a page has no epoch, which reads as open (never stale). A duplicate
 * `_id` means another writer's fresh token landed after our delete: any fresh token serves,
 * because a reader only trusts the exact epoch it saw settled, and none was settled while our
 * marker stood.
 */
async function setEpochs(store: StampStore, pages: readonly string[], token: string): Promise<void> {
  const epochs = store.stamps as unknown as Collection<EpochDocument>;
  const options = { writeConcern: store.writeConcern };
  await epochs.deleteMany({ _id: { $in: [...pages] } }, options);
  try {
    await epochs.insertMany(
      pages.map((_id) => ({ _id, e: token })),
      { ...options, ordered: false },
    );
  } catch (err) {
    // Another writer's fresh epoch serves as well as ours; anything else fails the write.
    const failed = insertOutcomes(err, pages.length).find((o) => typeof o === 'object');
    if (failed !== undefined) throw failed.error;
  }
}

/**
 * Runs `write` with the pages `ids` held open (see {@link StampDocument}). The markers must land
 * before `write` begins, so their failure rejects without writing anything; closing (new epoch,
 * then the markers removed) is best effort and skipped when `write` rejects or says its outcome
 * is unknown: a page left open only costs readers their fast path.
 */
export async function stampedWrite<T>(
  store: StampStore,
  pages: readonly string[],
  write: () => Promise<{ result: T; settled: boolean }>,
): Promise<T> {
  if (pages.length === 0) return (await write()).result;
  const token = newToken();
  const markers = pages.map((page) => ({
    _id: `open${SEPARATOR}${token}${SEPARATOR}${page}`,
    page,
    at: new Date(),
  }));
  await (store.stamps as unknown as Collection<OpenMarker>).insertMany(markers, {
    writeConcern: store.writeConcern,
  });
  const { result, settled } = await write();
  if (settled) {
    try {
      await setEpochs(store, pages, token);
      await store.stamps.deleteMany(
        { _id: { $in: markers.map((m) => m._id) } },
        { writeConcern: store.writeConcern },
      );
    } catch {
      // Left open: readers check versions until a reader repairs the page.
    }
  }
  return result;
}

/**
 * The settled epoch of each page of `pages` (absent: open, or never written), in one read.
 * Markers older than `staleMs` belong to writers that died: the page gets a new epoch and they
 * are removed (best effort; the page counts as open for this read).
 */
export async function readSettledEpochs(
  store: StampStore,
  pages: readonly string[],
  staleMs: number,
): Promise<Map<string, string>> {
  const docs = await store.stamps
    .find({ $or: [{ _id: { $in: [...pages] } }, { page: { $in: [...pages] } }] } as never, {
      readPreference: 'primary',
      batchSize: 1000,
    })
    .toArray();
  const epochs = new Map<string, string>();
  const open = new Set<string>();
  const stale = new Map<string, OpenMarker[]>();
  const limit = Date.now() - staleMs;
  for (const doc of docs) {
    if ('page' in doc && typeof doc.page === 'string') {
      open.add(doc.page);
      if (doc.at instanceof Date && doc.at.getTime() < limit) {
        const list = stale.get(doc.page) ?? [];
        list.push(doc);
        stale.set(doc.page, list);
      }
    } else if ('e' in doc && typeof doc.e === 'string') {
      epochs.set(doc._id, doc.e);
    }
  }
  for (const page of open) epochs.delete(page);
  if (stale.size > 0) await repair(store, stale);
  return epochs;
}

/** A new epoch for each page, then its dead markers removed (by `_id` and `at`). Best effort. */
async function repair(store: StampStore, stale: Map<string, OpenMarker[]>): Promise<void> {
  try {
    await setEpochs(store, [...stale.keys()], newToken());
    const markers = [...stale.values()].flat();
    await Promise.all(
      markers.map((m) =>
        store.stamps.deleteOne({ _id: m._id, at: m.at } as never, { writeConcern: store.writeConcern }),
      ),
    );
  } catch {
    // The next reader tries again.
  }
}
