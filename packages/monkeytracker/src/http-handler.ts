import type { IncomingMessage, ServerResponse } from 'node:http';
import { QueryError } from '@monkeytracker/query';
import type { Tracker } from './create-tracker';
import { TrackerOptionError } from './errors';
import { bodyWasConsumed, checkMediaType, eventsOfBody, parseJsonSafely, readBody } from './http-body';
import { type CorsOption, type CorsPolicy, corsPolicy, preflightHeaders } from './http-cors';
import { parseHeatmapParams } from './http-heatmap-params';
import { sendEmpty, sendError, sendJson } from './http-respond';

/** Options of {@link createHandler} (and `tracker.handler()`). */
export interface HandlerOptions {
  /**
   * Path prefix of the endpoints, from the root of the server: `{prefix}/collect`,
   * `{prefix}/heatmap`, `{prefix}/health`. Matched against `req.originalUrl` (Express, Connect)
   * or `req.url`, so mounting under a path (`app.use('/mt', handler)`) does not change it.
   * Default `'/mt'`; `''` serves at the root.
   */
  prefix?: string;
  /** Longest collect body; past it the answer is `413` and the connection is closed. Default 64 KiB. */
  maxBodyBytes?: number;
  /** Origins allowed to call from a browser on another origin. Default: none (no CORS headers). */
  cors?: CorsOption;
  /**
   * Keep the `t` the client sent. Default `false`: the server clock stamps every event, so a
   * wrong or malicious client clock cannot file events under other days.
   */
  trustClientTime?: boolean;
  /** Serve `GET {prefix}/heatmap` (and stats in `/health`). `false` for public ingest-only nodes. Default `true`. */
  query?: boolean;
  /** Seconds a client is told to wait (`Retry-After`) when the tracker is overloaded. Default 1. */
  retryAfterSeconds?: number;
}

/** `next` of Express and Connect: called when a request is not for the handler. */
export type NextFunction = (err?: unknown) => void;

/** Counters of a handler since it was created: what the HTTP layer refused never reaches the tracker's stats. */
export interface HandlerStats {
  /** Collect requests received. */
  collectRequests: number;
  /** Collect requests answered `202`. */
  accepted: number;
  /** Collect requests refused with `503` (overloaded or closed tracker): dropped batches, bodies unread. */
  overloaded: number;
  /** Collect requests answered `400`, `413`, `415`. */
  invalidBody: number;
  tooLarge: number;
  unsupportedMediaType: number;
  /** Clients that disconnected before their body was complete. */
  aborted: number;
  /** Answers `500`. */
  internalErrors: number;
}

/**
 * A request handler for `node:http`, Express, Connect, and Fastify (through
 * {@link toFastifyHook}). Requests outside the prefix go to `next()`, or get `404` without it.
 */
export interface MonkeyTrackerHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** The handler's counters (a copy). */
  stats(): HandlerStats;
}

const DEFAULT_PREFIX = '/mt';
const DEFAULT_MAX_BODY = 64 * 1024;
/** The endpoints under the prefix and the methods each allows. */
const ALLOW: Record<string, string> = {
  '/collect': 'POST, OPTIONS',
  '/heatmap': 'GET, HEAD, OPTIONS',
  '/health': 'GET, HEAD, OPTIONS',
};

interface Resolved {
  tracker: Tracker;
  prefix: string;
  maxBodyBytes: number;
  trustClientTime: boolean;
  query: boolean;
  cors: CorsPolicy | undefined;
  retryAfter: string;
  onError: (error: Error) => void;
  counters: HandlerStats;
}

function resolveHandlerOptions(tracker: Tracker, options: HandlerOptions): Resolved {
  let prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string' || (prefix !== '' && !prefix.startsWith('/')) || /[?#\s]/.test(prefix)) {
    throw new TrackerOptionError(
      `handler prefix must be a path like '/mt' (or ''), got ${JSON.stringify(prefix)}`,
    );
  }
  prefix = prefix.replace(/\/+$/, '');
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new TrackerOptionError(
      `handler maxBodyBytes must be a positive integer, got ${String(maxBodyBytes)}`,
    );
  }
  const retryAfter = options.retryAfterSeconds ?? 1;
  if (!Number.isInteger(retryAfter) || retryAfter < 0) {
    throw new TrackerOptionError(
      `handler retryAfterSeconds must be an integer ≥ 0, got ${String(retryAfter)}`,
    );
  }
  const onError = tracker.options.onError;
  return {
    tracker,
    prefix,
    maxBodyBytes,
    trustClientTime: options.trustClientTime === true,
    query: options.query !== false,
    cors: corsPolicy(options.cors, onError),
    retryAfter: String(retryAfter),
    onError,
    counters: {
      collectRequests: 0,
      accepted: 0,
      overloaded: 0,
      invalidBody: 0,
      tooLarge: 0,
      unsupportedMediaType: 0,
      aborted: 0,
      internalErrors: 0,
    },
  };
}

function isTrackerClosed(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === 'TRACKER_CLOSED';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Creates the HTTP handler of a tracker:
 *
 * - `POST {prefix}/collect`: a JSON array of events or `{ events: [...] }`, as
 *   `application/json` or `text/plain` (sendBeacon) → `202 { accepted, rejected: [{ index, reason }] }`;
 *   `400` bad JSON or shape, `413` past `maxBodyBytes`, `415` other content types, `503` +
 *   `Retry-After` when the tracker is overloaded.
 * - `GET {prefix}/heatmap?url=&kind=&vw=&from=&to=&top=&minCount=` → the heatmap; `400`
 *   `{ error, code, field }` names a bad parameter. Off with `query: false`.
 * - `GET {prefix}/health` → `200 { ok: true, overloaded: false, stats?, http? }` or `503` when overloaded.
 *
 * `handler.stats()` counts what the HTTP layer answered (202s, 503 drops, 4xx, aborted clients).
 * - `OPTIONS` → `204` with CORS headers for allowed origins (see `cors`).
 *
 * Other paths under the prefix get `404`; paths outside it go to `next()` (or `404`).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const tracker = await createTracker({ journal: { dir: './data/journal' } });
 * const handler = createHandler(tracker, { cors: ['https://shop.example'] });
 * createServer((req, res) => handler(req, res)).listen(3000);
 * ```
 */
export function createHandler(tracker: Tracker, options: HandlerOptions = {}): MonkeyTrackerHandler {
  const o = resolveHandlerOptions(tracker, options);
  const prefixSlash = `${o.prefix}/`;
  const handler = function monkeyTrackerHandler(
    req: IncomingMessage,
    res: ServerResponse,
    next?: NextFunction,
  ) {
    const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path !== o.prefix && !path.startsWith(prefixSlash)) {
      if (next) next();
      else
        sendError(
          res,
          404,
          'NOT_FOUND',
          `no monkeytracker endpoint at ${path}; they are under ${prefixSlash}`,
        );
      return;
    }
    try {
      const allowed = o.cors ? o.cors.apply(req, res) : false;
      const endpoint = path.slice(o.prefix.length);
      const method = req.method;
      const allow = ALLOW[endpoint];
      if (allow === undefined || (endpoint === '/heatmap' && !o.query)) {
        sendError(res, 404, 'NOT_FOUND', `no monkeytracker endpoint at ${path}`);
      } else if (method === 'OPTIONS') {
        sendEmpty(res, 204, allowed ? preflightHeaders() : {});
      } else if (endpoint === '/collect') {
        if (method === 'POST') collect(o, req, res);
        else methodNotAllowed(res, allow);
      } else if (method !== 'GET' && method !== 'HEAD') {
        methodNotAllowed(res, allow);
      } else if (endpoint === '/heatmap') {
        heatmap(o, res, q < 0 ? '' : url.slice(q + 1));
      } else {
        health(o, res);
      }
    } catch (err) {
      internalError(o, res, err);
    }
  };
  return Object.assign(handler, { stats: (): HandlerStats => ({ ...o.counters }) });
}

function internalError(o: Resolved, res: ServerResponse, err: unknown): void {
  o.counters.internalErrors++;
  o.onError(asError(err));
  sendError(res, 500, 'INTERNAL', 'internal error');
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendError(res, 405, 'METHOD_NOT_ALLOWED', `method not allowed; use ${allow}`, { headers: { allow } });
}

function overloaded(o: Resolved, res: ServerResponse): void {
  o.counters.overloaded++;
  sendError(res, 503, 'OVERLOADED', 'the tracker is overloaded; retry later', {
    headers: { 'retry-after': o.retryAfter },
  });
}

function tooLarge(o: Resolved, res: ServerResponse): void {
  o.counters.tooLarge++;
  // `connection: close` makes Node end and destroy the socket once the answer is written, so
  // the rest of the body is never read (the reader already stopped listening).
  sendError(res, 413, 'BODY_TOO_LARGE', `the body is larger than ${o.maxBodyBytes} bytes`, {
    headers: { connection: 'close' },
  });
}

function collect(o: Resolved, req: IncomingMessage, res: ServerResponse): void {
  o.counters.collectRequests++;
  const media = checkMediaType(req);
  if (!media.ok) {
    o.counters.unsupportedMediaType++;
    sendError(res, 415, 'UNSUPPORTED_MEDIA_TYPE', media.message);
    return;
  }
  if (o.tracker.overloaded) {
    overloaded(o, res);
    return;
  }
  if (bodyWasConsumed(req)) {
    // A body parser of the host ran first: take its result.
    const body = (req as { body?: unknown }).body;
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      ingestText(o, res, body);
      return;
    }
    ingest(o, res, body);
    return;
  }
  const declared = Number(req.headers['content-length']);
  if (declared > o.maxBodyBytes) {
    tooLarge(o, res);
    return;
  }
  readBody(req, o.maxBodyBytes, (outcome) => {
    try {
      if (outcome.type === 'ok') ingestText(o, res, outcome.body);
      else if (outcome.type === 'too-large') tooLarge(o, res);
      else o.counters.aborted++; // the client is gone, there is no one to answer
    } catch (err) {
      internalError(o, res, err);
    }
  });
}

function ingestText(o: Resolved, res: ServerResponse, body: Buffer | string): void {
  let value: unknown;
  try {
    value = parseJsonSafely(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    o.counters.invalidBody++;
    sendError(res, 400, 'INVALID_BODY', 'the body is not valid JSON');
    return;
  }
  ingest(o, res, value);
}

function ingest(o: Resolved, res: ServerResponse, value: unknown): void {
  const events = eventsOfBody(value);
  if (events === undefined) {
    o.counters.invalidBody++;
    sendError(res, 400, 'INVALID_BODY', 'the body must be a JSON array of events or { "events": [...] }');
    return;
  }
  if (!o.trustClientTime) {
    const now = o.tracker.options.now();
    for (const e of events) {
      if (typeof e === 'object' && e !== null && !Array.isArray(e)) (e as { t?: number }).t = now;
    }
  }
  let result: ReturnType<Tracker['track']>;
  try {
    result = o.tracker.track(events);
  } catch (err) {
    if (isTrackerClosed(err)) {
      overloaded(o, res);
      return;
    }
    throw err;
  }
  const { rejected } = result;
  if (result.accepted === 0 && rejected.length > 0 && rejected.every((r) => r.reason === 'overloaded')) {
    overloaded(o, res);
    return;
  }
  o.counters.accepted++;
  sendJson(res, 202, result);
}

function heatmap(o: Resolved, res: ServerResponse, search: string): void {
  const params = parseHeatmapParams(search);
  if (!params.ok) {
    sendError(res, 400, params.code, params.message, { field: params.field });
    return;
  }
  o.tracker.query(params.query).then(
    (map) => sendJson(res, 200, map),
    (err: unknown) => {
      if (err instanceof QueryError || (err as Error | null)?.name === 'QueryError') {
        const e = err as QueryError;
        sendError(res, 400, e.code, e.message.replace(/^(\[[^\]]+\] )+/, ''), { field: e.field });
        return;
      }
      if (isTrackerClosed(err)) {
        overloaded(o, res);
        return;
      }
      internalError(o, res, err);
    },
  );
}

function health(o: Resolved, res: ServerResponse): void {
  const stats = o.tracker.stats();
  const body = o.query
    ? { ok: !stats.overloaded, overloaded: stats.overloaded, stats, http: { ...o.counters } }
    : { ok: !stats.overloaded, overloaded: stats.overloaded };
  if (stats.overloaded) sendJson(res, 503, body, { 'retry-after': o.retryAfter });
  else sendJson(res, 200, body);
}
