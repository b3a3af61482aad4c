/**
 * The errors of `@monkeytracker/grid`. Codes are stable and never reused for another meaning;
 * every code is documented in the package README.
 */
import { defineError, errorTable } from './define-error';

/** `decodeIndex` was given bytes that are not a valid encoded index. */
export const IndexCodecError = defineError('IndexCodecError', {
  code: 'INDEX_CORRUPT',
  scope: 'grid',
  status: 500,
  summary: 'bytes given to decodeIndex are not a valid encoded grid index',
});

/** An `IndexKey` or its string form is malformed. */
export const InvalidKeyError = defineError('InvalidKeyError', {
  code: 'INVALID_KEY',
  scope: 'grid',
  status: 400,
  summary: 'an index key (object or string form) is malformed',
});

/** A time zone name is not known to the runtime's IANA database. */
export const InvalidTimeZoneError = defineError('InvalidTimeZoneError', {
  code: 'INVALID_TIME_ZONE',
  scope: 'grid',
  status: 400,
  summary: 'a time zone is not a known IANA zone name',
});

/** A url cannot be parsed; the ingest path turns this into reject reason `'url'`. */
export const InvalidUrlError = defineError('InvalidUrlError', {
  code: 'INVALID_URL',
  scope: 'grid',
  status: 400,
  summary: 'a url cannot be parsed as an absolute url or a path',
});

/** A grid option is out of range: cell size, breakpoints, url template, cell id. */
export const InvalidGridOptionError = defineError('InvalidGridOptionError', {
  code: 'INVALID_GRID_OPTION',
  scope: 'grid',
  status: 500,
  summary: 'a grid option (cell size, breakpoints, url template, cell id) is out of range',
});

/** Every error code of this package, with its HTTP status and meaning. */
export const GRID_ERRORS = errorTable(
  IndexCodecError,
  InvalidKeyError,
  InvalidTimeZoneError,
  InvalidUrlError,
  InvalidGridOptionError,
);
