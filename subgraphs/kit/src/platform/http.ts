// Serving an Apollo Server over Node's HTTP server: GraphQL at /graphql, readiness at /health, and the error
// masking every phasegraph server shares (stable codes pass through; anything else is answered with the request id
// as its reference, and logged under it). Each GraphQL request is traced (its caller's `traceparent` continued and its
// own answered) and logged in one line when answered.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerOptions, type ApolloServerPlugin, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';
import { countingStatements, statementCount } from '@phasegraph/db';
import { GraphQLError, type GraphQLFormattedError, type OperationTypeNode } from 'graphql';
import { ErrorCode, PUBLIC_CODES } from './errors';
import { isTransientFault, unavailable } from './faults';
import type { Logger } from './log';
import { TRACEPARENT_HEADER, endRequestTrace, inRequestTrace, startRequestTrace } from './tracing';

/** The largest request body (and WebSocket message) any phasegraph server reads. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** The SQL statements a request cost, its subgraph calls included (sent when `reportStatements` is on). */
export const STATEMENTS_HEADER = 'x-phasegraph-sql-statements';
/** A request's id: answered to every client, forwarded by the gateway to subgraphs, and the reference of a masked error. */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * The request each error was raised in, by request id. Apollo's `formatError` sees only the error, so a plugin that
 * sees the request notes its id on each error first; errors are keys, so nothing outlives them.
 */
const requestOfError = new WeakMap<object, string>();

/** Notes that `error` was raised while serving request `requestId` (for the reference of a masked error). */
export function noteRequestOf(error: unknown, requestId: string): void {
  if (typeof error === 'object' && error !== null && !requestOfError.has(error)) requestOfError.set(error, requestId);
}

/** The id of the request `error` (or an error it wraps) was raised in. */
function requestIdOf(error: unknown): string | undefined {
  for (let cause = error; typeof cause === 'object' && cause !== null; cause = (cause as { originalError?: unknown }).originalError) {
    const requestId = requestOfError.get(cause);
    if (requestId) return requestId;
  }
  return undefined;
}

/**
 * What became of one GraphQL request, over HTTP or (a query or mutation) over the gateway's WebSocket: its log line,
 * and what `ServeOptions.onAnswered` is told.
 */
export interface AnsweredRequest {
  requestId: string;
  traceId: string;
  transport: 'http' | 'websocket';
  /** The operation Apollo resolved (its name null when anonymous); null when none was (refused, unparsable, …). */
  operation: { name: string | null; type: OperationTypeNode } | null;
  /** The HTTP status answered; null over a WebSocket, which has none per operation. */
  status: number | null;
  durationSeconds: number;
  /** `extensions.code` of each error answered, as the client received it (after masking). */
  errorCodes: string[];
}

/** What Apollo's plugins learn of a request served over HTTP. */
type RequestRecord = Pick<AnsweredRequest, 'operation'> & { errorCodes: string[] | null };

/**
 * Where a request's context holds its record (set by serveGraphQL). A property, not a WeakMap entry: Apollo hands its
 * plugins a shallow copy of the context, which an enumerable symbol-keyed property survives.
 */
const REQUEST_RECORD = Symbol('phasegraph request record');

/** Fills in the record of a request served over HTTP: the operation it resolved to and the codes of its errors. */
const recordRequests: ApolloServerPlugin<BaseContext> = {
  async requestDidStart({ contextValue }) {
    const record = (contextValue as { [REQUEST_RECORD]?: RequestRecord })[REQUEST_RECORD];
    if (!record) return;
    return {
      async didResolveOperation({ operationName, operation }) {
        if (operation) record.operation = { name: operationName ?? null, type: operation.operation };
      },
      async willSendResponse({ response }) {
        // Formatted (masked) by now: the codes the client reads.
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : response.body.initialResult.errors;
        record.errorCodes = (errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
      },
    };
  },
};

/** Notes every error of a request with the request's id (`contextValue.requestId`), before Apollo formats them. */
const requestIdOfErrors: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        const requestId = (contextValue as { requestId?: unknown }).requestId;
        if (typeof requestId === 'string') for (const error of errors) noteRequestOf(error, requestId);
      },
    };
  },
};

/**
 * Apollo Server options shared by the gateway and every subgraph: no stack traces in responses, introspection on,
 * and errors masked unless phasegraph raised them on purpose.
 */
export function apolloServerOptions<Context extends BaseContext>(
  logger: Logger,
): Pick<
  ApolloServerOptions<Context>,
  'formatError' | 'includeStacktraceInErrorResponses' | 'introspection' | 'logger' | 'stopOnTerminationSignals' | 'plugins'
> & { plugins: ApolloServerPlugin<Context>[] } {
  return {
    includeStacktraceInErrorResponses: false,
    // The process owns shutdown: it stops every server it started, in order.
    stopOnTerminationSignals: false,
    introspection: true,
    logger: {
      debug: (m) => logger.debug(String(m)),
      info: (m) => logger.debug(String(m)),
      warn: (m) => logger.warn(String(m)),
      error: (m) => logger.error(String(m)),
    },
    plugins: [requestIdOfErrors as ApolloServerPlugin<Context>, recordRequests as ApolloServerPlugin<Context>],
    formatError(formatted, error) {
      return maskError(formatted, error, logger);
    },
  };
}

/**
 * A public error as it is; anything else as INTERNAL_SERVER_ERROR whose reference is the request id, logged with the
 * details, so that the reference a user quotes finds the log lines of their request (here and in every subgraph).
 */
function maskError(formatted: GraphQLFormattedError, error: unknown, logger: Logger): GraphQLFormattedError {
  const { code, stacktrace: _stacktrace, exception: _exception, ...extensions } = formatted.extensions ?? {};
  const requestId = requestIdOf(error);
  const cause = deepestCause(error);
  if (code === ErrorCode.SERVICE_UNAVAILABLE && extensions.retryable === true) {
    // A fault of the platform (the kit gave up retrying it): worth a warning, not an internal error's alarm.
    logger.warn('service unavailable', { requestId, message: formatted.message, cause: describeCause(cause) });
  }
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) return { ...formatted, extensions: { code, ...extensions } };
  if (isTransientFault(cause)) {
    logger.warn('database unavailable', { requestId, path: formatted.path, cause: describeCause(cause) });
    const { message, extensions: answer } = unavailable('READ');
    return { message, path: formatted.path, extensions: answer };
  }
  // An error raised outside any request (none is known) still gets a reference of its own.
  const reference = requestId ?? randomUUID();
  logger.error('unexpected error', {
    reference,
    requestId,
    code,
    message: formatted.message,
    path: formatted.path,
    stack: cause instanceof Error ? cause.stack : String(cause),
  });
  return { message: `Internal server error (reference ${reference}).`, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', reference } };
}

/**
 * `error`, raised while serving request `requestId` outside Apollo's own error formatting (a subscription starting on
 * the gateway's WebSocket), answered as Apollo would answer it: a public error as it is, a platform fault as
 * SERVICE_UNAVAILABLE, anything else masked with the request id as its reference and logged.
 */
export function maskUnexpected(error: unknown, requestId: string, logger: Logger): GraphQLFormattedError {
  noteRequestOf(error, requestId);
  const formatted = error instanceof GraphQLError ? error.toJSON() : { message: error instanceof Error ? error.message : String(error) };
  return maskError(formatted, error, logger);
}

/** What a fault's cause says, for the log: its message and the codes it carries (no stack: it is expected). */
function describeCause(cause: unknown): string {
  const inner = cause instanceof Error && cause.cause ? cause.cause : cause;
  if (!(inner instanceof Error)) return String(inner);
  const code = (inner as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${inner.message}` : inner.message;
}

/** The error underneath: a gateway wraps a subgraph's error, which wraps what its resolver threw. */
function deepestCause(error: unknown): unknown {
  let cause = error;
  while (cause instanceof Error && 'originalError' in cause && cause.originalError) cause = cause.originalError;
  return cause;
}

/** The span attributes naming a request's operation, once one was resolved. */
export function operationAttributes(operation: AnsweredRequest['operation']): Record<string, string> {
  return operation ? { 'graphql.operation.name': operation.name ?? '', 'graphql.operation.type': operation.type } : {};
}

/**
 * Writes an answered request's one log line and tells `onAnswered` (the gateway's metrics): for every request served
 * over HTTP here, and for each query or mutation the gateway's WebSocket runs.
 */
export function recordAnswered(logger: Logger, level: 'info' | 'debug', answered: AnsweredRequest, onAnswered?: (answered: AnsweredRequest) => void): void {
  const { requestId, traceId, transport, operation, status, durationSeconds, errorCodes } = answered;
  logger[level]('request', {
    requestId,
    traceId,
    transport,
    operationName: operation ? operation.name : null,
    operationType: operation?.type ?? null,
    durationMs: Math.round(durationSeconds * 1_000_000) / 1_000,
    status,
    outcome: errorCodes.length === 0 ? 'ok' : 'error',
    ...(errorCodes.length > 0 ? { errors: errorCodes } : {}),
  });
  onAnswered?.(answered);
}

/** Extra HTTP routes served beside GraphQL, by exact path. */
export type Routes = Record<string, (request: http.IncomingMessage, response: http.ServerResponse) => void | Promise<void>>;

export interface ServeOptions<Context extends BaseContext> {
  server: ApolloServer<Context>;
  port: number;
  host: string;
  /**
   * Builds a request's context from the request, its raw body and its id; may throw a GraphQLError (with
   * `extensions.http.status`) to refuse it.
   */
  context: (request: http.IncomingMessage, incoming: IncomingRequest) => Promise<Context>;
  /** Take the caller's `x-request-id` as the request's id (a subgraph, called by the gateway); else a new one. */
  trustRequestId?: boolean;
  /** Browser origins allowed to call (CORS): `*` for any, a list, or none (no CORS headers: not for browsers). */
  corsOrigins?: '*' | readonly string[];
  /** Answers GET /health: true when ready to serve. */
  ready: () => Promise<boolean>;
  /** Answer each GraphQL request with the SQL statements it cost (`x-phasegraph-sql-statements`). */
  reportStatements?: boolean;
  /**
   * Looks at each GraphQL request before Apollo parses it: returns the request to serve (e.g. with a persisted query's
   * id replaced by its text) or a GraphQLError (with `extensions.http`) to refuse it, as the gateway's trusted
   * documents do.
   */
  admit?: (request: HTTPGraphQLRequest) => HTTPGraphQLRequest | GraphQLError;
  routes?: Routes;
  logger: Logger;
  /** The level of the line logged per GraphQL request: `info` where clients call (the gateway), else `debug`. */
  requestLogLevel?: 'info' | 'debug';
  /** Told of every GraphQL request once it has been answered (the gateway's metrics). */
  onAnswered?: (answered: AnsweredRequest) => void;
}

/** What the server read of a request before Apollo sees it. */
export interface IncomingRequest {
  /** The raw body, as received (a signature may cover it). */
  body: string;
  /** The request's id: in every log line about it, and the reference of a masked error. */
  requestId: string;
  /** The W3C `traceparent` of this request's span: the parent of the calls it makes. */
  traceparent: string;
}

export interface RunningServer {
  url: string;
  httpServer: http.Server;
  /**
   * Stops taking requests: `/health` answers 503 at once, no new connection is accepted, a request arriving on a kept
   * connection is answered SERVICE_UNAVAILABLE (retryable) and the connection closed. Resolves when every request in
   * flight has been answered, or after `timeoutMs`.
   */
  drain(timeoutMs: number): Promise<void>;
  /** Drains (for `timeoutMs`, none by default), then closes every connection and stops the server. */
  close(timeoutMs?: number): Promise<void>;
}

/** Starts `server` and listens; GraphQL is served at /graphql (and /), readiness at /health. */
export async function serveGraphQL<Context extends BaseContext>(options: ServeOptions<Context>): Promise<RunningServer> {
  const { server, logger } = options;
  await server.start();
  let draining = false;
  let inFlight = 0;
  let whenIdle: (() => void) | undefined;
  const routes: Routes = {
    '/health': async (_request, response) => {
      const ready = !draining && (await options.ready().catch(() => false));
      respond(response, ready ? 200 : 503, { status: ready ? 'ok' : 'unavailable' });
    },
    ...options.routes,
  };
  const httpServer = http.createServer((request, response) => {
    if (draining && new URL(request.url ?? '/', 'http://localhost').pathname !== '/health') {
      response.setHeader('connection', 'close');
      return respond(response, 503, {
        errors: [{ message: 'The server is shutting down: retry.', extensions: { code: 'SERVICE_UNAVAILABLE', retryable: true } }],
      });
    }
    inFlight++;
    response.once('close', () => {
      inFlight--;
      if (inFlight === 0) whenIdle?.();
    });
    // Counting needs an AsyncLocalStorage scope per request, whose promise hooks slow every await: only when asked.
    const handled = options.reportStatements ? countingStatements(() => handle(request, response)) : handle(request, response);
    handled.catch((error: unknown) => {
      logger.error('request failed', { stack: error instanceof Error ? error.stack : String(error) });
      if (!response.headersSent) respond(response, 500, { errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else response.end();
    });
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    allowCrossOrigin(request, response, options.corsOrigins ?? []);
    if (request.method === 'OPTIONS') return void response.writeHead(204).end();
    const route = routes[url.pathname];
    if (route) return route(request, response);
    if (url.pathname !== '/graphql' && url.pathname !== '/') return respond(response, 404, { error: `Nothing at ${url.pathname}; GraphQL is at /graphql.` });

    const requestId = (options.trustRequestId && forwardedRequestId(request)) || randomUUID();
    const started = performance.now();
    const method = request.method?.toUpperCase() ?? 'GET';
    const trace = startRequestTrace(`${method} ${url.pathname}`, request.headers, {
      'http.request.method': method,
      'url.path': url.pathname,
      'phasegraph.request_id': requestId,
    });
    response.setHeader(REQUEST_ID_HEADER, requestId);
    response.setHeader(TRACEPARENT_HEADER, trace.traceparent);
    const record: RequestRecord = { operation: null, errorCodes: null };
    let answered: string | undefined;
    try {
      answered = await inRequestTrace(trace, () => serveOperation(request, response, url, requestId, trace.traceparent, record));
    } catch (error) {
      // Answered 500 by the server's own handler, after this line is logged.
      record.errorCodes ??= ['INTERNAL_SERVER_ERROR'];
      throw error;
    } finally {
      const { operation } = record;
      endRequestTrace(trace, response.statusCode, operationAttributes(operation));
      recordAnswered(
        logger,
        options.requestLogLevel ?? 'debug',
        {
          requestId,
          traceId: trace.traceId,
          transport: 'http',
          operation,
          status: response.statusCode,
          durationSeconds: (performance.now() - started) / 1_000,
          errorCodes: record.errorCodes ?? errorCodesIn(response.statusCode, answered),
        },
        options.onAnswered,
      );
    }
  }

  /** Serves one GraphQL request; resolves with the answer's body when it was a small error answer (to read its codes). */
  async function serveOperation(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
    traceparent: string,
    record: RequestRecord,
  ): Promise<string | undefined> {
    const body = await readBody(request);
    if (body === TOO_LARGE) return respondWith(response, 413, requestError(`The request body exceeds ${MAX_BODY_BYTES} bytes.`));
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    let parsed: unknown;
    if (body.length > 0 && (headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(body);
      } catch {
        return respondWith(response, 400, requestError('The request body is not valid JSON.'));
      }
    }
    const incoming: HTTPGraphQLRequest = { method: request.method?.toUpperCase() ?? 'GET', headers, search: url.search, body: parsed };
    const admitted = options.admit ? options.admit(incoming) : incoming;
    const result = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: admitted instanceof GraphQLError ? incoming : admitted,
      // A request not admitted is refused where any request is refused before parsing: in building its context, which
      // Apollo does after its CSRF check and after serving the landing page, and answers with the error's status.
      context: () =>
        (admitted instanceof GraphQLError ? Promise.reject(admitted) : options.context(request, { body, requestId, traceparent })).then(
          (context) => Object.assign(context, { [REQUEST_RECORD]: record }),
          (error: unknown) => {
            noteRequestOf(error, requestId);
            throw error;
          },
        ),
    });
    for (const [key, value] of result.headers) response.setHeader(key, value);
    if (options.reportStatements) response.setHeader(STATEMENTS_HEADER, String(statementCount()));
    response.statusCode = result.status ?? 200;
    if (result.body.kind === 'complete') {
      response.end(result.body.string);
      // Refused before Apollo's plugins ran (e.g. UNAUTHENTICATED, from the context): its codes are in this body.
      return record.errorCodes === null && response.statusCode >= 400 ? result.body.string : undefined;
    }
    for await (const chunk of result.body.asyncIterator) response.write(chunk);
    response.end();
    return undefined;
  }

  // Callers keep connections alive between requests. The server must outlast their idle timeout, or it closes a
  // socket just as a caller reuses it and that request fails with "socket hang up" (Node's default is 5 s).
  httpServer.keepAliveTimeout = 75_000;
  httpServer.headersTimeout = 76_000;
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.port, options.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const closed = new Promise<void>((resolve) => httpServer.once('close', () => resolve()));
  const drain = async (timeoutMs: number) => {
    if (!draining) {
      draining = true;
      httpServer.close();
    }
    httpServer.closeIdleConnections();
    if (inFlight === 0) return;
    const idle = new Promise<void>((resolve) => (whenIdle = resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (inFlight > 0) logger.warn('requests still in flight at shutdown', { requests: inFlight, afterMs: timeoutMs });
  };
  return {
    url: `http://${host}:${port}/graphql`,
    httpServer,
    drain,
    async close(timeoutMs = 0) {
      await drain(timeoutMs);
      httpServer.closeAllConnections();
      await closed;
      await server.stop();
    },
  };
}

/** A request id the caller sent, if it looks like one (ids travel into logs and error references). */
function forwardedRequestId(request: http.IncomingMessage): string | undefined {
  const value = request.headers[REQUEST_ID_HEADER];
  return typeof value === 'string' && /^[\w-]{1,64}$/.test(value) ? value : undefined;
}

const TOO_LARGE = Symbol('too large');

async function readBody(request: http.IncomingMessage): Promise<string | typeof TOO_LARGE> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function requestError(message: string) {
  return { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] };
}

function respond(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** Answers as `respond` does and returns the body written (the request's log line reads its error codes). */
function respondWith(response: http.ServerResponse, status: number, body: unknown): string {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(text);
  return text;
}

/** The error codes of an answer Apollo's plugins did not see: none for a success, else those its body names. */
function errorCodesIn(status: number, body: string | undefined): string[] {
  if (status < 400) return [];
  try {
    const { errors } = JSON.parse(body ?? '') as { errors?: { extensions?: { code?: unknown } }[] };
    if (Array.isArray(errors) && errors.length > 0) return errors.map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
  } catch {
    // Not a GraphQL answer: its status says what it was.
  }
  return [status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST'];
}

/**
 * Lets browser apps on the allowed origins call the API (credentials travel in a header, not cookies); a request from
 * any other origin gets no CORS headers, so the browser keeps the answer from the page that asked.
 */
function allowCrossOrigin(request: http.IncomingMessage, response: http.ServerResponse, allowed: '*' | readonly string[]): void {
  const origin = request.headers.origin;
  if (allowed !== '*') {
    if (allowed.length === 0) return;
    response.setHeader('vary', 'origin');
    if (!origin || !allowed.includes(origin)) return;
  }
  response.setHeader('access-control-allow-origin', allowed === '*' ? '*' : origin!);
  response.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  response.setHeader('access-control-allow-headers', `content-type, authorization, apollo-require-preflight, x-apollo-operation-name, ${TRACEPARENT_HEADER}`);
  response.setHeader('access-control-expose-headers', `${REQUEST_ID_HEADER}, ${TRACEPARENT_HEADER}`);
}
