/**
 * vitest globalSetup for the MongoDB integration tests.
 *
 * - `MONGODB_URI` set: the tests use that server (how a user tests against their own MongoDB).
 * - Otherwise: build (once, cached) and start the FerretDB test server from this folder on a
 *   free loopback port — over a throwaway PostgreSQL when one can be started, else over SQLite —
 *   and hand its URI to the tests.
 * - With `CI=true` a missing Go toolchain or a failed build fails the run; elsewhere the tests
 *   skip with one loud line saying how to run them.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { FERRETDB_BINARY, startTestServer } from './start-server';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The URI of the MongoDB wire-protocol server, or '' when none is available (tests skip). */
    mongodbUri: string;
    /** Which server the URI points at, for test names and benchmark reports. */
    mongodbServer: string;
  }
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(project: TestProject) {
  if (process.env.MONGODB_URI) {
    project.provide('mongodbUri', process.env.MONGODB_URI);
    project.provide('mongodbServer', 'the server at MONGODB_URI');
    return;
  }
  const ci = process.env.CI === 'true' || process.env.CI === '1';
  if (!hasGo() && !existsSync(FERRETDB_BINARY)) {
    if (ci) throw new Error('CI=true but Go is not installed: the MongoDB integration tests cannot run.');
    console.warn(
      '\n!!! SKIPPING MongoDB integration tests: no MONGODB_URI and no Go toolchain to build the FerretDB test server.\n' +
        '!!! Install Go 1.24+ or set MONGODB_URI=mongodb://127.0.0.1:27017 and run `pnpm test` again.\n',
    );
    project.provide('mongodbUri', '');
    project.provide('mongodbServer', 'none');
    return;
  }
  const server = await startTestServer();
  if (server.fallbackReason) {
    console.warn(
      `[mongodb tests] ${server.name}: PostgreSQL not used (${server.fallbackReason}); SQLite is several times slower`,
    );
  }
  project.provide('mongodbUri', server.uri);
  project.provide('mongodbServer', server.name);
  return () => server.stop();
}
