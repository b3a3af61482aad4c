/**
 * What each endpoint answers, apart from how a request arrives: the `node:http` handler and the
 * Fastify plugin both call these, so the two behave the same by construction.
 */
import { eventsOfBody, parseJsonSafely } from './body';
import { InvalidBodyError, OverloadedError } from './errors';
import { parseHeatmapParams } from './heatmap-params';
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

/** What the endpoints need besides the tracker. */
export interface EndpointContext {
  port: TrackerPort;
  counters: HandlerStats;
  trustClientTime: boolean;
  /** `Retry-After` of 503 answers, seconds as a string. */
  retryAfter: string;
  /** Serve heatmaps and detailed health. */
  query: boolean;
}

/** The 503 of a tracker that refuses events. */
export function overloadedAnswer(ctx: EndpointContext): HttpAnswer {
  ctx.counters.overloaded++;
  return errorAnswer(new OverloadedError('the tracker is overloaded; retry later'), {
    'retry-after': ctx.retryAfter,
  });
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
  } catch {
    ctx.counters.invalidBody++;
    return errorAnswer(new InvalidBodyError('the body is not valid JSON'));
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
  if (!ctx.trustClientTime) {
    const now = ctx.port.now();
    for (const e of events) {
      if (typeof e === 'object' && e !== null && !Array.isArray(e)) (e as { t?: number }).t = now;
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
  if (result.accepted === 0 && rejected.length > 0 && rejected.every((r) => r.reason === 'overloaded')) {
    return overloadedAnswer(ctx);
  }
  ctx.counters.accepted++;
  return { status: 202, body: result };
}

/** `GET {prefix}/heatmap?…`: the heatmap, or 400 naming the bad parameter. */
export async function heatmapAnswer(ctx: EndpointContext, search: string): Promise<HttpAnswer> {
  try {
    return { status: 200, body: await ctx.port.query(parseHeatmapParams(search)) };
  } catch (err) {
    return failureAnswer(ctx, err);
  }
}

/** `GET {prefix}/health`: `ok` and `overloaded`, plus the stats when heatmaps are served; 503 when overloaded. */
export function healthAnswer(ctx: EndpointContext): HttpAnswer {
  const overloaded = ctx.port.overloaded;
  const body = ctx.query
    ? { ok: !overloaded, overloaded, stats: ctx.port.stats(), http: { ...ctx.counters } }
    : { ok: !overloaded, overloaded };
  return overloaded
    ? { status: 503, body, headers: { 'retry-after': ctx.retryAfter } }
    : { status: 200, body };
}
