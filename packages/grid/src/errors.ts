/**
 * The error table of `@monkeytracker/grid`: one class per failure family, each with a stable
 * `code` that callers can switch on. Codes are never reused for another meaning.
 */

/** Every error code this package throws, with what it means. */
export const GRID_ERROR_CODES = {
  INDEX_CORRUPT: 'bytes given to decodeIndex are not a valid encoded grid index',
  INVALID_KEY: 'an index key (object or string form) is malformed',
  INVALID_TIME_ZONE: 'a time zone is not a known IANA zone name',
  INVALID_URL: 'a url cannot be parsed as an absolute url or a path',
  INVALID_GRID_OPTION: 'a grid option (cell size, breakpoints, url template, cell id) is out of range',
} as const;

/** A code from {@link GRID_ERROR_CODES}. */
export type GridErrorCode = keyof typeof GRID_ERROR_CODES;

abstract class GridError extends Error {
  abstract readonly code: GridErrorCode;
  constructor(message: string, options?: ErrorOptions) {
    super(`[monkeytracker] [grid] ${message}`, options);
    this.name = new.target.name;
  }
}

/** `decodeIndex` was given bytes that are not a valid encoded index (code `'INDEX_CORRUPT'`). */
export class IndexCodecError extends GridError {
  readonly code = 'INDEX_CORRUPT' as const;
}

/** An `IndexKey` or its string form is malformed (code `'INVALID_KEY'`). */
export class InvalidKeyError extends GridError {
  readonly code = 'INVALID_KEY' as const;
}

/** A time zone name is not known to the runtime's IANA database (code `'INVALID_TIME_ZONE'`). */
export class InvalidTimeZoneError extends GridError {
  readonly code = 'INVALID_TIME_ZONE' as const;
}

/** A url cannot be parsed (code `'INVALID_URL'`); the ingest path turns this into reason `'url'`. */
export class InvalidUrlError extends GridError {
  readonly code = 'INVALID_URL' as const;
}

/** A grid option is out of range: cell size, breakpoints, url template, cell id (code `'INVALID_GRID_OPTION'`). */
export class InvalidGridOptionError extends GridError {
  readonly code = 'INVALID_GRID_OPTION' as const;
}
