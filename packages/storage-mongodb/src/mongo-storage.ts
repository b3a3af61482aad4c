import { randomBytes } from 'node:crypto';
import { type IndexKey, isMonkeyTrackerError, keyFromString, keyToString } from '@monkeytracker/grid';
import {
  DEFAULT_MARK_TTL_MS,
  type DeleteFilter,
  groupEntries,
  type KeyMerge,
  type ListedIndex,
  type ListFilter,
  type MergeEntry,
  type MergeReport,
  markPositions,
  normalizeDeleteFilter,
  normalizeListFilter,
  type StorageAdapter,
  type StorageCapabilities,
  StorageClosedError,
  type StoredIndex,
} from '@monkeytracker/storage';
import {
  type Collection,
  MongoClient,
  type MongoClientOptions,
  type ReadPreferenceLike,
  type WriteConcernSettings,
} from 'mongodb';
import { type CasMergeContext, casMerge, readByIds } from './cas-merge';
import { DecodedCache } from './decoded-cache';
import { toStorageError } from './driver-errors';
import { ensureIndexes } from './ensure-indexes';
import { MongoStorageOptionsError } from './errors';
import { claimId, decodeBlob, filterQuery, type IndexDocument, marksOf } from './index-document';
import {
  readSettledEpochs,
  type StampDocument,
  type StampStore,
  stampedWrite,
  stampId,
  stampIds,
} from './page-stamps';

/** Options of {@link MongoStorage}: exactly one of `uri`, `client`, `collection`. */
export interface MongoStorageOptions {
  /** Connection string; MongoStorage creates the client, owns it, and closes it on `close()`. */
  uri?: string;
  /** Options for the client created from `uri`. */
  clientOptions?: MongoClientOptions;
  /** The host's client, so it shares its pool. Never closed by MongoStorage. */
  client?: MongoClient;
  /** Database name (with `uri` or `client`). Default `'monkeytracker'`. */
  db?: string;
  /** Collection name (with `uri` or `client`), or a `Collection` to use as is. Default `'indexes'`. */
  collection?: string | Collection;
  /** Read preference of `get` and `list`, e.g. `'secondaryPreferred'`. Merges always read the primary. */
  readPreference?: ReadPreferenceLike;
  /** Write concern of merges and deletes, e.g. `{ w: 'majority' }`. Default: the client's / server's. */
  writeConcern?: WriteConcernSettings;
  /** Rounds a key may lose the compare-and-swap race before `STORAGE_CONFLICT`. Default 40. */
  maxRetries?: number;
  /** Backoff cap of the first retry in ms (doubles per round, full jitter). Default 5. */
  retryBaseMs?: number;
  /** Largest backoff in ms. Default 250. */
  retryMaxMs?: number;
  /**
   * A version claim of another writer older than this (ms) whose version was never written is
   * taken to belong to a crashed writer and is released: the longest another writer waits for a
   * key a crashed writer had claimed. A writer's own claims from a previous run are released at
   * once. Default 30,000. Host clocks must agree to well within it.
   */
  staleClaimMs?: number;
  /**
   * Writer marks (the per-writer position of the last delta applied, which makes merges exactly
   * once) untouched for this long are dropped on the next write of the key. A writer idle longer
   * that then re-sends an old delta (a replay of an old journal) counts it twice. Default 90 days.
   */
  markTtlMs?: number;
  /**
   * Guard every version step with a claim (see the README). `'auto'` (default): on when the server
   * reports itself as FerretDB, whose conditional updates are not atomic; off on MongoDB, whose
   * single-document updates are, so `updateOne({ _id, v })` alone is a compare-and-swap there.
   */
  claims?: boolean | 'auto';
  /** Most keys per read-compute-write batch of a merge. Default 500. */
  maxKeysPerBatch?: number;
  /**
   * Merges and `get` read each key with its own `findOne({ _id })` (in parallel) instead of one
   * `$in` query. Default: on when the server reports itself as FerretDB (`buildInfo.ferretdbVersion`),
   * whose `$in` on `_id` scans the whole collection; off on MongoDB, where `get` is one round trip.
   */
  pointReads?: boolean;
  /**
   * Bytes of decoded indexes `get` keeps, by key and version (least recently used out). A `get`
   * whose keys are partly cached first reads only their versions, then the documents that
   * changed, so repeated queries (a viewer asking the same ranges) skip the transfer and the
   * decode of every unchanged blob; an index changed by any writer has a new version and is read
   * again. `0` turns it off. Default 64 MiB.
   */
  cacheBytes?: number;
  /**
   * Called in every merge round after the versions are read and before anything is written.
   * For tests and fault injection (e.g. a concurrent writer); do not use in production.
   */
  onBeforeWrite?: (ids: readonly string[]) => Promise<void> | void;
}

// A batch is also cut at this many bytes of new blobs, so each insert command stays far below the
// 48 MB message limit (the driver would otherwise split it and blur which part failed).
const MAX_BATCH_BYTES = 8 * 2 ** 20;
/** The page stamps' collection is the index collection's name plus this. */
const STAMPS_SUFFIX = '.stamps';
/** Ids per `deleteMany` of a delete. */
const DELETE_CHUNK = 10_000;

/**
 * Grid indexes in MongoDB, one document per index key (see the package README for the document
 * shape, replica sets and sharding). Shared across processes: any number of Node processes can
 * merge into the same collection and no count is lost.
 *
 * Guarantees beyond the contract: each key's merge is an atomic compare-and-swap on its version
 * `v`; a merge call is NOT atomic across keys. When a merge rejects, the error's
 * `appliedKeys` / `pendingKeys` / `unknownKeys` say exactly which keys are stored; retry only
 * `pendingKeys`. `unknownKeys` can only be non-empty when a connection broke while a write was in
 * flight (the driver's retryable writes on a replica set make this rare).
 *
 * @example
 * ```ts
 * const storage = new MongoStorage({ uri: 'mongodb://localhost:27017', db: 'heatmaps' });
 * await storage.merge([{ key, delta }]);
 * await storage.close();
 * ```
 */
export class MongoStorage implements StorageAdapter {
  /** Indexes live in the database: a tracker recovers only its unconfirmed journal tail. */
  readonly capabilities: StorageCapabilities = { durable: true };
  readonly #client: MongoClient | undefined;
  readonly #ownsClient: boolean;
  readonly #collection: Collection<IndexDocument>;
  readonly #stamps: Collection<StampDocument>;
  readonly #stampStore: StampStore;
  readonly #readPreference: ReadPreferenceLike | undefined;
  /** Reads go to the primary: page stamps can then vouch for cached indexes (see `get`). */
  readonly #readsPrimary: boolean;
  readonly #writeConcern: WriteConcernSettings | undefined;
  readonly #merge: CasMergeContext;
  readonly #maxKeysPerBatch: number;
  readonly #cache: DecodedCache | undefined;
  #ready: Promise<void> | undefined;
  #detectServer: { pointReads: boolean; claims: boolean };
  #closed = false;

  constructor(options: MongoStorageOptions) {
    const { uri, client, collection } = options ?? {};
    const given = [uri !== undefined, client !== undefined, typeof collection === 'object'].filter(
      Boolean,
    ).length;
    if (given !== 1) {
      throw new MongoStorageOptionsError(
        'give exactly one of { uri }, { client } or { collection: Collection } to new MongoStorage(...)',
      );
    }
    if (typeof collection === 'object') {
      this.#collection = collection as unknown as Collection<IndexDocument>;
      this.#ownsClient = false;
    } else {
      this.#client = client ?? new MongoClient(uri!, options.clientOptions);
      this.#ownsClient = client === undefined;
      this.#collection = this.#client
        .db(options.db ?? 'monkeytracker')
        .collection<IndexDocument>(collection ?? 'indexes');
    }
    // Page stamps live beside the indexes, in their own collection of tiny documents: on FerretDB
    // over PostgreSQL a read by `_id` scans every document of its collection, blobs included.
    const db = (this.#collection as { db?: Collection['db'] }).db;
    if (db === undefined) {
      throw new MongoStorageOptionsError(
        'the Collection given has no db property (a mongodb driver older than v6?); pass { uri } or { client } instead',
      );
    }
    this.#stamps = db.collection<StampDocument>(`${this.#collection.collectionName}${STAMPS_SUFFIX}`);
    const positive = (name: string, value: number, min: number) => {
      if (!Number.isInteger(value) || value < min) {
        throw new MongoStorageOptionsError(`${name} must be an integer >= ${min}, got ${String(value)}`);
      }
      return value;
    };
    // Merges are compare-and-swap: without an answer per write nothing tells a won version
    // from a lost one, and an epoch nobody confirmed would let a reader trust a stale cache.
    const concern = options.writeConcern ?? this.#collection.writeConcern;
    if (concern?.w === 0) {
      throw new MongoStorageOptionsError(
        'writeConcern { w: 0 } (from the options, the collection or the URI) is not supported: merges need acknowledged writes; use w: 1 or w: "majority"',
      );
    }
    this.#readPreference = options.readPreference;
    this.#stampStore = { stamps: this.#stamps, writeConcern: options.writeConcern };
    // The collection's own preference comes from the client (a URI's `readPreference=`) or the host.
    const preference = options.readPreference ?? this.#collection.readPreference;
    const mode = typeof preference === 'object' ? preference.mode : preference;
    this.#readsPrimary = mode === undefined || mode === 'primary';
    this.#writeConcern = options.writeConcern;
    this.#maxKeysPerBatch = positive('maxKeysPerBatch', options.maxKeysPerBatch ?? 500, 1);
    const cacheBytes = positive('cacheBytes', options.cacheBytes ?? 64 * 2 ** 20, 0);
    this.#cache = cacheBytes > 0 ? new DecodedCache(cacheBytes) : undefined;
    this.#merge = {
      collection: this.#collection,
      stamps: this.#stampStore,
      writeConcern: options.writeConcern,
      maxRetries: positive('maxRetries', options.maxRetries ?? 40, 0),
      retryBaseMs: positive('retryBaseMs', options.retryBaseMs ?? 5, 0),
      retryMaxMs: positive('retryMaxMs', options.retryMaxMs ?? 250, 0),
      staleClaimMs: positive('staleClaimMs', options.staleClaimMs ?? 30_000, 1),
      markTtlMs: positive('markTtlMs', options.markTtlMs ?? DEFAULT_MARK_TTL_MS, 1),
      onBeforeWrite: options.onBeforeWrite,
      isClosed: () => this.#closed,
      pointReads: options.pointReads ?? false,
      // Until the server is known, claims stay on: they are correct everywhere.
      claims: options.claims === undefined || options.claims === 'auto' ? true : options.claims,
      run: randomBytes(6).toString('hex'),
      releasedWriters: new Set(),
    };
    if (options.claims !== undefined && typeof options.claims !== 'boolean' && options.claims !== 'auto') {
      throw new MongoStorageOptionsError(
        `claims must be true, false or 'auto', got ${String(options.claims)}`,
      );
    }
    this.#detectServer = {
      pointReads: options.pointReads === undefined,
      claims: options.claims === undefined || options.claims === 'auto',
    };
  }

  /** The collection the indexes live in (for tooling and tests). */
  get collection(): Collection<IndexDocument> {
    return this.#collection;
  }

  /** The collection of page stamps, `<collection>.stamps` in the same database (see the README). */
  get stampCollection(): Collection<StampDocument> {
    return this.#stamps;
  }

  #assertOpen(op: string): void {
    if (this.#closed) {
      throw new StorageClosedError(`MongoStorage.${op}() called after close(); create a new MongoStorage`);
    }
  }

  /** Creates the indexes once (memoised); a failure is not memoised, so the next call retries. */
  #init(): Promise<void> {
    this.#ready ??= this.#setup().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    });
    return this.#ready;
  }

  async #setup(): Promise<void> {
    // Connect explicitly: when the driver's implicit connect fails, it closes the topology and
    // every later operation fails with "Topology is closed"; an explicit connect can be retried.
    if (this.#ownsClient) await this.#client!.connect();
    await ensureIndexes(this.#collection, this.#stamps);
    const detect = this.#detectServer;
    if (detect.pointReads || detect.claims) {
      const ferret = await isFerretDb(this.#collection);
      if (detect.pointReads) this.#merge.pointReads = ferret;
      if (detect.claims) this.#merge.claims = ferret;
    }
  }

  /**
   * See {@link StorageAdapter.ready}: connects (when it owns the client), creates the indexes and
   * detects the server, so a wrong URI or a server that is down fails at start, not at the first
   * merge. Safe to call again after a failure.
   */
  async ready(): Promise<void> {
    this.#assertOpen('ready');
    try {
      await this.#init();
    } catch (err) {
      throw toStorageError(err, 'ready', { closedByUs: this.#closed });
    }
  }

  /**
   * See {@link StorageAdapter.merge}. Batches of up to `maxKeysPerBatch` keys, each a
   * read-fold-write round with per-key compare-and-swap, retried on lost races. When it rejects,
   * earlier batches are applied and later ones not; sending the same entries again is safe.
   */
  async merge(entries: readonly MergeEntry[]): Promise<MergeReport> {
    this.#assertOpen('merge');
    const groups = groupEntries(entries);
    const report = { applied: 0, skipped: 0 };
    if (groups.size === 0) return report;
    try {
      await this.#init();
    } catch (err) {
      throw toStorageError(err, 'merge', { closedByUs: this.#closed });
    }
    let batch = new Map<string, KeyMerge>();
    let bytes = 0;
    const flush = async () => {
      const outcome = await casMerge(this.#merge, batch);
      report.applied += outcome.applied;
      report.skipped += outcome.skipped;
      batch = new Map();
      bytes = 0;
    };
    for (const [id, group] of groups) {
      let size = id.length;
      for (const part of group.parts) size += part.delta.cells.length * 6;
      if (batch.size > 0 && (batch.size >= this.#maxKeysPerBatch || bytes + size > MAX_BATCH_BYTES))
        await flush();
      batch.set(id, group);
      bytes += size;
    }
    await flush();
    return report;
  }

  /**
   * See {@link StorageAdapter.get}. Without the cache (`cacheBytes: 0`): one `find` of the
   * documents (one round trip for up to 100 keys). With it: first one small read of the keys'
   * page stamps (one page per heatmap: site, kind, bucket, url); keys cached while their page
   * was settled (no write in progress) at the epoch it still reads answer from the cache — a
   * warm query is that one read. The rest: one `find` of their versions when some are cached,
   * then one of the documents whose version is not the cached one.
   */
  async get(keys: readonly IndexKey[]): Promise<Map<string, StoredIndex>> {
    this.#assertOpen('get');
    const ids = [...new Set(keys.map(keyToString))];
    const out = new Map<string, StoredIndex>();
    if (ids.length === 0) return out;
    type Read = Pick<IndexDocument, '_id' | 'blob' | 'v' | 'c' | 'marks'>;
    const cache = this.#cache;
    try {
      await this.#init();
      // Read before any index document: an entry is tagged only with an epoch read before it.
      // Only from the primary: a lagging secondary could serve documents older than the stamp.
      const epochs =
        cache && this.#readsPrimary
          ? await readSettledEpochs(this.#stampStore, stampIds(ids), this.#merge.staleClaimMs)
          : new Map<string, string>();
      const epochOf = (id: string) => epochs.get(stampId(id));
      let missing = ids;
      if (cache?.hasAny(ids)) {
        const unchecked: string[] = [];
        for (const id of ids) {
          const epoch = epochOf(id);
          const hit = epoch === undefined ? undefined : cache.takeStamped(id, epoch);
          if (hit) out.set(id, hit);
          else unchecked.push(id);
        }
        if (unchecked.length === 0) return out;
        missing = [];
        const present = new Set<string>();
        for (const doc of await this.#find<Pick<IndexDocument, '_id' | 'v' | 'c'>>(unchecked, {
          v: 1,
          c: 1,
        })) {
          present.add(doc._id);
          const hit = cache.take(doc._id, doc.c ?? 0, doc.v, epochOf(doc._id));
          if (hit) out.set(doc._id, hit);
          else missing.push(doc._id);
        }
        // Keys gone from the server (deleted) must not answer from the cache later.
        for (const id of unchecked) if (!present.has(id)) cache.delete(id);
      }
      if (missing.length === 0) return out;
      for (const doc of await this.#find<Read>(missing, { blob: 1, v: 1, c: 1, marks: 1 })) {
        const stored = {
          index: decodeBlob(doc._id, doc.blob),
          marks: markPositions(marksOf(doc)),
          version: doc.v,
        };
        cache?.put(doc._id, doc.c ?? 0, stored, epochOf(doc._id));
        out.set(doc._id, stored);
      }
    } catch (err) {
      throw this.#wrap(err, 'get');
    }
    return out;
  }

  /** Documents of `ids` with `projection`: one `$in` query, or point reads on FerretDB. */
  #find<T extends { _id: string }>(ids: string[], projection: Record<string, 1>): Promise<T[]> {
    if (this.#merge.pointReads) return readByIds<T>(this.#merge, ids, projection);
    return this.#collection
      .find(
        { _id: { $in: ids } },
        // batchSize > matches, so the first reply holds everything and closes the cursor.
        { projection, readPreference: this.#readPreference, batchSize: Math.max(101, ids.length + 1) },
      )
      .toArray() as unknown as Promise<T[]>;
  }

  /** See {@link StorageAdapter.list}. Streams `_id`s and totals with a cursor; breaking out closes it. */
  list(filter?: ListFilter): AsyncIterable<ListedIndex> {
    const query = filterQuery(normalizeListFilter(filter));
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        self.#assertOpen('list');
        try {
          await self.#init();
        } catch (err) {
          throw self.#wrap(err, 'list');
        }
        const cursor = self.#collection.find(query, {
          projection: { _id: 1, total: 1, marks: 1 },
          readPreference: self.#readPreference,
        });
        try {
          for (;;) {
            let doc: Pick<IndexDocument, '_id' | 'total' | 'marks'> | null;
            try {
              doc = await cursor.next();
            } catch (err) {
              throw self.#wrap(err, 'list');
            }
            if (doc === null) return;
            yield { key: keyFromString(doc._id), total: doc.total, marks: markPositions(marksOf(doc)) };
          }
        } finally {
          await cursor.close().catch(() => {});
        }
      },
    };
  }

  /**
   * See {@link StorageAdapter.delete}. One `find` of the matching keys, then their deletion by
   * `_id` (a key created meanwhile is kept, as if merged just after) with their pages held open
   * (page stamps), then the deleted keys' version claims (so a key merged again later starts clean).
   */
  async delete(filter: DeleteFilter): Promise<number> {
    this.#assertOpen('delete');
    const query = filterQuery(normalizeDeleteFilter(filter));
    try {
      await this.#init();
      const doomed = await this.#collection.find(query, { projection: { v: 1 } }).toArray();
      const pages = stampIds(doomed.map((d) => d._id));
      const deleted = await stampedWrite(this.#stampStore, pages, async () => {
        let count = 0;
        for (let i = 0; i < doomed.length; i += DELETE_CHUNK) {
          const chunk = doomed.slice(i, i + DELETE_CHUNK).map((d) => d._id);
          const res = await this.#collection.deleteMany(
            { ...query, _id: { $in: chunk } },
            { writeConcern: this.#writeConcern },
          );
          count += res.deletedCount;
        }
        return { result: count, settled: true };
      });
      const claims = doomed.map((d) => claimId(d._id, d.v));
      for (let i = 0; i < claims.length; i += DELETE_CHUNK) {
        await this.#collection
          .deleteMany({ _id: { $in: claims.slice(i, i + DELETE_CHUNK) } })
          .catch(() => {});
      }
      return deleted;
    } catch (err) {
      throw this.#wrap(err, 'delete');
    }
  }

  /** See {@link StorageAdapter.close}. Closes the client only when it was created from `uri`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#cache?.clear();
    if (this.#ownsClient) await this.#client!.close();
  }

  #wrap(err: unknown, op: string): Error {
    if (isMonkeyTrackerError(err)) return err;
    return toStorageError(err, op, { closedByUs: this.#closed });
  }
}

/**
 * Whether the server behind a collection is FerretDB (its `buildInfo` says so). Without a way to
 * ask (an old driver's `Collection` without `db`), the answer is yes: claims and point reads are
 * correct on every server, only slower on MongoDB.
 */
async function isFerretDb(collection: Collection<IndexDocument>): Promise<boolean> {
  const db = (collection as { db?: Collection['db'] }).db;
  if (db === undefined) return true;
  const info = await db.admin().command({ buildInfo: 1 });
  return typeof info.ferretdbVersion === 'string';
}
