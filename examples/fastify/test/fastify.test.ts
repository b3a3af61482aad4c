import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Heatmap } from 'monkeytracker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/server';

let dataDir: string;
let app: FastifyInstance;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mt-fastify-'));
  app = (await createApp({ dataDir })).app;
  base = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await app?.close(); // closes the tracker too (onClose hook)
  rmSync(dataDir, { recursive: true, force: true });
});

it('collects events and answers heatmaps under /mt, next to the app routes', async () => {
  const click = { kind: 'click', url: '/pricing', x: 412, y: 980, vw: 1280, vh: 720 };
  const json = await fetch(`${base}/mt/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([click, click, { ...click, x: 47 }, { ...click, x: -5 }]),
  });
  expect(json.status).toBe(202);
  expect(await json.json()).toEqual({ accepted: 3, rejected: [{ index: 3, reason: 'x' }] });
  // What sendBeacon sends: text/plain, and the { events } form.
  const beacon = await fetch(`${base}/mt/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify({ events: [{ ...click, y: 985 }] }),
  });
  expect(beacon.status).toBe(202);

  const today = new Date().toISOString().slice(0, 10);
  const response = await fetch(
    `${base}/mt/heatmap?url=/pricing&kind=click&vw=1280&from=${today}&to=${today}`,
  );
  expect(response.status).toBe(200);
  const heatmap = (await response.json()) as Heatmap;
  expect(heatmap.total).toBe(4);
  expect(heatmap.cells).toEqual([
    { x: 410, y: 980, count: 3 },
    { x: 40, y: 980, count: 1 },
  ]);

  expect(await (await fetch(`${base}/`)).json()).toMatchObject({ hello: 'world' });
  expect((await fetch(`${base}/mt/nope`)).status).toBe(404);
});

it("runs the app's own hooks for the tracker's routes, and keeps its parser off the app's routes", async () => {
  const { app: hooked } = await createApp({ dataDir: join(dataDir, 'hooked') });
  const seen: string[] = [];
  hooked.addHook('onResponse', async (request, reply) => {
    seen.push(`${request.method} ${request.url.split('?')[0]} ${reply.statusCode}`);
  });
  hooked.post('/echo', async (request) => ({ body: request.body }));
  const url = await hooked.listen({ port: 0, host: '127.0.0.1' });
  const click = { kind: 'click', url: '/pricing', x: 1, y: 1, vw: 1280, vh: 720 };
  await fetch(`${url}/mt/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: JSON.stringify([click]),
  });
  await fetch(`${url}/mt/collect`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: 'x' });
  // The app's JSON parser still serves its own routes (the plugin's raw parser is encapsulated).
  const echo = await fetch(`${url}/echo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  expect(await echo.json()).toEqual({ body: { a: 1 } });
  expect(seen).toEqual(['POST /mt/collect 202', 'POST /mt/collect 415', 'POST /echo 200']);
  await hooked.close();
});

it('serves the viewer at /mt/viewer/ (to loopback: no authorize given), with its app files', async () => {
  const index = await fetch(`${base}/mt/viewer/`);
  expect(index.status).toBe(200);
  expect(index.headers.get('content-type')).toMatch(/^text\/html/);
  const script = /<script src="(app-[0-9a-f]{10}\.js)"/.exec(await index.text())?.[1];
  const asset = await fetch(`${base}/mt/viewer/${script}`);
  expect(asset.status).toBe(200);
  expect(asset.headers.get('cache-control')).toMatch(/immutable/);
  expect((await fetch(`${base}/mt/viewer`, { redirect: 'manual' })).headers.get('location')).toBe(
    '/mt/viewer/',
  );
});
