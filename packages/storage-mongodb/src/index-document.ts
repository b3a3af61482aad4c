import { randomInt } from 'node:crypto';
import { decodeIndex, encodeIndex, type GridIndex, type IndexKey } from '@monkeytracker/grid';
import {
  type NormalizedFilter,
  type PeriodPrefix,
  periodPrefix,
  StorageCorruptionError,
  type WriterMarks,
} from '@monkeytracker/storage';
import { Binary, type Filter } from 'mongodb';

/**
 * One stored index: one document per index key. `_id` is the canonical key string
 * (`keyToString`), so insert-if-absent relies on the unique `_id` index and a hashed `_id` is a
 * natural shard key. The key fields are repeated for `list`/`delete` queries; `v` is the version,
 * 1 on insert and +1 on every merge (see `casMerge` for how writers agree on it); `marks` holds,
 * per writer, the journal position of the last delta applied and when, written in the same
 * update as the blob, which is what makes merges exactly once.
 */
export interface IndexDocument {
  _id: string;
  site: string;
  url: string;
  kind: IndexKey['kind'];
  bucket: number;
  period: IndexKey['period'];
  /** The period's prefix: `'d'` day, `'b3'` / `'b9'` block, `'m'` month keys. */
  g: PeriodPrefix;
  /** `encodeIndex(index)`: versioned, compact. */
  blob: Binary;
  v: number;
  /**
   * A random number set when the document is created: `v` starts at 1 again when a key is
   * deleted and merged anew, so a reader's cache tells the incarnations apart by (`c`, `v`).
   * Absent on documents written before it existed.
   */
  c?: number;
  /** Per writer id: `{ p: position, at: epoch ms }`. */
  marks: WriterMarks;
  /** Sum of counts: the page list reads it without decoding blobs. */
  total: number;
  /** Number of cells. */
  cells: number;
  updatedAt: Date;
}

/**
 * A version claim: a tiny document whose unique `_id` names (key, version). The writer that
 * inserts the claim of version `v + 1` is the only one allowed to move the key from `v` to
 * `v + 1`. It shares the collection with the index documents; its `_id` can never be a key
 * string (the second `|`-separated field of a key string is an event kind, here a number).
 */
export interface ClaimDocument {
  _id: string;
  /** When the claim was made (claimer's clock), to release claims of crashed writers. */
  at: Date;
  /** The writer whose deltas the claimer was merging, if one. */
  writer?: string;
  /** The claiming MongoStorage instance (random per process start). */
  run: string;
}

/** The `_id` of the claim of version `v` of key `k`. */
export function claimId(k: string, v: number): string {
  return `claim|${v}|${k}`;
}

/** The fields a merge writes besides the key fields and `v`. */
export function indexFields(
  index: GridIndex,
  marks: WriterMarks,
): Pick<IndexDocument, 'blob' | 'marks' | 'total' | 'cells' | 'updatedAt'> {
  return {
    blob: new Binary(encodeIndex(index)),
    marks,
    total: index.total,
    cells: index.cells.length,
    updatedAt: new Date(),
  };
}

/** The document of a key stored for the first time. */
export function newDocument(id: string, key: IndexKey, index: GridIndex, marks: WriterMarks): IndexDocument {
  const { site, url, kind, bucket, period } = key;
  return {
    _id: id,
    site,
    url,
    kind,
    bucket,
    period,
    g: periodPrefix(period),
    v: 1,
    c: randomInt(1, 2 ** 48),
    ...indexFields(index, marks),
  };
}

/** Decodes a stored blob; a bad one becomes `StorageCorruptionError` naming the key. */
export function decodeBlob(id: string, blob: unknown): GridIndex {
  try {
    if (!(blob instanceof Binary) && !(blob instanceof Uint8Array))
      throw new TypeError('blob field is not BinData');
    return decodeIndex(blob instanceof Binary ? blob.buffer : blob);
  } catch (err) {
    throw new StorageCorruptionError(
      `MongoStorage: the stored index of key ${JSON.stringify(id.slice(0, 200))} cannot be decoded (${(err as Error).message}); delete the key or rebuild it by replaying the journal`,
      { key: id, cause: err },
    );
  }
}

/** The marks of a document as stored; documents written before marks existed have none. */
export function marksOf(doc: { marks?: unknown }): WriterMarks {
  return typeof doc.marks === 'object' && doc.marks !== null ? (doc.marks as WriterMarks) : {};
}

/**
 * Translates a normalized list filter into a query on the key fields. It always constrains `g`,
 * which claim documents lack, so claims never match.
 */
export function filterQuery(filter: NormalizedFilter): Filter<IndexDocument> {
  const query: Filter<IndexDocument> = {};
  if (filter.site !== undefined) query.site = filter.site;
  if (filter.url !== undefined) query.url = filter.url;
  if (filter.kind !== undefined) query.kind = filter.kind;
  if (filter.bucket !== undefined) query.bucket = filter.bucket;
  query.g = filter.granularity ?? { $in: ['d', 'b3', 'b9', 'm'] };
  if (filter.periodFrom !== undefined || filter.periodTo !== undefined) {
    const range: { $gte?: string; $lte?: string } = {};
    if (filter.periodFrom !== undefined) range.$gte = filter.periodFrom;
    if (filter.periodTo !== undefined) range.$lte = filter.periodTo;
    query.period = range as Filter<IndexDocument>['period'];
  }
  return query;
}
