/**
 * The HTTP handler on a real `node:http` server: collect, heatmap, health, CORS, routing and the
 * answers to bad requests. Framework mounting and hostile clients are in the other http tests.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTracker, type Tracker, TrackerOptionError } from 'monkeytracker';
import type { HandlerOptions } from 'monkeytracker/http';
import { afterEach, describe, expect, it } from 'vitest';

const NOW = Date.UTC(2024, 5, 10, 12);
const DAY = '2024-06-10';
const click = (x: number, y: number, extra: object = {}) => ({
  kind: 'click',
  url: '/p',
  x,
  y,
  vw: 1280,
  vh: 700,
  ...extra,
});

// The tracker's handler; `tracker.handler(options)` calls the same function.
const handlerOf = (tracker: Tracker, options?: HandlerOptions) => tracker.handler(options);

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function listen(listener: RequestListener): Promise<string> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function serve(options?: HandlerOptions, trackerOptions: Parameters<typeof createTracker>[0] = {}) {
  const tracker = await createTracker({ now: () => NOW, ...trackerOptions });
  cleanup.push(() => tracker.close());
  const handler = handlerOf(tracker, options);
  const base = await listen((req, res) => handler(req, res));
  return { tracker, base, handler };
}

function post(
  base: string,
  body: string,
  contentType: string | null = 'application/json',
  path = '/mt/collect',
) {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  return fetch(`${base}${path}`, {
    method: 'POST',
    body: contentType === null ? new Blob([body]) : body,
    headers,
  });
}

describe('POST {prefix}/collect', () => {
  it('answers 202 with accepted and rejected, keeping the valid events of a batch', async () => {
    const { base, tracker } = await serve();
    const res = await post(
      base,
      JSON.stringify([click(10, 10), { kind: 'tap' }, click(-5, 1), click(12, 14)]),
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, reason: 'kind' },
        { index: 2, reason: 'x' },
      ],
    });
    expect(tracker.stats().accepted).toBe(2);
    const map = await (
      await fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`)
    ).json();
    expect(map).toMatchObject({ total: 2, cells: [{ x: 10, y: 10, count: 2 }] });
  });

  it('takes { events: [...] } as text/plain (sendBeacon), with or without charset, and no content type', async () => {
    const { base, tracker } = await serve();
    for (const type of [
      'text/plain',
      'text/plain;charset=UTF-8',
      'Application/JSON; charset="utf-8"',
      null,
    ]) {
      const res = await post(base, JSON.stringify({ events: [click(1, 1)] }), type);
      expect(res.status, String(type)).toBe(202);
      expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
    }
    expect(tracker.stats().accepted).toBe(4);
  });

  it('answers 400 for a body that is not JSON or not an array of events', async () => {
    const { base, tracker } = await serve();
    for (const body of ['', 'not json', '[{"kind":', '{}', '"events"', '{"events":{"0":1}}', 'null', '42']) {
      const res = await post(base, body);
      expect(res.status, body).toBe(400);
      expect((await res.json()).code).toBe('INVALID_BODY');
    }
    expect(tracker.stats().accepted).toBe(0);
  });

  it('answers 415 for other content types, encodings and charsets', async () => {
    const { base } = await serve();
    const body = JSON.stringify([click(1, 1)]);
    for (const type of [
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/html',
    ]) {
      const res = await post(base, body, type);
      expect(res.status, type).toBe(415);
      expect(await res.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
    expect((await post(base, body, 'text/plain; charset=iso-8859-1')).status).toBe(415);
    const gz = await fetch(`${base}/mt/collect`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(gz.status).toBe(415);
  });

  it('answers 413 past maxBodyBytes and keeps serving', async () => {
    const { base } = await serve({ maxBodyBytes: 1000 });
    const small = JSON.stringify([click(1, 1)]);
    const big = JSON.stringify(Array.from({ length: 40 }, () => click(1, 1)));
    expect(big.length).toBeGreaterThan(1000);
    const res = await post(base, big);
    expect(res.status).toBe(413);
    expect(res.headers.get('connection')).toBe('close');
    expect(await res.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
    expect((await post(base, small)).status).toBe(202);
  });

  it('stamps events with the server clock unless trustClientTime is set', async () => {
    const old = Date.UTC(2024, 0, 15, 9);
    const query = '/mt/heatmap?url=/p&kind=click&vw=1280&from=2024-01-15&to=2024-01-15';
    const server = await serve();
    expect((await post(server.base, JSON.stringify([click(1, 1, { t: old })]))).status).toBe(202);
    expect((await (await fetch(`${server.base}${query}`)).json()).total).toBe(0);
    const today = await (
      await fetch(`${server.base}/mt/heatmap?url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`)
    ).json();
    expect(today.total).toBe(1);

    const trusting = await serve({ trustClientTime: true });
    expect((await post(trusting.base, JSON.stringify([click(1, 1, { t: old })]))).status).toBe(202);
    expect((await (await fetch(`${trusting.base}${query}`)).json()).total).toBe(1);
  });

  it('does not let __proto__ or constructor keys pollute prototypes, at any depth', async () => {
    const { base, tracker } = await serve();
    const event = JSON.stringify(click(3, 3)).slice(1, -1);
    const bodies = [
      `[{"__proto__":{"polluted":1},${event}}]`,
      `{"__proto__":{"polluted":1},"events":[{${event}}]}`,
      `[{"constructor":{"prototype":{"polluted":1}},${event}}]`,
      `[{${event},"nested":{"deep":[{"__proto__":{"polluted":1}}]}}]`,
      `[{"\\u005f_proto__":{"polluted":1},${event}}]`,
      `{"events":[{${event}}],"constructor":{"prototype":{"polluted":1}}}`,
    ];
    for (const body of bodies) {
      const res = await post(base, body, 'text/plain');
      expect(res.status, body).toBe(202);
      expect(await res.json()).toEqual({ accepted: 1, rejected: [] });
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect((Object.prototype as { polluted?: unknown }).polluted).toBeUndefined();
    expect(tracker.stats().accepted).toBe(bodies.length);
  });

  it('answers 503 with Retry-After when the tracker is overloaded or closed', async () => {
    const { base, tracker, handler } = await serve({ retryAfterSeconds: 2 });
    const stats = tracker.stats.bind(tracker);
    let overloaded = true;
    tracker.stats = () => ({ ...stats(), overloaded, health: overloaded ? 'overloaded' : 'ok' });
    Object.defineProperty(tracker, 'overloaded', { get: () => overloaded });
    const res = await post(base, JSON.stringify([click(1, 1)]));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(await res.json()).toMatchObject({ code: 'OVERLOADED' });
    const health = await fetch(`${base}/mt/health`);
    expect(health.status).toBe(503);

    // Every event of the batch refused as overloaded (the journal buffer was full) is a 503 too…
    overloaded = false;
    const track = tracker.track.bind(tracker);
    tracker.track = (input: unknown) => ({
      accepted: 0,
      rejected: (input as unknown[]).map((_, index) => ({ index, reason: 'overloaded' as const })),
    });
    expect((await post(base, JSON.stringify([click(1, 1), click(2, 2)]))).status).toBe(503);
    // …but a batch with only bad events is a 202 that names them.
    tracker.track = track;
    expect((await post(base, JSON.stringify([{ kind: 'tap' }]))).status).toBe(202);

    await tracker.close();
    const closed = await post(base, JSON.stringify([click(1, 1)]));
    expect(closed.status).toBe(503);
    expect(closed.headers.get('retry-after')).toBe('2');
    // The HTTP layer counts the batches it dropped; the tracker never saw the first one.
    expect(handler.stats()).toEqual({
      collectRequests: 4,
      accepted: 1,
      overloaded: 3,
      invalidBody: 0,
      tooLarge: 0,
      unsupportedMediaType: 0,
      aborted: 0,
      internalErrors: 0,
    });
  });

  it('answers 503 when a real tracker refuses events past cache.maxPendingBytes', async () => {
    // A storage whose merges never finish: unmerged deltas pile up past the limit.
    const { MemoryStorage } = await import('monkeytracker');
    const storage = new MemoryStorage();
    storage.merge = () => new Promise(() => {});
    const { base, tracker } = await serve({}, { storage, cache: { maxPendingBytes: 1, flushTimeoutMs: 1 } });
    expect((await post(base, JSON.stringify([click(1, 1)]))).status).toBe(202);
    void tracker.flush().catch(() => {}); // cuts the live builder into a pending delta
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tracker.stats().overloaded).toBe(true);
    const res = await post(base, JSON.stringify([click(1, 1)]));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    tracker.close = async () => {}; // its flush could never finish
  });
});

describe('GET {prefix}/heatmap', () => {
  it('answers the heatmap with top and minCount applied on the server', async () => {
    const { base } = await serve();
    const events = [click(1, 1), click(2, 2), click(3, 3), click(55, 55), click(55, 56), click(99, 99)];
    await post(base, JSON.stringify(events));
    const res = await fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}&top=1&_=123`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({
      cellSize: 10,
      total: 6,
      max: 3,
      cellCount: 3,
      cells: [{ x: 0, y: 0, count: 3 }],
    });
    const min = await (
      await fetch(`${base}/mt/heatmap?url=/p&kind=click&bucket=4&from=${DAY}&to=${DAY}&minCount=2`)
    ).json();
    expect(min.cells).toEqual([
      { x: 0, y: 0, count: 3 },
      { x: 50, y: 50, count: 2 },
    ]);
  });

  it('answers element mode: the elements clicked, with inner grids and the top elements', async () => {
    const { base } = await serve();
    const on = (sel: string, ox: number, oy: number) => ({ ...click(100, 200), sel, ox, oy, ew: 80, eh: 40 });
    const events = [on('#buy', 500, 500), on('#buy', 510, 520), on('[data-mt="nav"]>a', 0, 999), click(5, 5)];
    expect((await post(base, JSON.stringify(events))).status).toBe(202);
    const search = `url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`;
    const res = await fetch(`${base}/mt/heatmap?${search}&mode=element&top=1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      mode: 'element',
      total: 3,
      max: 2,
      cellMax: 2,
      elementCount: 2,
      grid: { cells: 20, units: 50 },
      elements: [
        {
          selector: '#buy',
          count: 2,
          share: 2 / 3,
          box: { x: 60, y: 180, width: 80, height: 40 },
          cells: [{ x: 500, y: 500, count: 2 }],
        },
      ],
      topElements: [
        { selector: '#buy', count: 2, share: 2 / 3 },
        { selector: '[data-mt="nav"]>a', count: 1, share: 1 / 3 },
      ],
    });
    // Page mode still counts every click, with or without an element.
    expect((await (await fetch(`${base}/mt/heatmap?${search}&mode=page`)).json()).total).toBe(4);
    const scroll = await fetch(
      `${base}/mt/heatmap?url=/p&kind=scroll&vw=1280&from=${DAY}&to=${DAY}&mode=element`,
    );
    expect(scroll.status).toBe(400);
    expect(await scroll.json()).toMatchObject({ code: 'INVALID_QUERY', field: 'kind' });
    const bad = await fetch(`${base}/mt/heatmap?${search}&mode=elements`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'INVALID_QUERY', field: 'mode' });
  });

  it('refuses malformed element fields with the reason, keeping the valid events of the batch', async () => {
    const { base, tracker } = await serve();
    const events = [
      { ...click(1, 1), sel: 'div p', ox: 1, oy: 1, ew: 1, eh: 1 },
      { ...click(1, 1), sel: '#ok', ox: 1, oy: 1 },
      { ...click(1, 1), sel: '#ok', ox: 1, oy: 1, ew: 1, eh: 1 },
    ];
    const res = await post(base, JSON.stringify(events));
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({
      accepted: 1,
      rejected: [
        { index: 0, reason: 'element' },
        { index: 1, reason: 'element' },
      ],
    });
    expect(tracker.stats().rejected).toMatchObject({ element: 2 });
  });

  it('answers 400 naming the bad parameter', async () => {
    const { base } = await serve();
    const ok = `url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`;
    const cases: [string, string, string][] = [
      [`kind=click&vw=1280&from=${DAY}&to=${DAY}`, 'url', 'INVALID_QUERY'],
      [`url=/p&vw=1280&from=${DAY}&to=${DAY}`, 'kind', 'INVALID_QUERY'],
      [`url=/p&kind=tap&vw=1280&from=${DAY}&to=${DAY}`, 'kind', 'INVALID_QUERY'],
      [`url=/p&kind=click&from=${DAY}&to=${DAY}`, 'vw', 'INVALID_QUERY'],
      [`${ok}&vw=wide`, 'vw', 'INVALID_QUERY'],
      [`url=/p&kind=click&vw=1280&from=2024-6-1&to=${DAY}`, 'from', 'INVALID_RANGE'],
      [`url=/p&kind=click&vw=1280&from=${DAY}`, 'to', 'INVALID_RANGE'],
      [`url=/p&kind=click&vw=1280&from=2024-06-11&to=2024-06-10`, 'from', 'INVALID_RANGE'],
      [`url=/p&kind=click&vw=1280&from=2020-01-01&to=${DAY}`, 'to', 'INVALID_RANGE'],
      [`${ok}&top=-1`, 'top', 'INVALID_QUERY'],
      [`${ok}&minCount=1.5`, 'minCount', 'INVALID_QUERY'],
      [`url=/p&kind=click&bucket=99&from=${DAY}&to=${DAY}`, 'bucket', 'INVALID_QUERY'],
    ];
    for (const [search, field, code] of cases) {
      const res = await fetch(`${base}/mt/heatmap?${search}`);
      expect(res.status, search).toBe(400);
      const body = await res.json();
      expect(body, search).toMatchObject({ code, field });
      expect(body.error).toContain(field === 'from' || field === 'to' ? '' : field);
      expect(body.error).not.toContain('[monkeytracker]');
    }
  });

  it('is off with query: false, for public ingest nodes', async () => {
    const { base } = await serve({ query: false });
    const res = await fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`);
    expect(res.status).toBe(404);
    expect((await post(base, JSON.stringify([click(1, 1)]))).status).toBe(202);
    expect(await (await fetch(`${base}/mt/health`)).json()).toEqual({ status: 'ok' });
  });

  it('answers 500 without details when the storage fails, and reports the error', async () => {
    const errors: Error[] = [];
    const { MemoryStorage } = await import('monkeytracker');
    const storage = new MemoryStorage();
    storage.get = async () => {
      throw new Error('disk on fire at /secret/path');
    };
    const { base } = await serve({}, { storage, onError: (e) => errors.push(e) });
    const res = await fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: "an unexpected error; details go to the tracker's onError, never to the client",
      code: 'INTERNAL',
    });
    expect(errors.map((e) => e.message)).toEqual(['disk on fire at /secret/path']);
  });
});

describe('routing, health and CORS', () => {
  it('answers 404 under the prefix, 405 for wrong methods, and next() or 404 outside it', async () => {
    const { base } = await serve();
    expect((await fetch(`${base}/mt/nope`)).status).toBe(404);
    expect((await fetch(`${base}/mt`)).status).toBe(404);
    expect((await fetch(`${base}/mt/collect/`)).status).toBe(404);
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${base}/mtx/collect`, { method: 'POST', body: '[]' })).status).toBe(404);
    const get = await fetch(`${base}/mt/collect`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST, OPTIONS');
    expect((await get.json()).code).toBe('METHOD_NOT_ALLOWED');
    expect((await fetch(`${base}/mt/heatmap`, { method: 'POST', body: '[]' })).status).toBe(405);

    const tracker = await createTracker({ now: () => NOW });
    cleanup.push(() => tracker.close());
    const handler = handlerOf(tracker, { prefix: '/api/heat/' });
    const passed: string[] = [];
    const other = await listen((req, res) =>
      handler(req, res, () => {
        passed.push(req.url ?? '');
        res.end('host');
      }),
    );
    expect(await (await fetch(`${other}/mt/collect`)).text()).toBe('host');
    expect((await post(other, JSON.stringify([click(1, 1)]), 'text/plain', '/api/heat/collect')).status).toBe(
      202,
    );
    expect((await fetch(`${other}/api/heat/collect?x=1`, { method: 'POST', body: '[]' })).status).toBe(202);
    expect(passed).toEqual(['/mt/collect']);
  });

  it('serves at the root with prefix ""', async () => {
    const { base } = await serve({ prefix: '' });
    expect((await post(base, JSON.stringify([click(1, 1)]), 'text/plain', '/collect')).status).toBe(202);
    expect((await fetch(`${base}/anything`)).status).toBe(404);
  });

  it('reports health to anyone in one word, and the stats only to authorized readers', async () => {
    const { base } = await serve();
    await post(base, JSON.stringify([click(1, 1)]));
    await post(base, 'nope');
    const res = await fetch(`${base}/mt/health`);
    expect(res.status).toBe(200);
    // This client is on loopback: without authorize, it may read.
    expect(await res.json()).toMatchObject({
      status: 'ok',
      stats: { accepted: 1, health: 'ok' },
      http: { collectRequests: 2, accepted: 1, invalidBody: 1 },
    });
    const denied = await serve({ authorize: () => false });
    expect(await (await fetch(`${denied.base}/mt/health`)).json()).toEqual({ status: 'ok' });
  });

  it('answers preflights and sets CORS headers for allowed origins only', async () => {
    const { base } = await serve({ cors: ['https://shop.example', 'https://blog.example/'] });
    const preflight = (origin: string, path = '/mt/collect') =>
      fetch(`${base}${path}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        },
      });
    const ok = await preflight('https://shop.example');
    expect(ok.status).toBe(204);
    expect(Object.fromEntries(ok.headers)).toMatchObject({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-max-age': '86400',
      vary: 'Origin',
    });
    expect((await preflight('https://blog.example')).headers.get('access-control-allow-origin')).toBe(
      'https://blog.example',
    );
    const denied = await preflight('https://evil.example');
    expect(denied.status).toBe(204);
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    expect(denied.headers.get('access-control-allow-methods')).toBeNull();
    expect((await preflight('https://shop.example', '/mt/nope')).status).toBe(404);

    const allowed = await fetch(`${base}/mt/collect`, {
      method: 'POST',
      body: JSON.stringify([click(1, 1)]),
      headers: { origin: 'https://shop.example', 'content-type': 'text/plain' },
    });
    expect(allowed.status).toBe(202);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(allowed.headers.get('vary')).toBe('Origin');
    // A no-cors beacon from another origin is still counted; the browser just cannot read the answer.
    const beacon = await fetch(`${base}/mt/collect`, {
      method: 'POST',
      body: JSON.stringify([click(1, 1)]),
      headers: { origin: 'https://evil.example', 'content-type': 'text/plain' },
    });
    expect(beacon.status).toBe(202);
    expect(beacon.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('takes * or a function for cors, and no CORS headers without the option', async () => {
    const star = await serve({ cors: '*' });
    const a = await fetch(`${star.base}/mt/health`, { headers: { origin: 'https://any.example' } });
    expect(a.headers.get('access-control-allow-origin')).toBe('*');

    const fn = await serve({ cors: (origin) => origin.endsWith('.shop.example') });
    const b = await fetch(`${fn.base}/mt/health`, { headers: { origin: 'https://eu.shop.example' } });
    expect(b.headers.get('access-control-allow-origin')).toBe('https://eu.shop.example');
    const c = await fetch(`${fn.base}/mt/health`, { headers: { origin: 'https://shop.example.evil' } });
    expect(c.headers.get('access-control-allow-origin')).toBeNull();

    const none = await serve();
    const d = await fetch(`${none.base}/mt/collect`, {
      method: 'OPTIONS',
      headers: { origin: 'https://x.example' },
    });
    expect(d.status).toBe(204);
    expect(d.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects bad options with TrackerOptionError', async () => {
    const tracker = await createTracker();
    cleanup.push(() => tracker.close());
    for (const options of [
      { prefix: 'mt' },
      { prefix: '/mt?x' },
      { maxBodyBytes: 0 },
      { maxBodyBytes: 1.5 },
      { retryAfterSeconds: -1 },
      { cors: 'https://shop.example' },
      { cors: [1] },
    ]) {
      expect(() => handlerOf(tracker, options as HandlerOptions), JSON.stringify(options)).toThrow(
        TrackerOptionError,
      );
    }
  });
});
