// Hive Gateway on phasegraph's committed supergraph, as a peer to measure our gateway against (`npm run bench --
// compare` starts it): verifies the bearer JWT like our gateway and signs the identity into every subgraph request.
// Environment: PORT, JWT_SECRET, SUBGRAPH_SECRET and every <NAME>_SUBGRAPH_URL of the running subgraphs.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway';
import { SUBGRAPH_NAMES, signIdentity, type Identity } from '@phasegraph/kit';
import { TokenVerifier } from '../gateway/src/authentication';
import { subgraphUrlVariable } from './support/workload';

const env = (name: string): string => process.env[name] || fail(`${name} must be set`);

function fail(message: string): never {
  throw new Error(`hive-gateway: ${message}`);
}

/**
 * The committed supergraph with each subgraph's `@join__graph(url:)` replaced by where it runs. The in-process
 * workflow subgraph has no URL: operations that touch it cannot run here, and the benchmark sends none.
 */
function supergraphFor(urls: Map<string, string>): string {
  const supergraph = readFileSync(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8');
  return supergraph.replace(/@join__graph\(name: "([^"]+)", url: "[^"]*"\)/g, (declaration, name: string) =>
    urls.has(name) ? `@join__graph(name: "${name}", url: "${urls.get(name)}")` : declaration,
  );
}

/** What our gateway does per request, in Hive's hooks: verify the JWT once, sign the identity per subgraph request. */
function useSignedIdentity(jwtSecret: string, subgraphSecret: string): GatewayPlugin<{ identity: Identity | null }> {
  const tokens = new TokenVerifier(jwtSecret);
  return {
    async onContextBuilding({ context, extendContext }) {
      extendContext({ identity: await tokens.identify(context.request.headers.get('authorization') ?? undefined) });
    },
    // onFetch sees each subgraph request as it is sent, body included: the signature covers it.
    onFetch({ context, options, setOptions }) {
      const identity = 'identity' in context ? (context.identity ?? null) : null;
      const body = typeof options.body === 'string' ? options.body : '';
      setOptions({ ...options, headers: { ...(options.headers as Record<string, string>), ...signIdentity(identity, body, subgraphSecret) } });
    },
  };
}

const urls = new Map(SUBGRAPH_NAMES.flatMap((name) => [[name, env(subgraphUrlVariable(name))] as const]));
const gateway = createGatewayRuntime({
  supergraph: supergraphFor(urls),
  plugins: () => [useSignedIdentity(env('JWT_SECRET'), env('SUBGRAPH_SECRET'))],
  transportEntries: {
    // Hive merges identical in-flight subgraph queries by URL, body and the headers it set itself: not the identity,
    // which is added after that point (onFetch), so two users' requests could share one answer. Off, as our gateway.
    '*.http': { options: { deduplicateInflightRequests: false } },
  },
  // Nothing leaves the machine: no usage reporting (none unless configured), no GraphiQL or landing page from a CDN.
  reporting: undefined,
  graphiql: false,
  landingPage: false,
  logging: 'warn',
  readinessCheckEndpoint: '/health',
});
const server = createServer(gateway);
server.keepAliveTimeout = 75_000;
server.listen(Number(env('PORT')), '127.0.0.1', () => console.log(`Hive Gateway ready at http://127.0.0.1:${env('PORT')}/graphql`));
const stop = () => server.close(() => void Promise.resolve(gateway.dispose()).finally(() => process.exit(0)));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
