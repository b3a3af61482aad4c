import type { Collection } from 'mongodb';
import type { IndexDocument } from './index-document';
import type { StampDocument } from './page-stamps';

/** The secondary indexes of the collection (`_id` is unique and indexed already). */
export const INDEX_SPECS = [
  // list / delete by page: site, url, kind, bucket, then a period range.
  { key: { site: 1, url: 1, kind: 1, bucket: 1, period: 1 }, name: 'mt_key_fields' },
  // retention across pages: delete({ periodTo }) scans a period range.
  { key: { period: 1 }, name: 'mt_period' },
] as const;

/**
 * Creates the indexes if missing, and the page stamps' index on `page` (readers look up a page's
 * open markers by it). Idempotent: creating an existing index with the same spec is a
 * no-op on MongoDB. One `createIndexes` command per index, not one for all: FerretDB 1.24 drops
 * the connection when a multi-index `createIndexes` names only indexes that already exist.
 */
export async function ensureIndexes(
  collection: Collection<IndexDocument>,
  stamps: Collection<StampDocument>,
): Promise<void> {
  for (const spec of INDEX_SPECS) {
    await collection.createIndex({ ...spec.key }, { name: spec.name });
  }
  await stamps.createIndex({ page: 1 }, { name: 'mt_open_page' });
}
