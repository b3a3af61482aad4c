import type { StorageAdapter } from 'monkeytracker';
import { CliError } from './errors';

/** Where a CLI command keeps indexes: `--mongodb URI [--db D] [--collection C]`, or memory. */
export interface MongoFlags {
  mongodb?: string;
  db?: string;
  collection?: string;
}

/** Flags of the storage, for `parseArgs`. */
export const STORAGE_OPTIONS = {
  mongodb: { type: 'string' },
  db: { type: 'string' },
  collection: { type: 'string' },
} as const;

/**
 * Opens a `MongoStorage` from `@monkeytracker/storage-mongodb`, an optional peer dependency
 * loaded only here, with an install hint when it is missing.
 */
export async function openMongoStorage(flags: MongoFlags & { mongodb: string }): Promise<StorageAdapter> {
  let mod: typeof import('@monkeytracker/storage-mongodb');
  try {
    mod = await import('@monkeytracker/storage-mongodb');
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CliError(
        '--mongodb needs the optional packages @monkeytracker/storage-mongodb and mongodb: npm install @monkeytracker/storage-mongodb mongodb',
        { cause: err },
      );
    }
    throw err;
  }
  return new mod.MongoStorage({
    uri: flags.mongodb,
    db: flags.db ?? 'monkeytracker',
    collection: flags.collection ?? 'indexes',
  });
}

/** Short description of a storage for log lines, without credentials in the URI. */
export function describeMongo(flags: MongoFlags & { mongodb: string }): string {
  const uri = flags.mongodb.replace(/\/\/[^@/]*@/, '//***@');
  return `MongoDB ${uri} ${flags.db ?? 'monkeytracker'}.${flags.collection ?? 'indexes'}`;
}
