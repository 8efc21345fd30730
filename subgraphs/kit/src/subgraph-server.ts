// A phasegraph subgraph: built once per process (its schema, its per-request context, its readiness), then called
// in process by whatever runs beside it, and served over HTTP to callers elsewhere, who must carry the gateway's
// signed identity.
import type http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Database, PrismaClient } from '@phasegraph/db';
import type { DocumentNode } from 'graphql';
import type { Config, SubgraphName } from './platform/config';
import { unauthenticated } from './platform/errors';
import { apolloServerOptions, serveGraphQL, type RunningServer } from './platform/http';
import { sweepExpiredKeys } from './idempotency';
import { DateTimeScalar, JSONScalar } from './input-limits';
import type { Logger } from './platform/log';
import { IdentitySignatureError, verifyIdentity, type Identity } from './signed-identity';
import { LocalSubgraph, type SubgraphContext, type SubgraphDirectory } from './subgraph-client';

export type { SubgraphContext } from './subgraph-client';

/** What a subgraph needs to run: configuration, the database, the other subgraphs, a logger. */
export interface SubgraphRuntime {
  config: Config;
  database: Database;
  /** Every subgraph this one may call, in this process or elsewhere. */
  subgraphs: SubgraphDirectory;
  logger: Logger;
}

/** A subgraph as the gateway and the composition script see it. */
export interface SubgraphDefinition {
  name: SubgraphName;
  typeDefs: DocumentNode;
  /** Builds the subgraph in this process, ready to be executed in process or served. */
  build(runtime: SubgraphRuntime): Promise<LocalSubgraph>;
}

/** How a subgraph builds its resolvers and each request's context, given its Prisma client. */
export interface SubgraphSetup<Context extends SubgraphContext> {
  resolvers: GraphQLResolverMap<Context>;
  context(base: SubgraphContext): Context;
  /** Releases what the setup holds beyond its Prisma client (e.g. a LISTEN connection). */
  close?(): Promise<void>;
}

export function defineSubgraph<Context extends SubgraphContext>(
  name: SubgraphName,
  typeDefs: DocumentNode,
  setup: (prisma: PrismaClient, runtime: SubgraphRuntime) => SubgraphSetup<Context>,
): SubgraphDefinition {
  return {
    name,
    typeDefs,
    async build(runtime) {
      const prisma = runtime.database.client();
      const { resolvers, context, close } = setup(prisma, runtime);
      const schema = buildSubgraphSchema({
        typeDefs,
        resolvers: { JSON: JSONScalar, DateTime: DateTimeScalar, ...resolvers } as GraphQLResolverMap<unknown>,
      });
      const ready = async () => {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      };
      const stopSweeping = sweepExpiredKeys(runtime.database, prisma, runtime.config.idempotencyKeySweepMs, runtime.logger);
      return new LocalSubgraph<Context>(name, schema, context, ready, async () => {
        stopSweeping();
        await close?.();
      });
    },
  };
}

/** Where and how to serve a subgraph over HTTP. */
export interface SubgraphServing {
  config: Config;
  logger: Logger;
  /** Where to listen: the port (0: any free port) and address. */
  port: number;
  host: string;
}

/** Serves a built subgraph at /graphql (signed callers only) and /health; closing stops the server, then the subgraph. */
export async function serveSubgraph(subgraph: LocalSubgraph, serving: SubgraphServing): Promise<RunningServer> {
  const logger = serving.logger.child({ subgraph: subgraph.name });
  const shared = apolloServerOptions<SubgraphContext>(logger);
  const server = new ApolloServer<SubgraphContext>({
    schema: subgraph.schema,
    ...shared,
    plugins: [ApolloServerPluginLandingPageDisabled(), ...shared.plugins],
  });
  const running = await serveGraphQL({
    server,
    port: serving.port,
    host: serving.host,
    logger,
    reportStatements: serving.config.reportSqlStatements,
    // The gateway's request id comes along, so that this subgraph's log lines and error references carry it too.
    trustRequestId: true,
    context: async (request, { body, requestId, traceparent }) =>
      subgraph.contextFor({ identity: signedIdentity(request, body, serving.config.subgraphSecret), requestId, traceparent }),
    ready: subgraph.ready,
  });
  return {
    ...running,
    async close(timeoutMs = 0) {
      await running.close(timeoutMs);
      await subgraph.close();
    },
  };
}

/**
 * The identity the gateway signed for this request. Only a POST qualifies: the signature covers the body, and a GET
 * carries its operation in the URL, where a captured signature would not notice another one.
 */
function signedIdentity(request: http.IncomingMessage, body: string, secret: string): Identity | null {
  if (request.method !== 'POST') throw unauthenticated('Subgraphs serve signed POST requests only.', 401);
  try {
    return verifyIdentity({ get: (header) => headerValue(request, header) }, body, secret);
  } catch (error) {
    if (error instanceof IdentitySignatureError) throw unauthenticated(error.message, 401);
    throw error;
  }
}

function headerValue(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The caller, or UNAUTHENTICATED when the request is anonymous. */
export function requireUser(context: SubgraphContext): Identity {
  if (!context.identity) throw unauthenticated();
  return context.identity;
}
