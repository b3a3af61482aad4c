/**
 * A MongoDB wire-protocol server for benchmarks: `MONGODB_URI` when set, else the repository's
 * FerretDB test server (built on first use, over PostgreSQL when it can be started). The name is
 * reported beside every figure, because FerretDB is not MongoDB.
 */
import { startTestServer } from '../../tools/ferretdb-test-server/start-server.ts';

/** A running server and how to stop it. */
export interface BenchMongo {
  uri: string;
  name: string;
  stop(): Promise<void>;
}

/** Starts (or points at) a server; `{ unavailable }` with a reason when none can be had. */
export async function startBenchMongo(): Promise<BenchMongo | { unavailable: string }> {
  if (process.env.MONGODB_URI) {
    return { uri: process.env.MONGODB_URI, name: 'MongoDB at MONGODB_URI', stop: async () => {} };
  }
  try {
    const server = await startTestServer();
    return { uri: server.uri, name: `${server.name} (not MongoDB)`, stop: () => server.stop() };
  } catch (err) {
    return { unavailable: `no MongoDB server: ${(err as Error).message}` };
  }
}
