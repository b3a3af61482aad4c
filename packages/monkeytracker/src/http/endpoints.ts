/**
 * What each endpoint answers, apart from how a request arrives: the `node:http` handler and the
 * Fastify plugin both call these, so the two behave the same by construction.
 */

import { formatDay, zoneCalendar } from '@monkeytracker/grid';
import type { Authorize } from './access';
import { eventsOfBody, parseJsonSafely } from './body';
import { InvalidBodyError, OverloadedError } from './errors';
import { parseHeatmapParams, parsePagesParams } from './heatmap-params';
import type { TrackerPort } from './port';
import { errorAnswer, type HttpAnswer } from './respond';

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

/** A fresh set of {@link HandlerStats}. */
export function newHandlerStats(): HandlerStats {
  return {
    collectRequests: 0,
    accepted: 0,
    overloaded: 0,
    invalidBody: 0,
    tooLarge: 0,
    unsupportedMediaType: 0,
    aborted: 0,
    internalErrors: 0,
  };
}

/**
 * What the handler serves at `{prefix}/metrics` and tells every answer to: `createMetrics` of
 * `monkeytracker/metrics` makes one (typed here by shape, so the HTTP layer needs no prom-client).
 */
export interface HttpMetrics {
  readonly contentType: string;
  scrape(): Promise<string>;
  observeHttp(endpoint: string, status: number): void;
}

/** What the endpoints need besides the tracker. */
export interface EndpointContext {
  port: TrackerPort;
  counters: HandlerStats;
  trustClientTime: boolean;
  /** `Retry-After` of 503 answers, seconds as a string. */
  retryAfter: string;
  /** Serve heatmaps and detailed health. */
  query: boolean;
  /** Who may read (heatmaps, page list, detailed health, metrics); `undefined`: loopback only. */
  authorize: Authorize | undefined;
  /** Served at `{prefix}/metrics` and told of every answer, when given. */
  metrics: HttpMetrics | undefined;
}

/** The 503 of a tracker that refuses events. */
export function overloadedAnswer(ctx: EndpointContext): HttpAnswer {
  ctx.counters.overloaded++;
  return errorAnswer(
    new OverloadedError(
      'the tracker refuses events for now (storage, journal or memory behind); retry later',
    ),
    {
      'retry-after': ctx.retryAfter,
    },
  );
}

/** An answer for an unexpected error: `500 INTERNAL` (or the error's own status), reported to `onError`. */
export function failureAnswer(ctx: EndpointContext, err: unknown): HttpAnswer {
  const answer = errorAnswer(err);
  if (answer.status >= 500) {
    if (answer.status === 500) ctx.counters.internalErrors++;
    ctx.port.onError(err instanceof Error ? err : new Error(String(err)));
  }
  if (answer.status === 503) answer.headers = { 'retry-after': ctx.retryAfter };
  return answer;
}

/** Parses a collect body's text (`JSON.parse` without prototype keys). */
export function collectText(ctx: EndpointContext, text: string): HttpAnswer {
  let value: unknown;
  try {
    value = parseJsonSafely(text);
  } catch (err) {
    ctx.counters.invalidBody++;
    const deep = /nested deeper/.test((err as Error).message);
    return errorAnswer(new InvalidBodyError(deep ? (err as Error).message : 'the body is not valid JSON'));
  }
  return collectValue(ctx, value);
}

/** `POST {prefix}/collect` with a parsed body: a JSON array of events or `{ events: [...] }`. */
export function collectValue(ctx: EndpointContext, value: unknown): HttpAnswer {
  const events = eventsOfBody(value);
  if (events === undefined) {
    ctx.counters.invalidBody++;
    return errorAnswer(
      new InvalidBodyError('the body must be a JSON array of events or { "events": [...] }'),
    );
  }
  // The server decides: its clock stamps events (unless told to trust clients), and without
  // configured sites a client's `site` is dropped — anyone could otherwise mint sites.
  const stamp = !ctx.trustClientTime;
  const dropSite = ctx.port.options.sites === undefined || ctx.port.options.sites.length === 0;
  if (stamp || dropSite) {
    const now = ctx.port.now();
    for (const e of events) {
      if (typeof e !== 'object' || e === null || Array.isArray(e)) continue;
      if (stamp) (e as { t?: number }).t = now;
      if (dropSite) delete (e as { site?: unknown }).site;
    }
  }
  let result: ReturnType<TrackerPort['track']>;
  try {
    result = ctx.port.track(events);
  } catch (err) {
    if ((err as { code?: unknown })?.code === 'TRACKER_CLOSED') return overloadedAnswer(ctx);
    return failureAnswer(ctx, err);
  }
  const { rejected } = result;
  if (
    result.accepted === 0 &&
    rejected.length > 0 &&
    rejected.every((r) => r.reason === 'overloaded' || r.reason === 'journal')
  ) {
    return overloadedAnswer(ctx);
  }
  ctx.counters.accepted++;
  return { status: 202, body: result };
}

/**
 * `GET {prefix}/heatmap?…`: the heatmap, or 400 naming the bad parameter. With `compareFrom` and
 * `compareTo` the answer also carries `compare`: the same page over the second range.
 */
export async function heatmapAnswer(ctx: EndpointContext, search: string): Promise<HttpAnswer> {
  try {
    const { query, compare } = parseHeatmapParams(search);
    if (compare === undefined) return { status: 200, body: await ctx.port.query(query) };
    const [first, second] = await Promise.all([
      ctx.port.query(query),
      ctx.port.query({ ...query, ...compare }),
    ]);
    return { status: 200, body: { ...first, compare: second } };
  } catch (err) {
    return failureAnswer(ctx, err);
  }
}

/** `GET {prefix}/pages?site=&kind=&from=&to=&top=`: the busiest pages with counts per bucket. */
export async function pagesAnswer(ctx: EndpointContext, search: string): Promise<HttpAnswer> {
  try {
    return { status: 200, body: await ctx.port.pages(parsePagesParams(search)) };
  } catch (err) {
    return failureAnswer(ctx, err);
  }
}

/** What `GET {prefix}/config` answers: what a viewer needs to ask good questions. */
export interface ViewerConfig {
  cellSize: number;
  breakpoints: readonly number[];
  /** Each viewport bucket with the widths it holds (`maxWidth` null for the last). */
  buckets: { bucket: number; minWidth: number; maxWidth: number | null }[];
  timeZone: string;
  /** Today in the tracker's zone, `YYYY-MM-DD`. */
  today: string;
  maxQueryDays: number;
  /** The configured sites (`[{ id: 'default', hosts: [] }]` without any). */
  sites: { id: string; hosts: readonly string[] }[];
  kinds: readonly ['click', 'scroll', 'move', 'rage', 'dead'];
}

/** `GET {prefix}/config`: the tracker's geometry, calendar and sites. */
export function configAnswer(ctx: EndpointContext): HttpAnswer {
  const o = ctx.port.options;
  const b = o.breakpoints;
  const body: ViewerConfig = {
    cellSize: o.cellSize,
    breakpoints: b,
    buckets: b.map((minWidth, bucket) => ({
      bucket,
      minWidth,
      maxWidth: bucket + 1 < b.length ? b[bucket + 1]! - 1 : null,
    })),
    timeZone: o.timeZone,
    today: formatDay(zoneCalendar(o.timeZone).dayNumber(ctx.port.now())),
    maxQueryDays: o.maxQueryDays,
    sites:
      o.sites && o.sites.length > 0
        ? o.sites.map((s) => ({ id: s.id, hosts: [...s.hosts] }))
        : [{ id: 'default', hosts: [] }],
    kinds: ['click', 'scroll', 'move', 'rage', 'dead'],
  };
  return { status: 200, body };
}

/** `GET {prefix}/metrics`: the Prometheus text format. */
export async function metricsAnswer(ctx: EndpointContext): Promise<HttpAnswer> {
  try {
    return {
      status: 200,
      raw: await ctx.metrics!.scrape(),
      headers: { 'content-type': ctx.metrics!.contentType },
    };
  } catch (err) {
    return failureAnswer(ctx, err);
  }
}

/**
 * `GET {prefix}/health`: `{ status: 'ok' | 'degraded' | 'overloaded' }` for anyone (a load
 * balancer), plus the tracker's stats and the HTTP counters for readers the host authorizes;
 * `503` while overloaded.
 */
export function healthAnswer(ctx: EndpointContext, detailed: boolean): HttpAnswer {
  const stats = ctx.port.stats();
  const status = stats.health;
  const body = detailed ? { status, stats, http: { ...ctx.counters } } : { status };
  return status === 'overloaded'
    ? { status: 503, body, headers: { 'retry-after': ctx.retryAfter } }
    : { status: 200, body };
}
