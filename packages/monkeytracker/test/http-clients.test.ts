/**
 * The HTTP handler mounted in `node:http`, Express 5 and Fastify 5, against well-behaved and
 * hostile clients: oversize bodies (declared and chunked), a client that sends one byte every
 * 50 ms, one that disconnects mid-body. The server must stay up and answer everyone else.
 */
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { createTracker, type Tracker } from 'monkeytracker';
import { monkeytrackerFastify } from 'monkeytracker/fastify';
import { createHandler, type HandlerOptions, type HandlerStats } from 'monkeytracker/http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

const NOW = Date.UTC(2024, 5, 10, 12);
const DAY = '2024-06-10';
const click = (x: number, y: number) => ({ kind: 'click', url: '/p', x, y, vw: 1280, vh: 700 });
const batch = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => click(i, i)));

// Any exception that escapes a request (an unhandled 'error' event of a reset socket) fails the run.
const uncaught: unknown[] = [];
const onUncaught = (err: unknown) => uncaught.push(err);
beforeAll(() => {
  process.on('uncaughtException', onUncaught);
});
afterAll(() => {
  process.off('uncaughtException', onUncaught);
});

afterEach(() => {
  expect(uncaught).toEqual([]);
});

type Mount = (
  tracker: Tracker,
  options: HandlerOptions,
) => Promise<{ port: number; close(): Promise<void>; stats(): HandlerStats }>;

async function listenNode(server: Server, stats: () => HandlerStats) {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    stats,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MOUNTS: Record<string, Mount> = {
  'node:http': (tracker, options) => {
    const handler = createHandler(tracker, options);
    return listenNode(
      createServer((req, res) => handler(req, res)),
      () => handler.stats(),
    );
  },
  'Express app.use(tracker.handler())': (tracker, options) => {
    const handler = tracker.handler(options);
    const app = express();
    app.use(handler);
    app.get('/hello', (_req, res) => {
      res.send('hello from express');
    });
    return listenNode(createServer(app), () => handler.stats());
  },
  "Express app.use('/mt', handler) after express.json()": (tracker, options) => {
    const handler = createHandler(tracker, options);
    const app = express();
    app.use(express.json());
    app.use('/mt', handler);
    app.get('/hello', (_req, res) => {
      res.send('hello from express');
    });
    return listenNode(createServer(app), () => handler.stats());
  },
  'Fastify plugin': async (tracker, options) => {
    const app: FastifyInstance = Fastify();
    await app.register(monkeytrackerFastify, { tracker, ...options });
    app.get('/hello', async () => 'hello from fastify');
    await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      port: (app.server.address() as AddressInfo).port,
      close: () => app.close(),
      stats: () => app.monkeytrackerStats(),
    };
  },
};

/** One HTTP/1.1 exchange on a raw socket: `head` (request line and headers), then `body` parts, `delayMs` apart. */
function raw(
  port: number,
  head: string,
  body: (string | Buffer)[] = [],
  options: { delayMs?: number; destroyAfter?: number; endless?: boolean } = {},
): Promise<{ status: number; text: string; sent: number; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let sent = 0;
    let closedByServer = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('end', () => {
      closedByServer = true;
    });
    socket.on('error', () => {
      closedByServer = true; // a reset while we were still writing
    });
    socket.on('close', () => {
      if (timer) clearTimeout(timer);
      resolve({ status: Number(text.slice(9, 12)) || 0, text, sent, closedByServer });
    });
    const write = (chunk: string | Buffer) => {
      if (socket.destroyed) return false;
      socket.write(chunk);
      sent += chunk.length;
      return true;
    };
    write(head);
    let i = 0;
    const step = () => {
      if (socket.destroyed) return;
      if (options.destroyAfter !== undefined && i >= options.destroyAfter) {
        socket.destroy();
        return;
      }
      if (options.endless) {
        // Keep writing until the server closes or 16 MiB went out.
        if (sent > 16 * 2 ** 20) return reject(new Error('the server read 16 MiB of an oversize body'));
        if (!write(body[0] as Buffer)) return;
        i++;
        timer = setTimeout(step, options.delayMs ?? 0);
        return;
      }
      if (i >= body.length) {
        // Done writing: wait for the answer, then hang up.
        const wait = setInterval(() => {
          if (/\r\n\r\n/.test(text) && text.length >= expectedLength(text)) {
            clearInterval(wait);
            socket.end();
          }
        }, 5);
        socket.on('close', () => clearInterval(wait));
        return;
      }
      write(body[i++] as string | Buffer);
      timer = setTimeout(step, options.delayMs ?? 0);
    };
    step();
  });
}

function expectedLength(text: string): number {
  const headEnd = text.indexOf('\r\n\r\n') + 4;
  const m = /content-length: (\d+)/i.exec(text.slice(0, headEnd));
  return headEnd + (m ? Number(m[1]) : 0);
}

const head = (port: number, length: number | 'chunked', type = 'text/plain') =>
  `POST /mt/collect HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: ${type}\r\n${
    length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`
  }\r\n\r\n`;

for (const [name, mount] of Object.entries(MOUNTS)) {
  describe(name, () => {
    let tracker: Tracker;
    let port: number;
    let base: string;
    let close: () => Promise<void>;
    let stats: () => HandlerStats;

    beforeAll(async () => {
      tracker = await createTracker({ now: () => NOW });
      const server = await mount(tracker, { maxBodyBytes: 16 * 1024 });
      stats = server.stats;
      port = server.port;
      base = `http://127.0.0.1:${port}`;
      close = server.close;
    });
    afterAll(async () => {
      await close();
      await tracker.close();
    });

    const collect = (body: string, type = 'application/json') =>
      fetch(`${base}/mt/collect`, { method: 'POST', body, headers: { 'content-type': type } });

    it('collects JSON and beacon bodies, answers the heatmap, and leaves other routes to the host', async () => {
      const before = tracker.stats().accepted;
      const a = await collect(batch(20));
      expect(a.status).toBe(202);
      expect(await a.json()).toEqual({ accepted: 20, rejected: [] });
      const b = await collect(
        JSON.stringify({ events: [click(1, 1), { kind: 'tap' }] }),
        'text/plain;charset=UTF-8',
      );
      expect(b.status).toBe(202);
      expect(await b.json()).toEqual({ accepted: 1, rejected: [{ index: 1, reason: 'kind' }] });
      expect(tracker.stats().accepted - before).toBe(21);
      const map = await fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=${DAY}&to=${DAY}`);
      expect(map.status).toBe(200);
      expect((await map.json()).total).toBe(tracker.stats().accepted);
      const bad = await fetch(`${base}/mt/heatmap?url=/p&kind=click&vw=1280&from=june&to=${DAY}`);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: 'INVALID_RANGE', field: 'from' });
      expect((await fetch(`${base}/mt/unknown`)).status).toBe(404);
      const hello = await fetch(`${base}/hello`);
      if (name !== 'node:http') expect(await hello.text()).toMatch(/^hello from/);
      else expect(hello.status).toBe(404);
    });

    it('answers 400, 415 and 413 and goes on serving', async () => {
      expect((await collect('{"events": nope')).status).toBe(400);
      expect((await collect('{"events": 1}')).status).toBe(400);
      expect((await collect(batch(1), 'application/x-www-form-urlencoded')).status).toBe(415);
      const declared = await raw(port, head(port, 10 * 2 ** 20));
      expect(declared.status).toBe(413);
      expect(declared.text).toMatch(/connection: close/i);
      expect(declared.sent).toBeLessThan(1024);
      expect((await collect(batch(2))).status).toBe(202);
    });

    it('stops reading a chunked body past maxBodyBytes and closes the connection', async () => {
      const chunk = Buffer.from(`4000\r\n${'x'.repeat(0x4000)}\r\n`);
      const result = await raw(port, head(port, 'chunked'), [chunk], { endless: true, delayMs: 1 });
      expect(result.status).toBe(413);
      expect(result.closedByServer).toBe(true);
      // The kernel buffers a little more than was read; the handler itself stopped at 16 KiB.
      expect(result.sent).toBeLessThan(2 ** 20);
      expect((await collect(batch(1))).status).toBe(202);
    });

    it('serves other clients while one sends a byte every 50 ms', async () => {
      const body = batch(1);
      const slow = raw(port, head(port, body.length), [...body.slice(0, 20)].concat(body.slice(20)), {
        delayMs: 50,
      });
      const started = Date.now();
      for (let i = 0; i < 20; i++) expect((await collect(batch(5))).status).toBe(202);
      expect(Date.now() - started).toBeLessThan(1500); // not held up behind the slow body
      const result = await slow;
      expect(result.status).toBe(202);
      expect(result.text).toContain('{"accepted":1,"rejected":[]}');
    });

    it('survives clients that disconnect mid-body, and counts none of their events', async () => {
      const before = tracker.stats().accepted;
      const abortedBefore = stats().aborted;
      const body = batch(20);
      const half = body.slice(0, body.length >> 1);
      const gone = await Promise.all(
        Array.from({ length: 10 }, () =>
          raw(port, head(port, body.length), [half], { destroyAfter: 1, delayMs: 20 }),
        ),
      );
      expect(gone.every((g) => g.status === 0)).toBe(true);
      // Chunked bodies cut off mid-chunk too.
      await raw(port, head(port, 'chunked'), [`${half.length.toString(16)}\r\n${half.slice(0, 50)}`], {
        destroyAfter: 1,
        delayMs: 20,
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(tracker.stats().accepted).toBe(before);
      expect(stats().aborted - abortedBefore).toBe(11);
      const ok = await collect(batch(3));
      expect(ok.status).toBe(202);
      expect(tracker.stats().accepted).toBe(before + 3);
    });

    it('answers many concurrent good and bad requests correctly', async () => {
      const before = tracker.stats().accepted;
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          i % 3 === 0
            ? collect('not json').then((r) => r.status)
            : i % 3 === 1
              ? collect(batch(10)).then((r) => r.status)
              : collect(batch(1), 'text/html').then((r) => r.status),
        ),
      );
      expect(results.filter((s) => s === 202)).toHaveLength(20);
      expect(results.filter((s) => s === 400)).toHaveLength(20);
      expect(results.filter((s) => s === 415)).toHaveLength(20);
      expect(tracker.stats().accepted - before).toBe(200);
    });
  });
}
