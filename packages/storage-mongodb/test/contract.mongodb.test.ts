import { storageContract } from '@monkeytracker/storage/contract';
import { afterAll } from 'vitest';
import { closeAdmin, mongoFixture, server, uri } from './mongo-fixture';

afterAll(closeAdmin);

// Every test gets a fresh collection; connect() opens another MongoStorage with its own client.
// maxRetries is raised because the concurrency case is deliberately extreme: 8 writers merge into
// one key in a tight loop, and FerretDB/SQLite serialises ~150 writes/s, so a writer can lose far
// more rounds than the default budget (40) allows for. The contract is about exact totals. That
// case takes 25–40 s on FerretDB (it serialises every write); the timeout leaves room for a busy CI.
storageContract(`MongoStorage on ${server}`, () => mongoFixture({ maxRetries: 1000 }), {
  skip: uri === '',
  slowTestTimeout: 120_000,
});
