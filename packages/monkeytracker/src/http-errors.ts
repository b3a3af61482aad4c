/**
 * The error table of the HTTP handler: every non-2xx JSON answer is `{ error, code }` (plus
 * `field` for a bad heatmap parameter), so a client switches on `code`, never on the message.
 * Codes are never reused for another meaning.
 */
export const HTTP_ERROR_CODES = {
  INVALID_BODY: '400: the body is not JSON, or not an array of events / { "events": [...] }',
  INVALID_RANGE: '400: from/to of a heatmap query are missing, malformed, reversed or too long',
  INVALID_QUERY: '400: another heatmap parameter (url, kind, vw, bucket, top, minCount) is missing or bad',
  NOT_FOUND: '404: a path under the prefix that the handler does not serve (or a disabled heatmap endpoint)',
  METHOD_NOT_ALLOWED: '405: a known path with the wrong method; `Allow` lists the right ones',
  BODY_TOO_LARGE: '413: the body is longer than maxBodyBytes; the connection is closed',
  UNSUPPORTED_MEDIA_TYPE:
    '415: a content type other than application/json or text/plain, or a content encoding',
  OVERLOADED:
    '503: the tracker refuses events (storage or journal behind); retry after `Retry-After` seconds',
  INTERNAL: "500: an unexpected error; details go to the tracker's onError, never to the client",
} as const;

/** A code from {@link HTTP_ERROR_CODES}. */
export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

/** The JSON body of every error answer of the handler. */
export interface HttpErrorBody {
  error: string;
  code: HttpErrorCode;
  /** The offending query parameter, for `INVALID_RANGE` and `INVALID_QUERY`. */
  field?: string;
}
