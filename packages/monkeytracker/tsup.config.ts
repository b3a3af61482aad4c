import { packageConfig } from '../../tsup.shared';

// Three entries: the facade, `monkeytracker/http` (node:http, Express, Connect) and
// `monkeytracker/fastify` (the plugin; its types import fastify's, so it stands apart). Code
// shared by the entries is split into chunks rather than copied.
export default packageConfig({
  entry: {
    index: 'src/index.ts',
    http: 'src/http/index.ts',
    fastify: 'src/http/fastify.ts',
    metrics: 'src/metrics/index.ts',
  },
  splitting: true,
});
