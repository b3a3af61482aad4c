/**
 * Starts the repository's MongoDB wire-protocol test server: FerretDB 1.24.2 (the Go program in
 * this folder) over a throwaway PostgreSQL when one can be started here, else over SQLite.
 * PostgreSQL is the fast backend (the facade's FerretDB end-to-end test: 47 s against 638 s on
 * SQLite); SQLite needs nothing installed. Used by the vitest globalSetup and the benchmarks.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const FERRETDB_BINARY = join(here, 'bin', 'ferretdb-test-server');

/** A running test server. */
export interface TestServer {
  uri: string;
  /** What it is, for test names and benchmark reports. */
  name: string;
  /** Why PostgreSQL was not used, when it was not. */
  fallbackReason?: string;
  stop(): Promise<void>;
}

/** Builds the FerretDB test server (cached in `bin/`) when the binary is missing. */
export function buildFerretDb(): void {
  if (existsSync(FERRETDB_BINARY)) return;
  mkdirSync(dirname(FERRETDB_BINARY), { recursive: true });
  execFileSync('go', ['build', '-o', FERRETDB_BINARY, '.'], { cwd: here, stdio: 'inherit' });
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** The directory of PostgreSQL's server binaries: `MT_PG_BIN`, or Debian's newest `/usr/lib/postgresql/N/bin`. */
function postgresBin(): string | undefined {
  if (process.env.MT_PG_BIN) return process.env.MT_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/**
 * Starts a throwaway PostgreSQL on a free loopback port (fsync off: test data only). PostgreSQL
 * refuses to run as root, so as root it runs as the `postgres` user through `runuser`. The server
 * is a child that stops when this process's pipe to it closes, so a killed test run leaves none.
 */
async function startPostgres(): Promise<{ url: string; stop(): Promise<void> }> {
  const bin = postgresBin();
  if (bin === undefined)
    throw new Error('PostgreSQL server binaries not found (apt-get install postgresql, or set MT_PG_BIN)');
  const root = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'mt-pg-'));
  const as = (cmd: string, args: string[]) =>
    (root ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args]) as [string, string[]];
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const init = spawnSync(
    ...as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']),
    {
      encoding: 'utf8',
    },
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${(init.stderr || init.error?.message || '').trim().split('\n').pop()}`);
  }
  const port = await freePort();
  const postgres = [
    join(bin, 'postgres'),
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=300',
    '-c',
    'log_min_messages=fatal',
  ];
  // The shell keeps postgres until its stdin (our pipe) closes, then shuts it down at once.
  const script = '"$@" & pid=$!; cat >/dev/null; kill -QUIT $pid 2>/dev/null; wait $pid';
  const child = spawn(...as('sh', ['-c', script, 'sh', ...postgres]), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const stop = async () => {
    child.stdin?.end();
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
      setTimeout(() => {
        child.kill('SIGKILL');
        resolve();
      }, 5000).unref();
    });
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = spawnSync(join(bin, 'pg_isready'), ['-q', '-h', '127.0.0.1', '-p', String(port)]);
    if (ready.status === 0) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PostgreSQL did not start: ${stderr.trim().split('\n').pop() ?? 'timeout'}`);
    }
    await sleep(50);
  }
  const created = spawnSync(
    join(bin, 'createdb'),
    ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'ferretdb'],
    {
      encoding: 'utf8',
    },
  );
  if (created.status !== 0) {
    await stop();
    throw new Error(`createdb failed: ${created.stderr.trim()}`);
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/ferretdb`, stop };
}

/** Starts the FerretDB test server and resolves with its URI once it answers. */
export function startFerretDb(
  options: { postgresUrl?: string } = {},
): Promise<{ uri: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-ferretdb-'));
  // ERROR+4 silences the postgresql handler, which logs every lost version claim at ERROR.
  const args = ['-listen', '127.0.0.1:0', '-dir', dir, '-watch-stdin', '-log-level', 'ERROR+4'];
  if (options.postgresUrl) args.push('-postgresql-url', options.postgresUrl);
  const child = spawn(FERRETDB_BINARY, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('FerretDB test server did not report ready within 30 s'));
    }, 30_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`FerretDB test server exited early with code ${code}`));
    });
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^ready (\S+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ uri: m[1]!, child, dir });
    });
  });
}

/**
 * Builds (once) and starts FerretDB, over PostgreSQL when it can be started here
 * (`MT_FERRETDB_BACKEND=sqlite` forces SQLite), else over SQLite with the reason in
 * `fallbackReason`.
 */
export async function startTestServer(): Promise<TestServer> {
  buildFerretDb();
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  let fallbackReason: string | undefined;
  if (process.env.MT_FERRETDB_BACKEND === 'sqlite') fallbackReason = 'MT_FERRETDB_BACKEND=sqlite';
  else {
    try {
      postgres = await startPostgres();
    } catch (err) {
      fallbackReason = (err as Error).message;
    }
  }
  let ferret: Awaited<ReturnType<typeof startFerretDb>>;
  try {
    ferret = await startFerretDb({ postgresUrl: postgres?.url });
  } catch (err) {
    await postgres?.stop();
    throw err;
  }
  return {
    uri: ferret.uri,
    name: postgres ? 'FerretDB 1.24.2 over PostgreSQL' : 'FerretDB 1.24.2 over SQLite',
    fallbackReason,
    async stop() {
      ferret.child.stdin?.end();
      ferret.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      rmSync(ferret.dir, { recursive: true, force: true });
      await postgres?.stop();
    },
  };
}
