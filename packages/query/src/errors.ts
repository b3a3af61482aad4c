/**
 * The errors of `@monkeytracker/query`: a query that cannot be answered as asked. `field` names
 * the offending parameter (e.g. `'from'`), so an HTTP layer answers 400 naming it.
 */
import { defineError, errorTable } from '@monkeytracker/grid';

/** `from`/`to` are unparseable, reversed, or span more days than `maxDays`. */
export const InvalidRangeError = defineError('InvalidRangeError', {
  code: 'INVALID_RANGE',
  scope: 'query',
  status: 400,
  summary: 'from/to are missing, unparseable, reversed, or span more days than maxDays',
}).withFields<{ /** The parameter at fault: `'from'` or `'to'`. */ field: string }>();

/** A query field other than the range is missing or out of range. */
export const InvalidQueryError = defineError('InvalidQueryError', {
  code: 'INVALID_QUERY',
  scope: 'query',
  status: 400,
  summary:
    'a query field other than the range is missing or out of range (url, kind, vw, bucket, top, minCount)',
}).withFields<{ /** The parameter at fault, e.g. `'kind'`. */ field: string }>();

/** Every error code of this package, with its HTTP status and meaning. */
export const QUERY_ERRORS = errorTable(InvalidRangeError, InvalidQueryError);
