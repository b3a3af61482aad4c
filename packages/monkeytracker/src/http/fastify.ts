import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { checkMediaType } from './body';
import { preflightHeaders } from './cors';
import { collectText, failureAnswer, type HandlerStats, overloadedAnswer } from './endpoints';
import { NotFoundError } from './errors';
import {
  ALLOW,
  type HandlerOptions,
  isViewerPath,
  methodNotAllowed,
  type ResolvedHandlerOptions,
  readAnswer,
  resolveHandlerOptions,
  served,
  tooLarge,
} from './handler';
import type { TrackerPort } from './port';
import { errorAnswer, type HttpAnswer, JSON_HEADERS } from './respond';

/** Options of the Fastify plugin: the handler's options plus the tracker. */
export interface MonkeyTrackerFastifyOptions extends HandlerOptions {
  /** The tracker (or anything with its {@link TrackerPort}). */
  tracker: TrackerPort;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The HTTP counters of the monkeytracker plugin (decorated by it). */
    monkeytrackerStats(): HandlerStats;
  }
}

const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function send(reply: FastifyReply, answer: HttpAnswer): FastifyReply {
  reply.code(answer.status);
  if (answer.headers) reply.headers(answer.headers);
  if (answer.raw !== undefined) {
    if (!('cache-control' in (answer.headers ?? {}))) reply.header('cache-control', 'no-store');
    return reply.send(typeof answer.raw === 'string' ? answer.raw : Buffer.from(answer.raw));
  }
  if (answer.body === undefined) return reply.send();
  return reply.headers(JSON_HEADERS).send(JSON.stringify(answer.body));
}

/**
 * The routes, in a context of their own under the prefix: its content-type parser (the raw body
 * up to `maxBodyBytes`, JSON or text/plain as the beacon sends it) and error handler apply to
 * these routes only, never to the host's.
 */
async function routes(app: FastifyInstance, o: ResolvedHandlerOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: o.maxBodyBytes }, (_req, body, done) =>
    done(null, body),
  );
  app.addHook('onRequest', async (request, reply) => {
    if (o.cors) {
      const cors = o.cors.decide(request.headers.origin);
      reply.headers(cors.headers);
      (request as { mtCorsAllowed?: boolean }).mtCorsAllowed = cors.allowed;
    }
    // Refused before the body is read, as the node:http handler does.
    if (request.method === 'POST' && request.url.split('?')[0] === `${o.prefix}/collect`) {
      o.counters.collectRequests++;
      const media = checkMediaType(request.headers);
      if (media) {
        o.counters.unsupportedMediaType++;
        return send(reply, errorAnswer(media));
      }
      if (o.port.overloaded) return send(reply, overloadedAnswer(o));
    }
  });
  // A client gone before its body was complete: nobody to answer, but counted as the node handler does.
  app.addHook('onRequestAbort', async (request) => {
    if (request.method === 'POST' && request.url.split('?')[0] === `${o.prefix}/collect`)
      o.counters.aborted++;
  });
  app.setErrorHandler((error, request, reply) => {
    const code = (error as { code?: string }).code;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, tooLarge(o));
    if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') {
      return send(reply, collectText(o, ''));
    }
    request.log.error({ err: error }, 'monkeytracker request failed');
    return send(reply, failureAnswer(o, error));
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, errorAnswer(new NotFoundError(`no monkeytracker endpoint at ${request.url.split('?')[0]}`))),
  );
  if (o.metrics) {
    app.addHook('onResponse', async (request, reply) => {
      const endpoint = request.url.split('?')[0]!.slice(o.prefix.length);
      const known = ALLOW[endpoint] !== undefined ? endpoint : isViewerPath(endpoint) ? '/viewer' : 'other';
      o.metrics!.observeHttp(known, reply.statusCode);
    });
  }
  const searchOf = (url: string) => {
    const q = url.indexOf('?');
    return q < 0 ? '' : url.slice(q + 1);
  };
  for (const [endpoint, allow] of Object.entries(ALLOW)) {
    if (!served(o, endpoint)) continue;
    const main = endpoint === '/collect' ? 'POST' : 'GET';
    app.route({
      method: main,
      url: endpoint,
      handler: async (request, reply) => {
        if (endpoint === '/collect')
          return send(reply, collectText(o, typeof request.body === 'string' ? request.body : ''));
        return send(reply, await readAnswer(o, request.raw, endpoint, searchOf(request.url)));
      },
    });
    app.route({
      method: 'OPTIONS',
      url: endpoint,
      handler: async (request, reply) =>
        send(reply, {
          status: 204,
          headers: (request as { mtCorsAllowed?: boolean }).mtCorsAllowed ? preflightHeaders() : {},
        }),
    });
    const others = ALL_METHODS.filter(
      (m) => m !== main && m !== 'OPTIONS' && !(main === 'GET' && m === 'HEAD'),
    );
    app.route({
      method: [...others],
      url: endpoint,
      handler: async (_request, reply) => send(reply, methodNotAllowed(allow)),
    });
  }
  if (served(o, '/viewer')) {
    app.route({
      method: 'GET',
      url: '/viewer',
      handler: async (request, reply) =>
        send(reply, await readAnswer(o, request.raw, '/viewer', searchOf(request.url))),
    });
    app.route({
      method: 'GET',
      url: '/viewer/*',
      handler: async (request, reply) => {
        const path = request.url.split('?')[0]!.slice(o.prefix.length);
        return send(reply, await readAnswer(o, request.raw, path, searchOf(request.url)));
      },
    });
  }
}

/**
 * MonkeyTracker as a Fastify plugin, in the shape of the ecosystem's own (`fastify-plugin`):
 * `POST {prefix}/collect`, `GET {prefix}/heatmap`, `GET {prefix}/health` as real Fastify routes,
 * so the host's hooks (`onResponse`, …), logger and request lifecycle run for them. Their body
 * parser and error handler live in a context of their own and never touch the host's routes.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { monkeytrackerFastify } from 'monkeytracker/fastify';
 * const app = Fastify({ logger: true });
 * await app.register(monkeytrackerFastify, { tracker, prefix: '/mt' });
 * app.addHook('onClose', () => tracker.close());
 * ```
 */
export const monkeytrackerFastify = fp(
  async (app: FastifyInstance, options: MonkeyTrackerFastifyOptions) => {
    const o = resolveHandlerOptions(options.tracker, options);
    app.decorate('monkeytrackerStats', (): HandlerStats => ({ ...o.counters }));
    await app.register(async (child) => routes(child, o), { prefix: o.prefix });
  },
  { fastify: '4.x || 5.x', name: 'monkeytracker' },
);
