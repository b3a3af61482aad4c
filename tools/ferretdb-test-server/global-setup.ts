/**
 * vitest globalSetup for the MongoDB integration tests.
 *
 * - `MONGODB_URI` set: the tests use that server (how a user tests against their own MongoDB).
 * - Otherwise: build (once, cached) and start the FerretDB test server from this folder on a
 *   free loopback port, wait for it to answer, and hand its URI to the tests.
 * - With `CI=true` a missing Go toolchain or a failed build fails the run; elsewhere the tests
 *   skip with one loud line saying how to run them.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const here = dirname(fileURLToPath(import.meta.url));
export const FERRETDB_BINARY = join(here, 'bin', 'ferretdb-test-server');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URI of the MongoDB wire-protocol server, or '' when none is available (tests skip). */
    mongodbUri: string;
    /** Which server the URI points at, for test names and benchmark reports. */
    mongodbServer: string;
  }
}

/** Builds the test server (cached in `bin/`) when the binary is missing. */
export function buildFerretDb(): void {
  if (existsSync(FERRETDB_BINARY)) return;
  mkdirSync(dirname(FERRETDB_BINARY), { recursive: true });
  execFileSync('go', ['build', '-o', FERRETDB_BINARY, '.'], { cwd: here, stdio: 'inherit' });
}

/** Starts the FerretDB test server and resolves with its URI once it answers. */
export function startFerretDb(): Promise<{ uri: string; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mt-ferretdb-'));
  const child = spawn(FERRETDB_BINARY, ['-listen', '127.0.0.1:0', '-dir', dir, '-watch-stdin'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
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

export default async function setup(project: TestProject) {
  if (process.env.MONGODB_URI) {
    project.provide('mongodbUri', process.env.MONGODB_URI);
    project.provide('mongodbServer', 'MongoDB at MONGODB_URI');
    return;
  }
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  let hasGo = true;
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    hasGo = false;
  }
  if (!hasGo && !existsSync(FERRETDB_BINARY)) {
    if (ci) throw new Error('CI=true but Go is not installed: the MongoDB integration tests cannot run.');
    console.warn(
      '\n!!! SKIPPING MongoDB integration tests: no MONGODB_URI and no Go toolchain to build the FerretDB test server.\n' +
        '!!! Install Go 1.24+ or set MONGODB_URI=mongodb://127.0.0.1:27017 and run `pnpm test` again.\n',
    );
    project.provide('mongodbUri', '');
    project.provide('mongodbServer', 'none');
    return;
  }
  buildFerretDb();
  const { uri, child, dir } = await startFerretDb();
  project.provide('mongodbUri', uri);
  project.provide('mongodbServer', 'FerretDB 1.24.2 (SQLite backend)');
  return async () => {
    child.stdin?.end();
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    rmSync(dir, { recursive: true, force: true });
  };
}
