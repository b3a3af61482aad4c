/**
 * A MongoDB wire-protocol server for benchmarks: `MONGODB_URI` when set, else the repository's
 * FerretDB test server (built on first use). The name is reported beside every figure, because
 * FerretDB over SQLite is not MongoDB.
 */
import { buildFerretDb, startFerretDb } from '../../tools/ferretdb-test-server/global-setup.ts';

/** A running server and how to stop it. */
export interface BenchMongo {
  uri: string;
  name: string;
  stop(): Promise<void>;
}

/** Starts (or points at) a server; `undefined` with a reason when none can be had. */
export async function startBenchMongo(): Promise<BenchMongo | { unavailable: string }> {
  if (process.env.MONGODB_URI) {
    return { uri: process.env.MONGODB_URI, name: 'MongoDB at MONGODB_URI', stop: async () => {} };
  }
  try {
    buildFerretDb();
    const { uri, child } = await startFerretDb();
    return {
      uri,
      name: 'FerretDB 1.24.2 over SQLite (not MongoDB)',
      stop: async () => {
        child.stdin?.end();
        child.kill('SIGTERM');
      },
    };
  } catch (err) {
    return { unavailable: `no MongoDB server: ${(err as Error).message}` };
  }
}
