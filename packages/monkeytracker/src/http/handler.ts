import type { IncomingMessage, ServerResponse } from 'node:http';
import { TrackerOptionError } from '@monkeytracker/pipeline';
import { type Authorize, readAccess } from './access';
import { bodyWasConsumed, checkMediaType, readBody } from './body';
import { type CorsOption, type CorsPolicy, corsPolicy, preflightHeaders } from './cors';
import {
  collectText,
  collectValue,
  configAnswer,
  type EndpointContext,
  failureAnswer,
  type HandlerStats,
  type HttpMetrics,
  healthAnswer,
  heatmapAnswer,
  metricsAnswer,
  newHandlerStats,
  overloadedAnswer,
  pagesAnswer,
} from './endpoints';
import { BodyTooLargeError, MethodNotAllowedError, NotFoundError } from './errors';
import type { TrackerPort } from './port';
import { errorAnswer, type HttpAnswer, writeAnswer } from './respond';
import { type ViewerApp, viewerAnswer } from './viewer-endpoint';

/** Options of {@link createHandler} (and `tracker.handler()`, and the Fastify plugin). */
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
  /**
   * Who may read: heatmaps, detailed health (and the page list, viewer and metrics). Called per
   * read request; `true` allows it. Default: only clients on loopback (127.0.0.0/8, ::1) — a
   * tracker on a public port shows nothing until the host decides. `bearerToken(token)` checks
   * `Authorization: Bearer <token>`. Collect is never asked.
   */
  authorize?: Authorize;
  /** Seconds a client is told to wait (`Retry-After`) when the tracker is overloaded. Default 1. */
  retryAfterSeconds?: number;
  /**
   * Serve `GET {prefix}/metrics` (Prometheus text format, for readers `authorize` allows) and
   * count every answer: `createMetrics(tracker)` from `monkeytracker/metrics`. Default off.
   */
  metrics?: HttpMetrics;
  /**
   * Serve a heatmap viewer at `{prefix}/viewer/`, behind `authorize` like every read:
   * `createViewer()` from `@monkeytracker/viewer`. Default off. Needs `query` on.
   */
  viewer?: ViewerApp;
}

/** `next` of Express and Connect: called when a request is not for the handler. */
export type NextFunction = (err?: unknown) => void;

/**
 * A request handler for `node:http`, Express and Connect. Requests outside the prefix go to
 * `next()`, or get `404` without it.
 */
export interface MonkeyTrackerHandler {
  (req: IncomingMessage, res: ServerResponse, next?: NextFunction): void;
  /** The handler's counters (a copy). */
  stats(): HandlerStats;
}

const DEFAULT_PREFIX = '/mt';
const DEFAULT_MAX_BODY = 64 * 1024;
/** The endpoints under the prefix and the methods each allows. */
export const ALLOW: Readonly<Record<string, string>> = {
  '/collect': 'POST, OPTIONS',
  '/heatmap': 'GET, HEAD, OPTIONS',
  '/pages': 'GET, HEAD, OPTIONS',
  '/config': 'GET, HEAD, OPTIONS',
  '/health': 'GET, HEAD, OPTIONS',
  '/metrics': 'GET, HEAD, OPTIONS',
};

/** Whether a path (after the prefix) is the viewer's: `/viewer` or under `/viewer/`. */
export function isViewerPath(endpoint: string): boolean {
  return endpoint === '/viewer' || endpoint.startsWith('/viewer/');
}

/** The methods a path allows, if the handler knows it. */
export function allowOf(endpoint: string): string | undefined {
  return ALLOW[endpoint] ?? (isViewerPath(endpoint) ? 'GET, HEAD' : undefined);
}

/** Whether an endpoint is on for these options (reads off with `query: false`, metrics and the viewer only when given). */
export function served(o: ResolvedHandlerOptions, endpoint: string): boolean {
  if (endpoint === '/heatmap' || endpoint === '/pages' || endpoint === '/config') return o.query;
  if (endpoint === '/metrics') return o.metrics !== undefined;
  if (isViewerPath(endpoint)) return o.query && o.viewer !== undefined;
  return ALLOW[endpoint] !== undefined;
}

/** Handler options with defaults filled in and checked. */
export interface ResolvedHandlerOptions extends EndpointContext {
  prefix: string;
  maxBodyBytes: number;
  cors: CorsPolicy | undefined;
  viewer: ViewerApp | undefined;
}

/**
 * The answer to a read (`GET`/`HEAD` of heatmap, pages, config, metrics, health, the viewer),
 * authorization included: the one read path of the `node:http` handler and the Fastify plugin.
 */
export async function readAnswer(
  o: ResolvedHandlerOptions,
  req: IncomingMessage,
  endpoint: string,
  search: string,
): Promise<HttpAnswer> {
  if (isViewerPath(endpoint)) {
    return viewerAnswer({ ...o, viewer: o.viewer! }, req, endpoint.slice('/viewer'.length), search);
  }
  const denied = await read(o, req);
  if (endpoint === '/health') return healthAnswer(o, o.query && denied === undefined);
  if (denied) return denied;
  if (endpoint === '/heatmap') return heatmapAnswer(o, search);
  if (endpoint === '/pages') return pagesAnswer(o, search);
  if (endpoint === '/config') return configAnswer(o);
  return metricsAnswer(o);
}

/** Checks handler options (throwing `INVALID_OPTION`) and fills in defaults. */
export function resolveHandlerOptions(port: TrackerPort, options: HandlerOptions): ResolvedHandlerOptions {
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
  const viewer = options.viewer;
  if (viewer !== undefined && (typeof viewer !== 'object' || typeof viewer.asset !== 'function')) {
    throw new TrackerOptionError('handler viewer must come from createViewer() of @monkeytracker/viewer');
  }
  if (options.authorize !== undefined && typeof options.authorize !== 'function') {
    throw new TrackerOptionError('handler authorize must be a function (req) => boolean | Promise<boolean>');
  }
  const metrics = options.metrics;
  if (
    metrics !== undefined &&
    (typeof metrics.scrape !== 'function' || typeof metrics.observeHttp !== 'function')
  ) {
    throw new TrackerOptionError(
      'handler metrics must come from createMetrics(tracker) of monkeytracker/metrics',
    );
  }
  return {
    port,
    metrics,
    viewer,
    authorize: options.authorize,
    prefix,
    maxBodyBytes,
    trustClientTime: options.trustClientTime === true,
    query: options.query !== false,
    cors: corsPolicy(options.cors, (err) => port.onError(err)),
    retryAfter: String(retryAfter),
    counters: newHandlerStats(),
  };
}

/**
 * Creates the HTTP handler of a tracker for `node:http`, Express and Connect:
 *
 * - `POST {prefix}/collect`: a JSON array of events or `{ events: [...] }`, as
 *   `application/json` or `text/plain` (sendBeacon) → `202 { accepted, rejected: [{ index, reason }] }`;
 *   `400` bad JSON or shape, `413` past `maxBodyBytes`, `415` other content types, `503` +
 *   `Retry-After` when the tracker is overloaded.
 * - `GET {prefix}/heatmap?url=&kind=&vw=&from=&to=&top=&minCount=` → the heatmap, for readers
 *   `authorize` allows (loopback only without it: `401`/`403` otherwise); `400`
 *   `{ error, code, field }` names a bad parameter. Off with `query: false`.
 * - `GET {prefix}/health` → `200 { status: 'ok' | 'degraded' }` (`503` while `'overloaded'`), plus
 *   `stats` and `http` for authorized readers.
 * - `OPTIONS` → `204` with CORS headers for allowed origins (see `cors`).
 *
 * Other paths under the prefix get `404`; paths outside it go to `next()` (or `404`).
 * `handler.stats()` counts what the HTTP layer answered (202s, 503 drops, 4xx, aborted clients).
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createHandler } from 'monkeytracker/http';
 * const tracker = await createTracker({ journal: { dir: './data/journal' } });
 * const handler = createHandler(tracker, { cors: ['https://shop.example'] });
 * createServer((req, res) => handler(req, res)).listen(3000);
 * ```
 */
export function createHandler(port: TrackerPort, options: HandlerOptions = {}): MonkeyTrackerHandler {
  const o = resolveHandlerOptions(port, options);
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
        writeAnswer(
          res,
          errorAnswer(
            new NotFoundError(`no monkeytracker endpoint at ${path}; they are under ${prefixSlash}`),
          ),
        );
      return;
    }
    const endpoint = path.slice(o.prefix.length);
    if (o.metrics) {
      const known = ALLOW[endpoint] !== undefined ? endpoint : isViewerPath(endpoint) ? '/viewer' : 'other';
      res.once('finish', () => o.metrics!.observeHttp(known, res.statusCode));
    }
    try {
      let allowed = false;
      if (o.cors) {
        const cors = o.cors.decide(req.headers.origin);
        allowed = cors.allowed;
        for (const [name, value] of Object.entries(cors.headers)) res.setHeader(name, value);
      }
      const method = req.method;
      const allow = allowOf(endpoint);
      if (allow === undefined || !served(o, endpoint)) {
        writeAnswer(res, errorAnswer(new NotFoundError(`no monkeytracker endpoint at ${path}`)));
      } else if (method === 'OPTIONS') {
        writeAnswer(res, { status: 204, headers: allowed ? preflightHeaders() : {} });
      } else if (endpoint === '/collect') {
        if (method === 'POST') collect(o, req, res);
        else writeAnswer(res, methodNotAllowed(allow));
      } else if (method !== 'GET' && method !== 'HEAD') {
        writeAnswer(res, methodNotAllowed(allow));
      } else {
        const search = q < 0 ? '' : url.slice(q + 1);
        readAnswer(o, req, endpoint, search).then(
          (answer) => writeAnswer(res, answer),
          (err: unknown) => writeAnswer(res, failureAnswer(o, err)),
        );
      }
    } catch (err) {
      writeAnswer(res, failureAnswer(o, err));
    }
  };
  return Object.assign(handler, { stats: (): HandlerStats => ({ ...o.counters }) });
}

/** The access decision for a read request: `undefined` when allowed, else the answer. */
export function read(o: ResolvedHandlerOptions, req: IncomingMessage): Promise<HttpAnswer | undefined> {
  return readAccess(o.authorize, req, (err) => o.port.onError(err));
}

/** `405` with the methods the path allows. */
export function methodNotAllowed(allow: string): HttpAnswer {
  return errorAnswer(new MethodNotAllowedError(`method not allowed; use ${allow}`), { allow });
}

/** `413`; `connection: close` makes Node end the socket once written, so the rest is never read. */
export function tooLarge(o: ResolvedHandlerOptions): HttpAnswer {
  o.counters.tooLarge++;
  return errorAnswer(new BodyTooLargeError(`the body is larger than ${o.maxBodyBytes} bytes`), {
    connection: 'close',
  });
}

function collect(o: ResolvedHandlerOptions, req: IncomingMessage, res: ServerResponse): void {
  o.counters.collectRequests++;
  const media = checkMediaType(req.headers);
  if (media) {
    o.counters.unsupportedMediaType++;
    writeAnswer(res, errorAnswer(media));
    return;
  }
  if (o.port.overloaded) {
    writeAnswer(res, overloadedAnswer(o));
    return;
  }
  if (bodyWasConsumed(req)) {
    // A body parser of the host ran first: take its result.
    const body = (req as { body?: unknown }).body;
    const answer =
      typeof body === 'string' || Buffer.isBuffer(body)
        ? collectText(o, body.toString())
        : collectValue(o, body);
    writeAnswer(res, answer);
    return;
  }
  if (Number(req.headers['content-length']) > o.maxBodyBytes) {
    writeAnswer(res, tooLarge(o));
    return;
  }
  readBody(req, o.maxBodyBytes, (outcome) => {
    try {
      if (outcome.type === 'ok') writeAnswer(res, collectText(o, outcome.body.toString('utf8')));
      else if (outcome.type === 'too-large') writeAnswer(res, tooLarge(o));
      else o.counters.aborted++; // the client is gone, there is no one to answer
    } catch (err) {
      writeAnswer(res, failureAnswer(o, err));
    }
  });
}
