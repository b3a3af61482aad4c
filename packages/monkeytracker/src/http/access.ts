import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ForbiddenError, UnauthorizedError } from './errors';
import { errorAnswer, type HttpAnswer } from './respond';

/**
 * Decides whether a request may read: heatmaps, the page list, the viewer, detailed health,
 * metrics. Collect is never asked: beacons come from any browser.
 */
export type Authorize = (req: IncomingMessage) => boolean | Promise<boolean>;

/** True for a client on this machine: 127.0.0.0/8 and ::1 (also as IPv4-mapped IPv6). */
export function isLoopback(req: IncomingMessage): boolean {
  const address = req.socket?.remoteAddress ?? '';
  return address === '::1' || /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/** The cookie the viewer's sign-in page stores the read token in (see {@link bearerToken}). */
export const TOKEN_COOKIE = 'monkeytracker_token';

/** The value of cookie `name` in a `Cookie` header, URI-decoded, or undefined. */
function cookieOf(header: string | undefined, name: string): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Whether a request carries credentials: an `Authorization` header or the token cookie. */
export function hasCredentials(req: IncomingMessage): boolean {
  return req.headers.authorization !== undefined || cookieOf(req.headers.cookie, TOKEN_COOKIE) !== undefined;
}

/**
 * An {@link Authorize} that accepts `Authorization: Bearer <token>` with exactly this token
 * (compared in constant time), for `monkeytracker serve --read-token` and small deployments;
 * also the cookie `monkeytracker_token` that the viewer's sign-in page sets (same-site only, so
 * another site cannot make a browser read with it).
 *
 * @example
 * ```ts
 * createHandler(tracker, { authorize: bearerToken(process.env.MONKEYTRACKER_READ_TOKEN!) });
 * ```
 */
export function bearerToken(token: string): Authorize {
  if (typeof token !== 'string' || token.length < 16) {
    throw new TypeError('bearerToken needs a token of at least 16 characters');
  }
  const expected = Buffer.from(token);
  return (req) => {
    const header = req.headers.authorization;
    const value =
      typeof header === 'string' && header.startsWith('Bearer ')
        ? header.slice(7).trim()
        : cookieOf(req.headers.cookie, TOKEN_COOKIE);
    if (value === undefined) return false;
    const given = Buffer.from(value);
    return given.length === expected.length && timingSafeEqual(given, expected);
  };
}

/**
 * Whether `req` may read. Without `authorize`, only loopback clients may (a tracker on a public
 * port shows its heatmaps to nobody until the host says who may see them). Resolves `undefined`
 * when allowed, else the `401` (no credentials: `WWW-Authenticate: Bearer`) or `403` answer. An
 * `authorize` that throws refuses, and the error goes to `onError`.
 */
export async function readAccess(
  authorize: Authorize | undefined,
  req: IncomingMessage,
  onError: (error: Error) => void,
): Promise<HttpAnswer | undefined> {
  if (authorize === undefined) {
    if (isLoopback(req)) return undefined;
    return errorAnswer(
      new ForbiddenError(
        'reads answer only to loopback clients until the host passes authorize(req) to the handler (or serve --read-token)',
      ),
    );
  }
  let allowed = false;
  try {
    allowed = (await authorize(req)) === true;
  } catch (err) {
    onError(err instanceof Error ? err : new Error(String(err)));
  }
  if (allowed) return undefined;
  if (!hasCredentials(req)) {
    return errorAnswer(new UnauthorizedError('this read needs credentials'), {
      'www-authenticate': 'Bearer realm="monkeytracker"',
    });
  }
  return errorAnswer(new ForbiddenError('these credentials may not read heatmaps'));
}
