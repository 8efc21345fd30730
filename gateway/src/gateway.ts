// The gateway: Apollo Gateway over the static supergraph, the in-process workflow subgraph, bearer-token
// authentication, signed identity forwarding, Apollo Sandbox at /graphql, subscriptions over graphql-ws at
// /graphql, readiness at /health, GraphiQL at /graphiql, Prometheus metrics at /metrics (or on METRICS_PORT) and a
// report's activity as CSV at /export/activity.csv.
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import {
  ALL_PHASES,
  MAX_PAGE_SIZE,
  PUBLIC_CODES,
  REQUEST_ID_HEADER,
  STATEMENTS_HEADER,
  SUBGRAPH_NAMES,
  apolloServerOptions,
  serveGraphQL,
  IDENTITY_HEADER,
  encodeIdentity,
  signingFetch,
  subgraphCall,
  injectTraceContext,
  type Config,
  type Logger,
  LocalSubgraph,
  type RunningServer,
  type SubgraphDirectory,
} from '@phasegraph/kit';
import { addStatements, type Database } from '@phasegraph/db';
import { ACTIVITY_EXPORT_PATH, activityExport } from './activity-export';
import { TokenVerifier } from './authentication';
import { explorerRoute, type ExplorerOptions } from './explorer';
import { legacyJsonStatusPlugin } from './graphql-over-http';
import { countAnsweredRequest, metricsRoute, serveMetrics } from './metrics-endpoint';
import { operationLimitOptions, prepareSocketOperation, tokenLimitAsValidationError } from './operation-limits';
import { TrustedDocuments } from './trusted-documents';
import { ActivityLog } from './events/activity-log';
import { VersionEventLog } from './events/version-event-log';
import { serveSubscriptions } from './subscriptions';
import { UserRecorder } from './user-recorder';
import { DEFAULT_PAGE_SIZE, buildWorkflowSchema, type WorkflowContext } from './workflow/index';

export const SUPERGRAPH_FILE = new URL('../../schema/supergraph.graphql', import.meta.url);

export type GatewayContext = WorkflowContext;

/** What a gateway start can be told beyond the configuration. */
export interface GatewayOptions {
  explorer?: ExplorerOptions;
}

type Fetcher = NonNullable<NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher']>;
type FetcherInit = NonNullable<Parameters<Fetcher>[1]>;

/**
 * A subgraph reached over HTTP, with the caller's identity signed into the request headers together with the body.
 * `willSendRequest` runs before the library serializes the body, so it only names the identity; the fetcher, which
 * is handed the exact body that goes on the wire, signs the two (the kit's signingFetch, as every service's calls).
 */
class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: string,
    url: string,
    secret: string,
  ) {
    // Node's own fetch (undici, pooled keep-alive connections) instead of the default make-fetch-happen, whose agent
    // builds a stack trace per request to tell HTTP from HTTPS (agent-base: about 7 % of the gateway's CPU in split mode).
    const signed = signingFetch(secret, fetch as unknown as (target: string, init: FetcherInit) => ReturnType<Fetcher>);
    super({ url, fetcher: (target, init = {}) => signed(target, init) });
  }

  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    return subgraphCall(this.subgraph, 'http', () => super.process(options));
  }

  /** The subgraph's statements count towards the gateway request's own (see STATEMENTS_HEADER). */
  override didReceiveResponse({ response }: Parameters<NonNullable<RemoteGraphQLDataSource['didReceiveResponse']>>[0]) {
    addStatements(Number(response.http?.headers.get(STATEMENTS_HEADER) ?? 0));
    return response;
  }

  /**
   * A subgraph refuses some requests with an HTTP error status and a GraphQL body (Apollo Server answers 400 to a
   * variable its schema refuses, e.g. JSON holding a NUL character). The client gets the subgraph's error when its code
   * is public, as in one process; the library's default error carries only the status, and the subgraph's URL.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    const body = await this.parseBody(response).catch(() => null);
    const [first] = (typeof body === 'object' && body !== null && 'errors' in body && Array.isArray(body.errors) ? body.errors : []) as {
      message?: unknown;
      extensions?: Record<string, unknown>;
    }[];
    const { code, http: _http, ...extensions } = first?.extensions ?? {};
    if (typeof code === 'string' && PUBLIC_CODES.has(code) && typeof first?.message === 'string') {
      return new GraphQLError(first.message, { extensions: { ...extensions, code } });
    }
    return new GraphQLError(`The subgraph answered HTTP ${response.status}.`);
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const identity = 'identity' in context ? context.identity : null;
    request.http?.headers.set(IDENTITY_HEADER, encodeIdentity(identity ?? null));
    if ('requestId' in context && context.requestId) request.http?.headers.set(REQUEST_ID_HEADER, context.requestId);
    const trace: Record<string, string> = {};
    injectTraceContext(trace, 'traceparent' in context ? context.traceparent : undefined);
    for (const [name, value] of Object.entries(trace)) request.http?.headers.set(name, value);
  }
}

/**
 * A subgraph built in the gateway's process, called without HTTP or JSON: each operation text is parsed and validated
 * once, and `contextOf` turns the gateway request's context into the subgraph's (for a phase subgraph, one context
 * per gateway request, so that every fetch of a request shares its DataLoaders).
 */
class InProcessDataSource implements GraphQLDataSource<GatewayContext> {
  constructor(
    private readonly subgraph: LocalSubgraph,
    private readonly contextOf: (context: GatewayContext | undefined) => unknown,
  ) {}

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const { request } = options;
    // Health checks and schema loading carry no request context; every request's does.
    const context = 'context' in options ? (options.context as GatewayContext | undefined) : undefined;
    const result = await subgraphCall(this.subgraph.name, 'in-process', () =>
      this.subgraph.execute(request.query!, request.variables, request.operationName, this.contextOf(context)),
    );
    return result as Awaited<ReturnType<GraphQLDataSource['process']>>;
  }
}

export async function startGateway(
  config: Config,
  subgraphs: SubgraphDirectory,
  database: Database,
  logger: Logger,
  options: GatewayOptions = {},
): Promise<RunningServer> {
  const tokens = new TokenVerifier(config.jwtSecret, config.identityProvider);
  const users = new UserRecorder(subgraphs);
  const eventLogClient = database.client();
  const events = new VersionEventLog(eventLogClient, database);
  const activity = new ActivityLog(eventLogClient);
  await events.start();
  const workflow = new LocalSubgraph(
    'workflow',
    buildWorkflowSchema(subgraphs, events, activity),
    (base) => base,
    async () => true,
    async () => {},
  );
  // Left on, @apollo/gateway exports usage metrics to Apollo and probes cloud metadata endpoints (GCP, AWS, Azure)
  // to describe the host. phasegraph never phones home; the library only reads this switch from the environment.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_FILE, 'utf8'),
    buildService: ({ name, url }) => {
      // The workflow's resolvers read the gateway's own context (identity, request id, a subscription's event).
      if (name === 'workflow') return new InProcessDataSource(workflow, (context) => context);
      const local = subgraphs.local(name);
      if (local) return new InProcessDataSource(local, (context) => local.requestContext(context?.identity ?? null, context));
      const target = subgraphs.url(name) ?? url;
      if (!target) throw new Error(`No URL for the ${name} subgraph.`);
      return new SignedDataSource(name, target, config.subgraphSecret);
    },
  });
  // PERSISTED_DOCUMENTS: only the manifest's operations run, and automatic persisted queries register none.
  const trusted = config.persistedDocuments
    ? await TrustedDocuments.load(config.persistedDocuments, { introspection: config.introspection, maxTokens: config.operationLimits.maxTokens })
    : undefined;
  if (trusted) logger.info('trusted documents: only the persisted query list runs', { file: config.persistedDocuments, operations: trusted.size });
  const shared = apolloServerOptions<GatewayContext>(logger.child({ component: 'gateway' }));
  // In production, "Did you mean …?" is dropped from validation errors: it would spell out the schema to a prober.
  const exposure = { introspection: config.introspection, hideSuggestions: config.production };
  const listSizes = { defaultPage: DEFAULT_PAGE_SIZE, maxPage: MAX_PAGE_SIZE, known: { 'Query.phases': ALL_PHASES.length }, assumed: 20 };
  const server = new ApolloServer<GatewayContext>({
    gateway,
    ...shared,
    // Operations over their limits are refused in validation, before the gateway plans them.
    ...operationLimitOptions(config.operationLimits, listSizes, exposure),
    formatError: (formatted, error) => shared.formatError!(tokenLimitAsValidationError(formatted), error),
    ...(trusted ? { persistedQueries: false as const } : {}),
    plugins: [ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }), legacyJsonStatusPlugin, ...shared.plugins],
  });
  const authenticateSession = async (authorization: string | undefined) => {
    const session = await tokens.session(authorization);
    if (session) await users.ensureRecorded(session.identity);
    return session;
  };
  const authenticate = async (authorization: string | undefined) => (await authenticateSession(authorization))?.identity ?? null;
  // Observability: /metrics beside /graphql unless METRICS_PORT takes it elsewhere, GraphiQL at /graphiql.
  const metrics = metricsRoute(subgraphs, logger);
  const metricsServer = config.metricsPort ? await serveMetrics(config.metricsPort, config.host, metrics, logger) : undefined;
  const http = await serveGraphQL({
    server,
    port: config.port,
    host: config.host,
    logger,
    context: async (request: IncomingMessage, { requestId, traceparent }) => ({
      identity: await authenticate(request.headers.authorization),
      requestId,
      traceparent,
    }),
    ready: () => subgraphs.allReady(SUBGRAPH_NAMES),
    corsOrigins: config.corsOrigins,
    reportStatements: config.reportSqlStatements,
    admit: trusted && ((request) => trusted.admitHttpRequest(request)),
    routes: {
      '/graphiql': explorerRoute(options.explorer ?? {}),
      ...(metricsServer ? {} : { '/metrics': metrics }),
      [ACTIVITY_EXPORT_PATH]: activityExport({ activity, authenticate, identity: subgraphs.client('identity'), logger }),
    },
    requestLogLevel: 'info',
    onAnswered: countAnsweredRequest,
  }).catch(async (error: unknown) => {
    await metricsServer?.close();
    throw error;
  });
  const subscriptions = serveSubscriptions({
    httpServer: http.httpServer,
    apollo: server,
    schema: () => gateway.schema ?? failNoSchema(),
    prepare: (schema, payload) => prepareSocketOperation(schema, payload, config.operationLimits, listSizes, exposure),
    admit: trusted && ((payload) => trusted.admitSocketOperation(payload)),
    events,
    authenticate: authenticateSession,
    logger,
    onAnswered: countAnsweredRequest,
    slowSubscriber: config.slowSubscriber,
  });
  return {
    ...http,
    /**
     * Shutdown, in the order the contract gives: stop taking requests and answer those in flight (up to `timeoutMs`),
     * then close every subscription with 1001 (its client reconnects elsewhere and resumes from its cursor), then
     * the event log's reader and the server.
     */
    async close(timeoutMs = 0) {
      await http.drain(timeoutMs);
      await subscriptions.close();
      await events.close();
      await http.close();
      await metricsServer?.close();
    },
  };
}

function failNoSchema(): never {
  throw new Error('The gateway has not loaded its supergraph yet.');
}
