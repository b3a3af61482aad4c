import type { IncomingMessage } from 'node:http';
import { UnsupportedMediaTypeError } from './errors';

/** How reading a request body ended. */
export type BodyOutcome =
  | { type: 'ok'; body: Buffer }
  | { type: 'too-large' }
  /** The client closed the connection or the stream failed before the body was complete. */
  | { type: 'aborted' };

// A listener that keeps a late stream error (client reset) from becoming an uncaught exception.
const ignore = () => {};

/**
 * Reads the body of `req`, counting bytes as they arrive. Past `limit` it stops listening at
 * once and reports `'too-large'`: the rest is never read into memory. Each chunk is handled
 * as it comes, so a client that sends one byte a second holds no more than its socket.
 */
export function readBody(req: IncomingMessage, limit: number, done: (outcome: BodyOutcome) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let settled = false;
  const settle = (outcome: BodyOutcome) => {
    if (settled) return;
    settled = true;
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('close', onClose);
    req.off('aborted', onClose);
    done(outcome);
  };
  const onData = (chunk: Buffer | string) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > limit) {
      chunks.length = 0;
      req.pause();
      settle({ type: 'too-large' });
      return;
    }
    chunks.push(buf);
  };
  const onEnd = () => {
    settle({ type: 'ok', body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
  };
  const onClose = () => settle({ type: 'aborted' });
  req.on('error', ignore);
  req.on('data', onData);
  req.on('end', onEnd);
  req.on('aborted', onClose);
  req.on('close', onClose);
}

/**
 * Whether another middleware already read the stream (Express `express.json()`, Connect
 * body parsers): then its `req.body` is the body, and waiting for `'end'` would hang.
 */
export function bodyWasConsumed(req: IncomingMessage): boolean {
  return req.readableEnded || (req as { _body?: unknown })._body === true;
}

/** Nesting a collect body never needs: `{ "events": [ { … } ] }` is 3 deep. */
export const MAX_JSON_DEPTH = 16;

/**
 * One walk over a parsed body: false when arrays and objects nest deeper than
 * {@link MAX_JSON_DEPTH} (`depth` is the nesting of `value`, 1 at the top); on the way it deletes
 * `__proto__`, `constructor` and `prototype` keys, which could reach a prototype if anything
 * ever merged the parsed objects into others. Parsed keys are unescaped, so `\u005f_proto__`
 * is caught too.
 */
function isShallowWithoutPrototypeKeys(value: object, depth: number): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null && !isShallowWithoutPrototypeKeys(item, depth + 1))
        return false;
    }
    return true;
  }
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      delete record[key];
      continue;
    }
    const item = record[key];
    if (typeof item === 'object' && item !== null && !isShallowWithoutPrototypeKeys(item, depth + 1))
      return false;
  }
  return true;
}

/**
 * `JSON.parse` without `__proto__`, `constructor` and `prototype` keys, at any depth, refusing
 * bodies nested deeper than {@link MAX_JSON_DEPTH} (one answer, 400, whatever the body holds).
 * Throws `SyntaxError`.
 *
 * The body is parsed first and the result walked once: V8's `JSON.parse` is iterative, so any
 * nesting parses without overflowing the stack, and walking 20 parsed events costs a fraction
 * of scanning their text character by character (which took as long as parsing itself). The
 * price is that a hostile body nested 32,768 deep (the most the default 64 KiB limit admits) is
 * parsed before it is refused: 3–10 ms of CPU on the build machine, against 0.3 ms for 64 KiB of
 * valid events.
 */
export function parseJsonSafely(text: string): unknown {
  const value: unknown = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (typeof value === 'object' && value !== null && !isShallowWithoutPrototypeKeys(value, 1)) {
    throw new SyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH}`);
  }
  return value;
}

/** The events of a collect body: a JSON array, or `{ events: [...] }`; undefined for any other shape. */
export function eventsOfBody(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'object' && value !== null) {
    const events = (value as { events?: unknown }).events;
    if (Array.isArray(events)) return events;
  }
  return undefined;
}

/**
 * Collect accepts `application/json`, `text/plain` (what `navigator.sendBeacon` sends for a
 * string) and no content type (a `Blob` without a type), in UTF-8, without content encoding.
 * Returns the error to answer with, or `undefined` when the request is acceptable.
 */
export function checkMediaType(
  headers: IncomingMessage['headers'],
): InstanceType<typeof UnsupportedMediaTypeError> | undefined {
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return new UnsupportedMediaTypeError(
      `content-encoding ${JSON.stringify(encoding)} is not supported; send plain JSON`,
    );
  }
  const header = headers['content-type'];
  if (header === undefined || header.trim() === '') return undefined;
  const parts = header.split(';');
  const type = (parts[0] as string).trim().toLowerCase();
  if (type !== 'application/json' && type !== 'text/plain') {
    return new UnsupportedMediaTypeError(
      `content-type ${JSON.stringify(type)} is not supported; send application/json or text/plain`,
    );
  }
  for (let i = 1; i < parts.length; i++) {
    const [name, raw] = (parts[i] as string).split('=');
    if (name?.trim().toLowerCase() !== 'charset') continue;
    const charset = (raw ?? '').trim().replace(/^"|"$/g, '').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
      return new UnsupportedMediaTypeError(`charset ${JSON.stringify(charset)} is not supported; send UTF-8`);
    }
  }
  return undefined;
}
