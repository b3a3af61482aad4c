import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MonkeyTrackerHandler } from './http-handler';

/** The part of a Fastify request the hook uses. */
export interface FastifyRequestLike {
  raw: IncomingMessage;
}

/** The part of a Fastify reply the hook uses. */
export interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): unknown;
}

/**
 * Wraps a handler as a Fastify `onRequest` hook: requests under the prefix are answered by the
 * handler on the raw Node objects (before Fastify parses the body, so `maxBodyBytes`, `415` and
 * sendBeacon's `text/plain` work as everywhere else); the others continue through Fastify.
 * Typed structurally, so `monkeytracker` does not depend on Fastify.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * app.addHook('onRequest', toFastifyHook(createHandler(tracker)));
 * ```
 */
export function toFastifyHook(
  handler: MonkeyTrackerHandler,
): (request: FastifyRequestLike, reply: FastifyReplyLike, done: (err?: Error) => void) => void {
  return (request, reply, done) => {
    let passed = false;
    handler(request.raw, reply.raw, () => {
      passed = true;
      done();
    });
    // The handler decides synchronously whether a request is its own; those Fastify must not answer.
    if (!passed) reply.hijack();
  };
}
