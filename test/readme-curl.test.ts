/**
 * The READMEs' curl examples, run as written against the server each README describes (the
 * Express and Fastify example apps, and a node:http server with createHandler), on a free port
 * instead of 3000: every `# {…}` line after a command is the answer it must give.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTracker } from 'monkeytracker';
import { createHandler } from 'monkeytracker/http';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp as expressApp } from '../examples/express/src/server';
import { createApp as fastifyApp } from '../examples/fastify/src/server';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'mt-readme-curl-'));
const stops: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const stop of stops) await stop();
  rmSync(work, { recursive: true, force: true });
});

/** The curl commands of a README's sh blocks, each with the answer lines (`# …`) that follow it. */
function curlExamples(readme: string): { command: string; expected: string | undefined }[] {
  const out: { command: string; expected: string | undefined }[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const lines = block[1]!.split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]!.startsWith('curl ')) continue;
      let command = lines[i]!;
      while (command.endsWith('\\')) command = `${command.slice(0, -1)} ${lines[++i]!.trim()}`;
      const next = lines[i + 1];
      out.push({ command, expected: next?.startsWith('# {') ? next.slice(2) : undefined });
    }
  }
  return out;
}

const SERVERS: Record<string, () => Promise<string>> = {
  'packages/monkeytracker/README.md': async () => {
    const tracker = await createTracker({ journal: { dir: join(work, 'node') } });
    const handler = createHandler(tracker);
    const server = createServer((req, res) => handler(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await tracker.close();
    });
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  },
  'examples/express/README.md': async () => {
    const { app, tracker } = await expressApp({ dataDir: join(work, 'express') });
    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await tracker.close();
    });
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  },
  'examples/fastify/README.md': async () => {
    const { app } = await fastifyApp({ dataDir: join(work, 'fastify') });
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    stops.push(() => app.close());
    return address.replace('http://', '');
  },
};

describe('README curl examples answer what they claim', () => {
  it.each(Object.keys(SERVERS))('%s', async (readme) => {
    const examples = curlExamples(readFileSync(join(root, readme), 'utf8'));
    expect(examples.length, `${readme} has curl examples`).toBeGreaterThan(0);
    const host = await SERVERS[readme]!();
    for (const { command, expected } of examples) {
      // Async: the servers run in this process and must answer while curl waits.
      const { stdout: output } = await run(
        'sh',
        ['-c', `${command.replaceAll('localhost:3000', host)} --silent --show-error`],
        {
          encoding: 'utf8',
          timeout: 20_000,
        },
      );
      if (expected !== undefined) expect(JSON.parse(output), command).toEqual(JSON.parse(expected));
    }
  });
});
