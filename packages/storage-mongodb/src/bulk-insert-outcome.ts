/** MongoDB's duplicate-key error code. */
const DUPLICATE_KEY = 11000;

/**
 * What a failed unordered `insertMany` says about one of its documents: `stored`, `duplicate`
 * (its `_id` exists: another writer got there first) or an error (not written, or written with
 * an unknown outcome: a retry must re-read before it counts the document).
 */
export type InsertOutcome = 'stored' | 'duplicate' | { error: unknown };

/** The fields of a driver `WriteError` read here. */
interface WriteErrorLike {
  index: number;
  code: number;
  errmsg?: string;
}

/**
 * Reads the per-document answers out of the error an unordered `insertMany` of `count` documents
 * threw. With `ordered: false` every document gets its own answer, except when there is none:
 * the batch failed as a whole (network, closed client) or the server reports a write concern
 * error — then the writes may be applied but not durable, so no document counts as stored.
 *
 * The driver (v6, v7) throws `MongoBulkWriteError` for both, with `writeErrors` always an array
 * and the write concern error only on `result.getWriteConcernError()`, so both are read here.
 */
export function insertOutcomes(error: unknown, count: number): InsertOutcome[] {
  const concern = writeConcernErrorOf(error);
  const writeErrors = (error as { writeErrors?: unknown } | null)?.writeErrors;
  if (concern !== undefined || writeErrors === undefined) {
    const whole = concern === undefined ? error : writeConcernFailure(error, concern);
    return Array.from({ length: count }, () => ({ error: whole }));
  }
  const byIndex = new Map<number, WriteErrorLike>();
  for (const w of ([] as WriteErrorLike[]).concat(writeErrors as WriteErrorLike)) byIndex.set(w.index, w);
  return Array.from({ length: count }, (_, i): InsertOutcome => {
    const w = byIndex.get(i);
    if (!w) return 'stored';
    if (w.code === DUPLICATE_KEY) return 'duplicate';
    return { error: serverError(w) };
  });
}

/** The write concern error a bulk write error carries, if any. */
function writeConcernErrorOf(error: unknown): { code?: unknown; errmsg?: unknown } | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const result = (error as { result?: { getWriteConcernError?: () => unknown } }).result;
  const fromResult =
    typeof result?.getWriteConcernError === 'function' ? result.getWriteConcernError() : undefined;
  const concern = fromResult ?? (error as { writeConcernError?: unknown }).writeConcernError;
  return typeof concern === 'object' && concern !== null ? concern : undefined;
}

/**
 * A write concern error as the driver names it when a single write gets one
 * (`MongoWriteConcernError`): `toStorageError` reads it as "in flight, outcome unknown".
 */
function writeConcernFailure(cause: unknown, concern: { code?: unknown; errmsg?: unknown }): Error {
  const message = typeof concern.errmsg === 'string' ? concern.errmsg : 'write concern error';
  const err = new Error(`write concern not satisfied: ${message}`, { cause }) as Error & { code?: number };
  err.name = 'MongoWriteConcernError';
  if (typeof concern.code === 'number') err.code = concern.code;
  return err;
}

/** A per-document write error as a server error (the server answered: nothing was written). */
function serverError(w: WriteErrorLike): Error {
  const err = new Error(w.errmsg ?? `write error ${w.code}`) as Error & { code: number };
  err.name = 'MongoServerError';
  err.code = w.code;
  return err;
}
