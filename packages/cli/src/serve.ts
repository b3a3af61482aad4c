import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createViewer } from '@monkeytracker/viewer';
import { createTracker } from 'monkeytracker';
import { bearerToken, createHandler } from 'monkeytracker/http';
import { integerFlag, parseCommand } from './args';
import { CliError, CliUsageError } from './errors';
import { runWorkers, SHUTDOWN_MESSAGE, workerIndex } from './serve-workers';
import { describeMongo, openMongoStorage, STORAGE_OPTIONS } from './storage';

/** `--help` of `monkeytracker serve`. */
export const SERVE_HELP = `Usage: monkeytracker serve [--port 3000] [--host 127.0.0.1] [--journal ./data/journal]
                           [--mongodb URI [--db D] [--collection C] [--skip-storage-check]] [--prefix /mt]
                           [--cors ORIGIN ...] [--time-zone ZONE] [--site ID=HOST,HOST ...]
                           [--read-token TOKEN] [--ingest-only]
                           [--page-origin ORIGIN] [--no-viewer] [--workers N]

Runs a tracker behind the HTTP handler: POST {prefix}/collect, GET {prefix}/heatmap,
GET {prefix}/pages, GET {prefix}/health, and the heatmap dashboard at {prefix}/viewer/.
By default indexes live in memory and the journal is re-read on start (the embedded
default); with --mongodb they live in MongoDB.

Reads (heatmaps, detailed health) answer only to loopback clients unless --read-token
(or the MONKEYTRACKER_READ_TOKEN environment variable) is set: then they need
Authorization: Bearer TOKEN from anywhere (the dashboard asks for the token once and
keeps it in a same-site cookie). Collect is open.

Options:
  --port N            port (default 3000; 0 picks a free one, printed on start)
  --host H            interface (default 127.0.0.1; 0.0.0.0 for every interface)
  --journal DIR       the journal directory (default ./data/journal)
  --mongodb URI       keep indexes in MongoDB (needs @monkeytracker/storage-mongodb and mongodb)
  --db D              database (default monkeytracker)
  --collection C      collection (default indexes)
  --skip-storage-check  start even when MongoDB does not answer (merges retry in the
                      background); by default serve exits within 5 s if it cannot connect
  --prefix P          path prefix of the endpoints (default /mt)
  --cors ORIGIN       allow browser calls from ORIGIN (repeat it; * for any origin)
  --time-zone ZONE    IANA zone of day boundaries (default UTC)
  --site ID=HOSTS     collect for site ID on these comma-separated hosts (repeat it);
                      events for other hosts are refused. Default: one site for all
  --read-token T      the bearer token reads need (at least 16 characters); also
                      MONKEYTRACKER_READ_TOKEN, which keeps it out of the process list
  --ingest-only       no read endpoints and no dashboard (public ingest nodes)
  --page-origin O     where the dashboard loads the tracked pages from, beneath the heat
                      (default: https:// and the first host of each --site, else this
                      server's own origin); the pages must allow being framed by it
  --no-viewer         no dashboard at {prefix}/viewer/
  --workers N         N processes on one port (node:cluster), each with its own tracker and
                      journal (DIR/worker-0 … DIR/worker-N-1); needs --mongodb, which they
                      share. A worker that dies is restarted on its journal (at most 3 times
                      a minute). Reads answer from MongoDB plus that worker's live events:
                      other workers' events show once they merge (the flush interval, 5 s)
  --debug             print stack traces of errors
  -h, --help          show this help

SIGINT or SIGTERM stops accepting requests, flushes the journal and the live indexes,
closes the tracker and exits 0.`;

/** `monkeytracker serve`: resolves with the exit code once the server has shut down. */
export async function serveCommand(argv: string[]): Promise<number> {
  const flags = parseCommand('serve', argv, {
    port: { type: 'string' },
    host: { type: 'string' },
    journal: { type: 'string' },
    ...STORAGE_OPTIONS,
    prefix: { type: 'string' },
    cors: { type: 'string', multiple: true },
    'time-zone': { type: 'string' },
    site: { type: 'string', multiple: true },
    'read-token': { type: 'string' },
    'ingest-only': { type: 'boolean' },
    'skip-storage-check': { type: 'boolean' },
    'page-origin': { type: 'string' },
    'no-viewer': { type: 'boolean' },
    workers: { type: 'string' },
  });
  if (flags.help) {
    process.stdout.write(`${SERVE_HELP}\n`);
    return 0;
  }
  const port = integerFlag('serve', 'port', flags.port, 3000, 0, 65535);
  const host = flags.host ?? '127.0.0.1';
  const workers = integerFlag('serve', 'workers', flags.workers, 1, 1, 64);
  if (workers > 1 && flags.mongodb === undefined) {
    throw new CliUsageError(
      '--workers above 1 needs --mongodb: each worker has its own memory, so they share indexes through MongoDB',
      { command: 'serve' },
    );
  }
  const worker = workerIndex();
  const baseDir = flags.journal ?? './data/journal';
  const dir = worker === undefined ? baseDir : join(baseDir, `worker-${worker}`);
  const sites = flags.site?.map((flag) => {
    const m = /^([^=]+)=(.+)$/.exec(flag);
    if (!m)
      throw new CliUsageError(
        `--site must look like shop=shop.example,www.shop.example, got ${JSON.stringify(flag)}`,
        { command: 'serve' },
      );
    return { id: m[1]!, hosts: m[2]!.split(',') };
  });
  const token = flags['read-token'] ?? process.env.MONKEYTRACKER_READ_TOKEN;
  if (token !== undefined && token.length < 16) {
    throw new CliUsageError('--read-token (MONKEYTRACKER_READ_TOKEN) must be at least 16 characters', {
      command: 'serve',
    });
  }
  // Created before anything opens, so a bad --page-origin exits without touching the journal.
  const viewer =
    flags['ingest-only'] || flags['no-viewer']
      ? undefined
      : createViewer({
          pageOrigin:
            flags['page-origin'] ??
            (sites &&
              ((site: string) => {
                const host = sites.find((s) => s.id === site)?.hosts[0];
                return host === undefined ? undefined : `https://${host}`;
              })),
          sites,
        });
  const mongo = flags.mongodb === undefined ? undefined : { ...flags, mongodb: flags.mongodb };
  if (workers > 1 && worker === undefined) {
    return runWorkers(workers, {
      host: host.includes(':') ? `[${host}]` : host,
      prefix: (flags.prefix ?? '/mt').replace(/\/+$/, ''),
      where: `${describeMongo(mongo!)}, journals ${join(baseDir, 'worker-0')} … worker-${workers - 1}`,
      viewer: viewer !== undefined,
    });
  }
  const storage = mongo ? await openMongoStorage(mongo) : undefined;
  const tracker = await createTracker({
    journal: { dir },
    storage,
    sites,
    timeZone: flags['time-zone'],
    checkStorage: mongo !== undefined && !flags['skip-storage-check'],
    onError: (err) => process.stderr.write(`monkeytracker: ${err.message}\n`),
  }).catch(async (err) => {
    await storage?.close();
    throw err;
  });
  const cors = flags.cors === undefined ? undefined : flags.cors.includes('*') ? ('*' as const) : flags.cors;
  let handler: ReturnType<typeof createHandler>;
  try {
    handler = createHandler(tracker, {
      prefix: flags.prefix,
      cors,
      query: !flags['ingest-only'],
      authorize: token === undefined ? undefined : bearerToken(token),
      viewer,
    });
  } catch (err) {
    await tracker.close();
    throw err;
  }
  const server = createServer((req, res) => handler(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await tracker.close();
    const code = (err as { code?: string }).code;
    throw new CliError(
      code === 'EADDRINUSE'
        ? `port ${port} on ${host} is in use; pick another with --port`
        : (err as Error).message,
      { cause: err },
    );
  }
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const prefix = (flags.prefix ?? '/mt').replace(/\/+$/, '');
  const where = mongo ? `${describeMongo(mongo)}, journal ${dir}` : `memory + journal ${dir}`;
  const replayed = tracker.stats().recoveredOnStart;
  if (worker === undefined)
    process.stdout.write(
      `monkeytracker listening on http://${shownHost}:${address.port}${prefix} (${where}${replayed > 0 ? `, ${replayed.toLocaleString('en')} events recovered from the journal` : ''})\n`,
    );
  if (viewer && worker === undefined)
    process.stdout.write(`  heatmap viewer http://${shownHost}:${address.port}${prefix}/viewer/\n`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number) => {
      server.closeAllConnections();
      // A worker's IPC channel would keep it alive: let go of it so the process ends.
      if (worker !== undefined) process.disconnect?.();
      resolve(code);
    };
    const close = () => {
      server.close();
      server.closeIdleConnections();
      tracker.close().then(
        () => finish(0),
        (err: Error) => {
          process.stderr.write(`monkeytracker: error: ${err.message}\n`);
          finish(1);
        },
      );
    };
    const stop = (signal: string) => {
      if (stopping) {
        process.stderr.write(`monkeytracker: ${signal} again, exiting without flushing\n`);
        process.exit(130);
      }
      stopping = true;
      process.stderr.write(
        `monkeytracker: ${worker === undefined ? '' : `worker ${worker}: `}${signal}, flushing and closing\n`,
      );
      close();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    // A worker: the primary asks once all should stop; a terminal's Ctrl+C may have asked already.
    if (worker !== undefined) {
      process.on('message', (message) => {
        if (message === SHUTDOWN_MESSAGE && !stopping) {
          stopping = true;
          close();
        }
      });
    }
  });
}
