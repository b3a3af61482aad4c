/**
 * The errors the HTTP layer answers with of its own. Errors from the packages underneath
 * (`INVALID_RANGE`, `STORAGE_UNAVAILABLE`, `TRACKER_CLOSED`, …) pass through with their own code
 * and status: every non-2xx JSON answer is `{ error, code }` (plus `field` for a bad parameter),
 * so a client switches on `code`, never on the message.
 */
import { defineError, errorTable } from '@monkeytracker/grid';

/** The body is not JSON, or not an array of events / `{ "events": [...] }`. */
export const InvalidBodyError = defineError('InvalidBodyError', {
  code: 'INVALID_BODY',
  scope: 'http',
  status: 400,
  summary: 'the body is not JSON, or not an array of events / { "events": [...] }',
});

/** A read (heatmap, pages, details) without credentials, when `authorize` says no. */
export const UnauthorizedError = defineError('UnauthorizedError', {
  code: 'UNAUTHORIZED',
  scope: 'http',
  status: 401,
  summary: "reads need credentials (the host's authorize, e.g. a bearer token); collect is open",
});

/** A read that `authorize` refused, or (without `authorize`) one from a client that is not on loopback. */
export const ForbiddenError = defineError('ForbiddenError', {
  code: 'FORBIDDEN',
  scope: 'http',
  status: 403,
  summary: 'this client may not read heatmaps; without an authorize option reads answer only to loopback',
});

/** A path under the prefix that the handler does not serve. */
export const NotFoundError = defineError('NotFoundError', {
  code: 'NOT_FOUND',
  scope: 'http',
  status: 404,
  summary: 'no monkeytracker endpoint at this path (or the endpoint is turned off)',
});

/** A known path with the wrong method; `Allow` lists the right ones. */
export const MethodNotAllowedError = defineError('MethodNotAllowedError', {
  code: 'METHOD_NOT_ALLOWED',
  scope: 'http',
  status: 405,
  summary: 'a known path with the wrong method; Allow lists the right ones',
});

/** The body is longer than `maxBodyBytes`; the connection is closed. */
export const BodyTooLargeError = defineError('BodyTooLargeError', {
  code: 'BODY_TOO_LARGE',
  scope: 'http',
  status: 413,
  summary: 'the body is longer than maxBodyBytes; the connection is closed',
});

/** A content type other than `application/json` or `text/plain`, or a content encoding. */
export const UnsupportedMediaTypeError = defineError('UnsupportedMediaTypeError', {
  code: 'UNSUPPORTED_MEDIA_TYPE',
  scope: 'http',
  status: 415,
  summary: 'a content type other than application/json or text/plain, or a content encoding',
});

/** The tracker refuses events (storage or journal behind); retry after `Retry-After` seconds. */
export const OverloadedError = defineError('OverloadedError', {
  code: 'OVERLOADED',
  scope: 'http',
  status: 503,
  summary: 'the tracker refuses events (storage or journal behind); retry after Retry-After seconds',
});

/** An unexpected error; details go to the tracker's `onError`, never to the client. */
export const InternalError = defineError('InternalError', {
  code: 'INTERNAL',
  scope: 'http',
  status: 500,
  summary: "an unexpected error; details go to the tracker's onError, never to the client",
});

/** Every error code of the HTTP layer, with its status and meaning. */
export const HTTP_ERRORS = errorTable(
  InvalidBodyError,
  UnauthorizedError,
  ForbiddenError,
  NotFoundError,
  MethodNotAllowedError,
  BodyTooLargeError,
  UnsupportedMediaTypeError,
  OverloadedError,
  InternalError,
);

/** The JSON body of every error answer. */
export interface HttpErrorBody {
  /** What was wrong, for people; never hosts, connection strings or stacks. */
  error: string;
  /** Stable code to switch on. */
  code: string;
  /** The offending query parameter, for `INVALID_RANGE` and `INVALID_QUERY`. */
  field?: string;
}
