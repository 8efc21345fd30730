// A phasegraph subgraph server: an Apollo subgraph that accepts only calls carrying the gateway's signed identity,
// with per-request context, readiness and the shared error handling.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Database, PrismaClient } from '@phasegraph/db';
import type { DocumentNode } from 'graphql';
import { DateTimeResolver, JSONResolver } from 'graphql-scalars';
import type { Config, SubgraphName } from './config';
import { unauthenticated } from './errors';
import { apolloServerOptions, serveGraphQL, type RunningServer } from './http';
import type { Logger } from './log';
import { IdentitySignatureError, verifyIdentity, type Identity } from './signed-identity';
import type { SubgraphUrls } from './subgraph-client';

/** What every subgraph resolver sees: the verified caller (null when anonymous) and the request's id. */
export interface SubgraphContext {
  identity: Identity | null;
  requestId: string;
}

/** What a subgraph needs to run: configuration, the database, where the other subgraphs are, a logger. */
export interface SubgraphRuntime {
  config: Config;
  database: Database;
  urls: SubgraphUrls;
  logger: Logger;
  /** Where to listen: the port (0: any free port) and address. */
  port: number;
  host: string;
}

/** A subgraph as the gateway and the composition script see it. */
export interface SubgraphDefinition {
  name: SubgraphName;
  typeDefs: DocumentNode;
  start(runtime: SubgraphRuntime): Promise<RunningServer>;
}

/** How a subgraph builds its resolvers and each request's context, given its Prisma client. */
export interface SubgraphSetup<Context extends SubgraphContext> {
  resolvers: GraphQLResolverMap<Context>;
  context(base: SubgraphContext): Context;
  /** Releases what the setup holds beyond its Prisma client (e.g. a LISTEN connection), after the server stops. */
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
    async start(runtime) {
      const prisma = runtime.database.client();
      const logger = runtime.logger.child({ subgraph: name });
      const { resolvers, context, close } = setup(prisma, runtime);
      const server = new ApolloServer<Context>({
        schema: buildSubgraphSchema({ typeDefs, resolvers: { JSON: JSONResolver, DateTime: DateTimeResolver, ...resolvers } as GraphQLResolverMap<unknown> }),
        plugins: [ApolloServerPluginLandingPageDisabled()],
        ...apolloServerOptions<Context>(logger),
      });
      const running = await serveGraphQL({
        server,
        port: runtime.port,
        host: runtime.host,
        logger,
        reportStatements: runtime.config.reportSqlStatements,
        context: async (request) => context({ identity: signedIdentity(request, runtime.config.subgraphSecret), requestId: requestIdOf(request) }),
        ready: async () => {
          await prisma.$queryRaw`SELECT 1`;
          return true;
        },
      });
      return {
        ...running,
        async close() {
          await running.close();
          await close?.();
        },
      };
    },
  };
}

function signedIdentity(request: http.IncomingMessage, secret: string): Identity | null {
  try {
    return verifyIdentity({ get: (header) => headerValue(request, header) }, secret);
  } catch (error) {
    if (error instanceof IdentitySignatureError) throw unauthenticated(error.message, 401);
    throw error;
  }
}

function requestIdOf(request: http.IncomingMessage): string {
  return headerValue(request, 'x-request-id') ?? randomUUID();
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
