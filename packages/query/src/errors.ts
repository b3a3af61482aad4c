/**
 * The error table of `@monkeytracker/query`. Codes are stable strings callers switch on
 * (an HTTP layer maps both to 400); they are never reused for another meaning.
 */
export const QUERY_ERROR_CODES = {
  INVALID_RANGE: 'from/to are unparseable, reversed, or span more days than maxDays',
  INVALID_QUERY:
    'a query field other than the range is missing or out of range (url, kind, bucket, top, minCount)',
} as const;

/** A code from {@link QUERY_ERROR_CODES}. */
export type QueryErrorCode = keyof typeof QUERY_ERROR_CODES;

/**
 * A heatmap query that cannot be answered as asked; `code` says which family, `field` names the
 * offending parameter (e.g. `'from'`), so an HTTP layer can answer 400 with it.
 */
export class QueryError extends Error {
  readonly code: QueryErrorCode;
  readonly field: string;
  constructor(code: QueryErrorCode, field: string, message: string) {
    super(`[monkeytracker] [query] ${message}`);
    this.name = 'QueryError';
    this.code = code;
    this.field = field;
  }
}
