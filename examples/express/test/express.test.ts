import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Heatmap, Tracker } from 'monkeytracker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../src/server';

let dataDir: string;
let server: Server;
let tracker: Tracker;
let base: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mt-express-'));
  const created = await createApp({ dataDir });
  tracker = created.tracker;
  server = created.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await tracker?.close();
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

  expect(await (await fetch(`${base}/`)).text()).toContain('Hello');
  expect((await fetch(`${base}/mt/nope`)).status).toBe(404);
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
