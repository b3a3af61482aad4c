import type { ContractFixture } from '@monkeytracker/storage/contract';
import { MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { MongoStorage, type MongoStorageOptions } from '../src/index';

declare module 'vitest' {
  export interface ProvidedContext {
    mongodbUri: string;
    mongodbServer: string;
  }
}

/** The server URI from the globalSetup ('' when none: tests skip). */
export const uri = inject('mongodbUri');
/** Which server that is, for test names. */
export const server = inject('mongodbServer');
/** Database of the tests; every test uses its own collection. */
export const DB = 'monkeytracker_test';

let admin: MongoClient | undefined;
let counter = 0;

/** A client for setup and inspection, shared by a test file (close it with {@link closeAdmin}). */
export function adminClient(): MongoClient {
  admin ??= new MongoClient(uri);
  return admin;
}

/** Closes the shared admin client. */
export async function closeAdmin(): Promise<void> {
  await admin?.close();
  admin = undefined;
}

/** A collection name no other test uses. */
export function freshCollection(): string {
  return `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
}

/** A fresh collection, a MongoStorage on it, `connect()` for separate connections, and cleanup. */
export async function mongoFixture(options: Partial<MongoStorageOptions> = {}): Promise<ContractFixture> {
  const collection = freshCollection();
  const open = () => new MongoStorage({ uri, db: DB, collection, ...options });
  const storage = open();
  return {
    storage,
    connect: async () => open(),
    cleanup: async () => {
      await storage.close();
      await adminClient()
        .db(DB)
        .collection(collection)
        .drop()
        .catch(() => {});
    },
  };
}
