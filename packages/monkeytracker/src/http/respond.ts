import type { ServerResponse } from 'node:http';
import { isMonkeyTrackerError } from '@monkeytracker/grid';
import { type HttpErrorBody, InternalError } from './errors';

/** A transport-independent answer: what Node's handler writes and the Fastify plugin sends. */
export interface HttpAnswer {
  status: number;
  /** JSON body; `undefined` for an empty answer (or one given as `raw`). */
  body?: unknown;
  /** A body sent as is instead of JSON (metrics, viewer assets); `headers` carries its content type. */
  raw?: string | Uint8Array;
  headers?: Record<string, string | number>;
}

/** Headers every JSON answer carries: heatmaps and ingest results are never cached. */
export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
} as const;

/**
 * The answer for an error: its own status and code for every MonkeyTracker error; for 4xx its
 * message (about the request), for 5xx only the code's summary — a 5xx message may name hosts
 * or internals, which never go to clients (the full error goes to `onError`). Anything else is
 * `500 INTERNAL`.
 */
export function errorAnswer(err: unknown, headers?: Record<string, string | number>): HttpAnswer {
  const e = isMonkeyTrackerError(err) ? err : new InternalError('internal error');
  const body: HttpErrorBody = { error: e.status >= 500 ? e.summary : e.detail, code: e.code };
  const field = (e as { field?: unknown }).field;
  if (typeof field === 'string') body.field = field;
  return { status: e.status, body, headers };
}

/**
 * Writes an answer as JSON with a `content-length` (no chunked encoding), unless the response
 * was already sent (a host middleware answered first, or the client went away).
 */
export function writeAnswer(res: ServerResponse, answer: HttpAnswer): void {
  if (res.headersSent || res.writableEnded || res.destroyed) return;
  if (answer.raw !== undefined) {
    res.writeHead(answer.status, {
      'cache-control': 'no-store',
      'content-length':
        typeof answer.raw === 'string' ? Buffer.byteLength(answer.raw) : answer.raw.byteLength,
      ...answer.headers,
    });
    res.end(answer.raw);
    return;
  }
  if (answer.body === undefined) {
    res.writeHead(answer.status, { 'content-length': 0, ...answer.headers });
    res.end();
    return;
  }
  const text = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    ...JSON_HEADERS,
    'content-length': Buffer.byteLength(text),
    ...answer.headers,
  });
  res.end(text);
}
