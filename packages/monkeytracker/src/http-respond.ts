import type { ServerResponse } from 'node:http';
import type { HttpErrorBody, HttpErrorCode } from './http-errors';

/** Headers every JSON answer carries: heatmaps and ingest results are never cached. */
const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const;

/**
 * Writes `body` as JSON with `status` and a `content-length` (no chunked encoding), unless the
 * response was already sent (a host middleware answered first, or the client went away).
 */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string | number>,
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...JSON_HEADERS,
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes an error answer `{ error, code, field? }`. */
export function sendError(
  res: ServerResponse,
  status: number,
  code: HttpErrorCode,
  message: string,
  options: { field?: string; headers?: Record<string, string | number> } = {},
): void {
  const body: HttpErrorBody = { error: message, code };
  if (options.field !== undefined) body.field = options.field;
  sendJson(res, status, body, options.headers);
}

/** An empty answer (preflight `204`). */
export function sendEmpty(
  res: ServerResponse,
  status: number,
  headers?: Record<string, string | number>,
): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}
