import { type GridIndex, type IndexKey, keyFromString, keyToString } from '@monkeytracker/grid';
import {
  combineEntries,
  type DeleteFilter,
  type ListFilter,
  normalizeDeleteFilter,
  normalizeListFilter,
  type StorageAdapter,
  type StorageCapabilities,
  StorageClosedError,
  type StorageEntry,
} from '@monkeytracker/storage';
import {
  type Collection,
  MongoClient,
  type MongoClientOptions,
  type ReadPreferenceLike,
  type WriteConcernSettings,
} from 'mongodb';
import { type CasMergeContext, casMerge, readByIds } from './cas-merge';
import { toStorageError } from './driver-errors';
import { ensureIndexes } from './ensure-indexes';
import { MONGO_PREFIX, MongoStorageOptionsError } from './errors';
import { claimId, decodeBlob, filterQuery, type IndexDocument } from './index-document';

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
   * A version claim older than this (ms) whose version was never written is taken to belong to a
   * crashed writer and is released. Default 30,000. Host clocks must agree to well within it.
   */
  staleClaimMs?: number;
  /** Most keys per read-compute-write batch of a merge. Default 500. */
  maxKeysPerBatch?: number;
  /**
   * Merges and `get` read each key with its own `findOne({ _id })` (in parallel) instead of one
   * `$in` query. Default: on when the server reports itself as FerretDB (`buildInfo.ferretdbVersion`),
   * whose `$in` on `_id` scans the whole collection; off on MongoDB, where `get` is one round trip.
   */
  pointReads?: boolean;
  /**
   * Called in every merge round after the versions are read and before anything is written.
   * For tests and fault injection (e.g. a concurrent writer); do not use in production.
   */
  onBeforeWrite?: (ids: readonly string[]) => Promise<void> | void;
}

// A batch is also cut at this many bytes of new blobs, so each insert command stays far below the
// 48 MB message limit (the driver would otherwise split it and blur which part failed).
const MAX_BATCH_BYTES = 8 * 2 ** 20;

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
  /** Per-key atomic merges, shared across processes. */
  readonly capabilities: StorageCapabilities = { atomicMultiKeyMerge: false, sharedAcrossProcesses: true };
  readonly #client: MongoClient | undefined;
  readonly #ownsClient: boolean;
  readonly #collection: Collection<IndexDocument>;
  readonly #readPreference: ReadPreferenceLike | undefined;
  readonly #writeConcern: WriteConcernSettings | undefined;
  readonly #merge: CasMergeContext;
  readonly #maxKeysPerBatch: number;
  #ready: Promise<void> | undefined;
  #detectPointReads: boolean;
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
    const positive = (name: string, value: number, min: number) => {
      if (!Number.isInteger(value) || value < min) {
        throw new MongoStorageOptionsError(`${name} must be an integer >= ${min}, got ${String(value)}`);
      }
      return value;
    };
    this.#readPreference = options.readPreference;
    this.#writeConcern = options.writeConcern;
    this.#maxKeysPerBatch = positive('maxKeysPerBatch', options.maxKeysPerBatch ?? 500, 1);
    this.#merge = {
      collection: this.#collection,
      writeConcern: options.writeConcern,
      maxRetries: positive('maxRetries', options.maxRetries ?? 40, 0),
      retryBaseMs: positive('retryBaseMs', options.retryBaseMs ?? 5, 0),
      retryMaxMs: positive('retryMaxMs', options.retryMaxMs ?? 250, 0),
      staleClaimMs: positive('staleClaimMs', options.staleClaimMs ?? 30_000, 1),
      onBeforeWrite: options.onBeforeWrite,
      isClosed: () => this.#closed,
      pointReads: options.pointReads ?? false,
    };
    this.#detectPointReads = options.pointReads === undefined && this.#client !== undefined;
  }

  /** The collection the indexes live in (for tooling and tests). */
  get collection(): Collection<IndexDocument> {
    return this.#collection;
  }

  #assertOpen(op: string): void {
    if (this.#closed) {
      throw new StorageClosedError(
        `MongoStorage.${op}() called after close(); create a new MongoStorage`,
        {},
        MONGO_PREFIX,
      );
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
    await ensureIndexes(this.#collection);
    if (this.#detectPointReads) {
      const info = await this.#client!.db('admin').command({ buildInfo: 1 });
      this.#merge.pointReads = typeof info.ferretdbVersion === 'string';
    }
  }

  /**
   * See {@link StorageAdapter.merge}. Batches of up to `maxKeysPerBatch` keys, each a
   * read-compute-write round with per-key compare-and-swap, retried on lost races.
   */
  async merge(entries: readonly StorageEntry[]): Promise<void> {
    this.#assertOpen('merge');
    const combined = combineEntries(entries);
    if (combined.size === 0) return;
    try {
      await this.#init();
    } catch (err) {
      const progress = { appliedKeys: [], pendingKeys: [...combined.keys()], unknownKeys: [] };
      throw toStorageError(err, 'merge', { progress, closedByUs: this.#closed });
    }
    const batches: (typeof combined)[] = [];
    let batch: typeof combined = new Map();
    let bytes = 0;
    for (const [id, entry] of combined) {
      const size = entry.delta.cells.length * 6 + id.length;
      if (batch.size > 0 && (batch.size >= this.#maxKeysPerBatch || bytes + size > MAX_BATCH_BYTES)) {
        batches.push(batch);
        batch = new Map();
        bytes = 0;
      }
      batch.set(id, entry);
      bytes += size;
    }
    batches.push(batch);
    const applied: string[] = [];
    for (let b = 0; b < batches.length; b++) {
      try {
        await casMerge(this.#merge, batches[b]!);
      } catch (err) {
        // Later batches were not started: they are pending too, and earlier ones are applied.
        const e = err as { progress?: { appliedKeys: string[]; pendingKeys: string[] } };
        if (e.progress) {
          e.progress.appliedKeys.unshift(...applied);
          for (const later of batches.slice(b + 1)) e.progress.pendingKeys.push(...later.keys());
        }
        throw err;
      }
      applied.push(...batches[b]!.keys());
    }
  }

  /** See {@link StorageAdapter.get}. One `find` (one round trip for up to 100 keys). */
  async get(keys: readonly IndexKey[]): Promise<Map<string, GridIndex>> {
    this.#assertOpen('get');
    const ids = [...new Set(keys.map(keyToString))];
    const out = new Map<string, GridIndex>();
    if (ids.length === 0) return out;
    let docs: Pick<IndexDocument, '_id' | 'blob'>[];
    try {
      await this.#init();
      docs = this.#merge.pointReads
        ? await readByIds<Pick<IndexDocument, '_id' | 'blob'>>(this.#merge, ids, { blob: 1 })
        : await this.#collection
            .find(
              { _id: { $in: ids } },
              // batchSize > matches, so the first reply holds everything and closes the cursor.
              {
                projection: { blob: 1 },
                readPreference: this.#readPreference,
                batchSize: Math.max(101, ids.length + 1),
              },
            )
            .toArray();
    } catch (err) {
      throw this.#wrap(err, 'get');
    }
    for (const doc of docs) out.set(doc._id, decodeBlob(doc._id, doc.blob));
    return out;
  }

  /** See {@link StorageAdapter.list}. Streams `_id`s with a cursor; breaking out closes it. */
  list(filter?: ListFilter): AsyncIterable<IndexKey> {
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
          projection: { _id: 1 },
          readPreference: self.#readPreference,
        });
        try {
          for (;;) {
            let doc: Pick<IndexDocument, '_id'> | null;
            try {
              doc = await cursor.next();
            } catch (err) {
              throw self.#wrap(err, 'list');
            }
            if (doc === null) return;
            yield keyFromString(doc._id);
          }
        } finally {
          await cursor.close().catch(() => {});
        }
      },
    };
  }

  /**
   * See {@link StorageAdapter.delete}. One `deleteMany`, then the deleted keys' version claims
   * (so a key merged again later starts clean).
   */
  async delete(filter: DeleteFilter): Promise<number> {
    this.#assertOpen('delete');
    const query = filterQuery(normalizeDeleteFilter(filter));
    try {
      await this.#init();
      const doomed = await this.#collection.find(query, { projection: { v: 1 } }).toArray();
      const res = await this.#collection.deleteMany(query, { writeConcern: this.#writeConcern });
      const claims = doomed.map((d) => claimId(d._id, d.v));
      for (let i = 0; i < claims.length; i += 10_000) {
        await this.#collection.deleteMany({ _id: { $in: claims.slice(i, i + 10_000) } }).catch(() => {});
      }
      return res.deletedCount;
    } catch (err) {
      throw this.#wrap(err, 'delete');
    }
  }

  /** See {@link StorageAdapter.close}. Closes the client only when it was created from `uri`. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsClient) await this.#client!.close();
  }

  #wrap(err: unknown, op: string): Error {
    if (typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string') {
      const code = (err as { code: string }).code;
      if (code.startsWith('STORAGE_')) return err as Error;
    }
    return toStorageError(err, op, { closedByUs: this.#closed });
  }
}
