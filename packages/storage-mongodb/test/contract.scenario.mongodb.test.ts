import { storageContract } from '@monkeytracker/storage/contract';
import { afterAll } from 'vitest';
import { closeAdmin, mongoFixture, server, uri } from './mongo-fixture';

afterAll(closeAdmin);

const LONG = process.env.MT_LONG === '1';

// Every test gets a fresh collection; connect() opens another MongoStorage with its own client.
// maxRetries is raised because the concurrency case is deliberately extreme: 8 writers merge into
// one key in a tight loop, and the test server serialises its writes, so a writer can lose far
// more rounds than the default budget (40) allows for. The contract is about exact totals.
// A scenario file: `pnpm test` runs the concurrency cases with 60 merges per writer (480 into the
// hot key, ~6 s on FerretDB over PostgreSQL), `pnpm test:long` with the contract's default 200
// (1,600, ~22 s).
storageContract(`MongoStorage on ${server}`, () => mongoFixture({ maxRetries: 1000 }), {
  skip: uri === '',
  mergesPerWriter: LONG ? undefined : 60,
  slowTestTimeout: LONG ? 120_000 : 60_000,
});
