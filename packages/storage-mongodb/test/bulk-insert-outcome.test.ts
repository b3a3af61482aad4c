import { createRequire } from 'node:module';
import fc from 'fast-check';
import { MongoNetworkError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { insertOutcomes } from '../src/bulk-insert-outcome';
import { toStorageError } from '../src/driver-errors';

// The driver's own bulk classes, so the errors below are built exactly as
// `BulkOperationBase.handleWriteError` builds them from a server's answer (a write concern error
// needs a replica set that fails to replicate, which the FerretDB test server cannot produce).
const bulk = createRequire(import.meta.url)('mongodb/lib/bulk/common.js') as {
  BulkWriteResult: new (raw: unknown, ordered: boolean) => { getWriteConcernError(): unknown };
  WriteConcernError: new (raw: { code: number; errmsg: string }) => unknown;
  WriteError: new (raw: { index: number; code: number; errmsg: string }) => unknown;
  MongoBulkWriteError: new (error: unknown, result: unknown) => Error;
};

/** The error an unordered insertMany of `count` documents throws, as the driver builds it. */
function bulkError(count: number, failures: Map<number, number>, concern?: { code: number; errmsg: string }) {
  const writeErrors = [...failures].map(
    ([index, code]) => new bulk.WriteError({ index, code, errmsg: `E${code} at ${index}` }),
  );
  const result = new bulk.BulkWriteResult(
    {
      ok: 1,
      writeErrors,
      writeConcernErrors: concern ? [new bulk.WriteConcernError(concern)] : [],
      insertedIds: Array.from({ length: count }, (_, index) => ({ index, _id: `d${index}` })),
      nInserted: count - failures.size,
      nUpserted: 0,
      nMatched: 0,
      nModified: 0,
      nRemoved: 0,
      upserted: [],
    },
    false,
  );
  if (writeErrors.length > 0) {
    const first = writeErrors[0] as { code: number; errmsg: string };
    return new bulk.MongoBulkWriteError({ message: first.errmsg, code: first.code, writeErrors }, result);
  }
  return new bulk.MongoBulkWriteError(result.getWriteConcernError(), result);
}

const TIMEOUT = { code: 64, errmsg: 'waiting for replication timed out' };

describe('insertOutcomes (an unordered insertMany that threw)', () => {
  it('reads each document: stored, duplicate, or the server error that refused it', () => {
    const failures = new Map([
      [1, 11000],
      [3, 121],
    ]);
    const outcomes = insertOutcomes(bulkError(4, failures), 4);
    expect(outcomes.slice(0, 3)).toEqual(['stored', 'duplicate', 'stored']);
    expect(outcomes[3]).toMatchObject({ error: { name: 'MongoServerError', code: 121 } });
  });

  it('counts nothing as stored under a write concern error, and the error reads as outcome unknown', () => {
    // The driver's bulk error then has `writeErrors: []`: read naively, every document "stored".
    const alone = bulkError(3, new Map(), TIMEOUT);
    expect((alone as unknown as { writeErrors: unknown[] }).writeErrors).toEqual([]);
    const withDuplicates = bulkError(3, new Map([[0, 11000]]), TIMEOUT);
    for (const err of [alone, withDuplicates]) {
      const outcomes = insertOutcomes(err, 3);
      expect(outcomes.every((o) => typeof o === 'object')).toBe(true);
      const { error } = outcomes[0] as { error: Error };
      expect(error.message).toMatch(/replication timed out/);
      expect(toStorageError(error, 'merge')).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    }
  });

  it('fails every document when the batch failed as a whole', () => {
    const network = new MongoNetworkError('connection reset');
    expect(insertOutcomes(network, 2)).toEqual([{ error: network }, { error: network }]);
    expect(toStorageError(network, 'merge')).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
  });

  it('any mix of failures: a document is stored exactly when it has no write error', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((count) =>
            fc.tuple(
              fc.constant(count),
              fc.uniqueArray(fc.integer({ min: 0, max: count - 1 }), { minLength: 1 }),
              fc.constantFrom(11000, 121, 2),
            ),
          ),
        ([count, failing, code]) => {
          const outcomes = insertOutcomes(bulkError(count, new Map(failing.map((i) => [i, code]))), count);
          expect(outcomes).toHaveLength(count);
          outcomes.forEach((o, i) => {
            if (!failing.includes(i)) expect(o).toBe('stored');
            else if (code === 11000) expect(o).toBe('duplicate');
            else expect(o).toMatchObject({ error: { code } });
          });
        },
      ),
    );
  });
});
