// Subscriptions over graphql-ws on the gateway's HTTP server. Apollo Gateway cannot execute subscriptions, so this
// does: a subscription is a stream of event-log rows matching its filters, from its `after` cursor (or from now),
// handed to it by the gateway's one log reader (EventFanOut). Each row is delivered by running the subscription's
// own selection set as a query, `versionEvent(cursor)`, through the gateway, so every field (the actor's name, the
// version itself) resolves as in any query; subscriptions with the same operation, variables and roles share that
// execution and its serialized payload, which is written to each socket as it is.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import {
  MAX_BODY_BYTES,
  endRequestTrace,
  eventDeliveryLag,
  inRequestTrace,
  maskUnexpected,
  operationAttributes,
  recordAnswered,
  startRequestTrace,
  subscriptionsActive,
  type AnsweredRequest,
  type Identity,
  type Logger,
} from '@phasegraph/kit';
import {
  GraphQLError,
  getOperationAST,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { EventFanOut, SubscriberTooSlowError } from './events/event-fan-out';
import type { VersionEventLog, VersionEventRow } from './events/version-event-log';
import { encodeCursor } from './workflow/cursors';
import type { GatewayContext } from './gateway';
import { CURSOR_VARIABLE, planSubscription, type SubscriptionPlan } from './subscription-plan';

/** WebSocket close reasons are limited to 123 bytes. */
const MAX_REASON = 120;
/** The close code of a socket that stopped draining; the reason names the cursor to resume `after`. */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;
/** Payloads each shared execution keeps, for subscribers a few events behind the others. */
const PAYLOADS_KEPT = 64;

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  /** The gateway's API schema, which operations are validated against. */
  schema: () => GraphQLSchema;
  /** Parses and validates an operation under the gateway's limits: its execution arguments, or why it is refused. */
  prepare: (schema: GraphQLSchema, payload: SubscribePayload) => ExecutionArgs | GraphQLError[];
  /** Looks at each operation first: the operation to run (a persisted query id replaced by its text), or why it may not. */
  admit?: (payload: SubscribePayload) => SubscribePayload | GraphQLError[];
  events: VersionEventLog;
  /** The identity an `authorization` value proves and when its token expires; null when absent; throws when invalid. */
  authenticate: (authorization: string | undefined) => Promise<{ identity: Identity; expiresAtMs: number } | null>;
  logger: Logger;
  /** Told of each query and mutation run over the socket once answered, as the HTTP server tells of its requests. */
  onAnswered?: (answered: AnsweredRequest) => void;
  /** Past these a subscriber is too slow: its socket is closed with SLOW_CONSUMER_CLOSE_CODE and it resumes by cursor. */
  slowSubscriber: { queuedEvents: number; bufferedBytes: number };
}

type SocketExtra = {
  identity?: Identity;
  /** The `authorization` the socket connected with: checked again at each operation. */
  authorization?: string;
  /** Closes the socket when its token expires. */
  expiry?: NodeJS.Timeout;
};

/** The close code of a socket whose token is missing, bad or has expired (graphql-ws's Unauthorized). */
const UNAUTHORIZED_CLOSE_CODE = 4401;
/** The longest a Node timer waits; a later expiry is waited for in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a subscription's resolvers see: the gateway context, plus where its events are written. */
interface SubscriptionContext extends GatewayContext {
  subscriptionId: string;
  socket: WebSocket;
}

export function serveSubscriptions(options: SubscriptionServerOptions): { close(): Promise<void> } {
  // A message may be no larger than an HTTP request's body (ws would take 100 MiB).
  const wsServer = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: MAX_BODY_BYTES });
  const fanOut = new EventFanOut(options.events, options.logger.child({ component: 'subscriptions' }), options.slowSubscriber.queuedEvents);
  const executions = new SharedExecutions(options.apollo);
  const documents = new PreparedDocuments(options.prepare);
  const server = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema: () => options.schema(),
      onConnect: async (ctx) => {
        const authorization = typeof ctx.connectionParams?.authorization === 'string' ? ctx.connectionParams.authorization : undefined;
        let reason = 'Unauthorized: send connectionParams.authorization = "Bearer <token>".';
        try {
          const session = await options.authenticate(authorization);
          if (session) {
            ctx.extra.identity = session.identity;
            ctx.extra.authorization = authorization;
            closeAtExpiry(ctx.extra, session.expiresAtMs);
            return true;
          }
        } catch (error) {
          reason = `Unauthorized: ${error instanceof Error ? error.message : 'bad token'}`;
        }
        ctx.extra.socket.close(UNAUTHORIZED_CLOSE_CODE, limitReason(reason));
        return false;
      },
      onClose: (ctx) => clearTimeout(ctx.extra.expiry),
      // Parsed and validated (under the gateway's operation limits) once per distinct operation text, not per
      // subscription: 10,000 subscribers usually send a handful of texts, and share one document in memory.
      onSubscribe: async (ctx, _id, sent) => {
        // The token is checked again (a lookup, once verified): past its expiry nothing more runs on its socket, even
        // in the moment before the socket is closed for it.
        try {
          await options.authenticate(ctx.extra.authorization);
        } catch (error) {
          // Its code, not its HTTP status (Apollo leaves `extensions.http` out of answers; a socket has none).
          if (error instanceof GraphQLError) return [new GraphQLError(error.message, { extensions: { code: error.extensions.code } })];
          throw error;
        }
        const payload = options.admit ? options.admit(sent) : sent;
        if (Array.isArray(payload)) return payload;
        const schema = options.schema();
        const document = documents.get(schema, payload);
        if (!('kind' in document)) return [...document];
        // As Apollo answers over HTTP (graphql-ws's own refusal carries no code).
        if (!getOperationAST(document, payload.operationName)) {
          const message = payload.operationName
            ? `Unknown operation named "${payload.operationName}".`
            : 'Must provide operation name if query contains multiple operations.';
          return [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })];
        }
        return { schema, document, variableValues: payload.variables ?? undefined, operationName: payload.operationName ?? undefined };
      },
      context: (ctx, id): SubscriptionContext => ({
        identity: ctx.extra.identity ?? null,
        requestId: randomUUID(),
        subscriptionId: id,
        socket: ctx.extra.socket,
      }),
      subscribe: (args) => subscribe(args, fanOut, executions, documents, options),
      execute: (args) => executeOverSocket(args, options),
      // What executeOverSocket answers Apollo has formatted already (its errors masked, plain objects), which graphql-ws
      // would format again with each error's toJSON and fail (closing the socket with 4500). A subscription's own
      // errors are GraphQLErrors, whose toJSON JSON.stringify calls: either way the result goes out as it is.
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
    },
    wsServer,
  );
  return {
    async close() {
      fanOut.close();
      await server.dispose();
      await new Promise((resolve) => wsServer.close(resolve));
    },
  };
}

/**
 * Runs a query or mutation sent over the socket through the gateway like any HTTP request, and like one it is traced
 * (a trace of its own: a socket message has no `traceparent`), logged in one line and counted in the metrics.
 */
async function executeOverSocket(args: ExecutionArgs, options: SubscriptionServerOptions): Promise<ExecutionResult> {
  const started = performance.now();
  const context = args.contextValue as SubscriptionContext;
  const definition = getOperationAST(args.document, args.operationName);
  const operation = definition ? { name: definition.name?.value ?? null, type: definition.operation } : null;
  const trace = startRequestTrace('WebSocket /graphql', {}, { 'phasegraph.request_id': context.requestId, 'phasegraph.transport': 'websocket' });
  const answered = (errorCodes: string[]) => {
    endRequestTrace(trace, errorCodes.includes('INTERNAL_SERVER_ERROR') ? 500 : 200, operationAttributes(operation));
    recordAnswered(
      options.logger,
      'info',
      {
        requestId: context.requestId,
        traceId: trace.traceId,
        transport: 'websocket',
        operation,
        status: null,
        durationSeconds: (performance.now() - started) / 1_000,
        errorCodes,
      },
      options.onAnswered,
    );
  };
  let result: FormattedExecutionResult;
  try {
    result = await inRequestTrace(trace, () =>
      runThroughGateway(options.apollo, args.document, args.variableValues ?? {}, args.operationName ?? undefined, {
        ...context,
        traceparent: trace.traceparent,
      }),
    );
  } catch (error) {
    answered(['INTERNAL_SERVER_ERROR']);
    throw error;
  }
  answered((result.errors ?? []).map((error) => String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
  // Formatted, not an ExecutionResult as graphql-ws types it: onNext sends it as it is.
  return result as ExecutionResult;
}

/**
 * Closes the socket with 4401 when its token expires (its client connects again with a fresh one, and resumes its
 * subscriptions after their last cursors).
 */
function closeAtExpiry(extra: SocketExtra & { socket: WebSocket }, expiresAtMs: number): void {
  // Every token accepted has an `exp` (the verifier requires one); a time that is no number would spin the timer.
  if (!Number.isFinite(expiresAtMs)) return;
  const left = expiresAtMs - Date.now();
  if (left <= 0) return void extra.socket.close(UNAUTHORIZED_CLOSE_CODE, 'Unauthorized: the token has expired.');
  extra.expiry = setTimeout(() => closeAtExpiry(extra, expiresAtMs), Math.min(left, MAX_TIMER_MS));
}

async function runThroughGateway(
  apollo: ApolloServer<GatewayContext>,
  query: string | DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  contextValue: GatewayContext,
): Promise<FormattedExecutionResult> {
  const text = typeof query === 'string' ? query : print(query);
  const response = await apollo.executeOperation({ query: text, variables, operationName }, { contextValue });
  if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported over WebSocket');
  return response.body.singleResult;
}

/**
 * Starts a subscription: its events are written straight to its socket by the fan-out (one shared, serialized
 * payload per event and execution). The stream graphql-ws iterates yields nothing: it only ends, when the client
 * completes the subscription or leaves, and then the subscription leaves the fan-out.
 */
async function subscribe(
  args: ExecutionArgs,
  fanOut: EventFanOut,
  executions: SharedExecutions,
  documents: PreparedDocuments,
  options: SubscriptionServerOptions,
): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
  const context = args.contextValue as SubscriptionContext;
  let plan: SubscriptionPlan;
  let after;
  try {
    plan = planSubscription(args);
    // Each event is delivered by a query a little longer than the subscription (an alias, the cursor's variable), which
    // the gateway's limits also bound: one that would exceed them is refused now, not at every event.
    const delivery = documents.get(args.schema, { query: plan.query });
    if (!('kind' in delivery)) {
      const why = delivery.map((error) => error.message).join(' ');
      return {
        errors: [
          new GraphQLError(`Each event of this subscription is delivered by a query one alias and a few tokens longer, which is over the limits: ${why}`, {
            extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
          }),
        ],
      };
    }
    after = plan.after === null ? null : await options.events.positionAfter(plan.after);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    // Anything else is answered as Apollo answers it (a fault of the database as SERVICE_UNAVAILABLE, the rest masked
    // with a reference to its log line); the socket stays open.
    // Formatted, as executeOverSocket's answers are: onNext sends it as it is.
    return { errors: [maskUnexpected(error, context.requestId, options.logger)] } as unknown as ExecutionResult;
  }
  const execution = executions.join(plan, context.identity!);
  const ended = new Ended();
  let lastCursor: string | null = null;
  const prefix = `{"id":${JSON.stringify(context.subscriptionId)},"type":"next","payload":`;
  const unsubscribe = await fanOut.subscribe(plan.filter, after, {
    async deliver(row, live) {
      const payload = await execution.payloadFor(row);
      if (ended.done || context.socket.readyState !== WebSocket.OPEN) return;
      if (context.socket.bufferedAmount > options.slowSubscriber.bufferedBytes)
        throw new SubscriberTooSlowError(`More than ${options.slowSubscriber.bufferedBytes} bytes were unsent on this socket.`);
      context.socket.send(`${prefix}${payload}}`);
      // From the change's own time (stamped in its transaction, just before the commit) to the socket; an event caught
      // up after a cursor is history, not lag.
      if (live) eventDeliveryLag.observe((Date.now() - row.at.getTime()) / 1_000);
      lastCursor = encodeCursor({ kind: 'event', id: row.id });
    },
    fail(error) {
      if (error instanceof SubscriberTooSlowError) {
        const resume = lastCursor ? ` after ${lastCursor}` : ' with the cursor last received';
        options.logger.warn('subscriber too slow: closing its socket', { code: SLOW_CONSUMER_CLOSE_CODE, reason: error.message, resumeAfter: lastCursor });
        context.socket.close(SLOW_CONSUMER_CLOSE_CODE, limitReason(`Subscriber too slow: resubscribe${resume}`));
      } else {
        options.logger.error('subscription delivery failed', { error: error instanceof Error ? error.stack : String(error) });
        context.socket.close(1011, 'Internal error delivering events');
      }
      ended.end();
    },
  });
  subscriptionsActive.inc();
  return endable(ended, unsubscribe, execution);
}

/**
 * The stream graphql-ws iterates: it yields nothing and ends when the subscription ends, either way round (the client
 * completes or leaves: graphql-ws calls return(); the fan-out gives up on it: `ended` fires).
 */
function endable(ended: Ended, unsubscribe: () => void, execution: SharedExecution): AsyncGenerator<ExecutionResult> {
  let left = false;
  const leave = async (): Promise<IteratorReturnResult<undefined>> => {
    ended.end();
    if (!left) {
      left = true;
      unsubscribe();
      execution.leave();
      subscriptionsActive.dec();
    }
    return { done: true, value: undefined };
  };
  const stream = {
    next: () => ended.promise.then(leave),
    return: leave,
    throw: async (error: unknown) => {
      await leave();
      throw error;
    },
    [Symbol.asyncIterator]: () => stream,
  };
  // graphql-ws uses next, return and the iterator symbol: what an async generator has.
  return stream as unknown as AsyncGenerator<ExecutionResult>;
}

/** A one-time signal that a subscription has ended. */
class Ended {
  done = false;
  private resolve!: () => void;
  readonly promise = new Promise<void>((resolve) => (this.resolve = resolve));

  end(): void {
    this.done = true;
    this.resolve();
  }
}

/** Executions shared by subscriptions whose result cannot differ: same operation, same variables, same roles. */
class SharedExecutions {
  private readonly byKey = new Map<string, SharedExecution>();

  constructor(private readonly apollo: ApolloServer<GatewayContext>) {}

  /**
   * The execution for `plan` as `identity`. What a delivery resolves depends on no caller but through authorization,
   * which is by role (every signed-in user may read every version and event), so callers with the same roles share.
   */
  join(plan: SubscriptionPlan, identity: Identity): SharedExecution {
    const key = JSON.stringify([plan.query, plan.variables, [...identity.roles].sort()]);
    let execution = this.byKey.get(key);
    if (!execution) {
      execution = new SharedExecution(this.apollo, plan, identity, () => this.byKey.delete(key));
      this.byKey.set(key, execution);
    }
    execution.members++;
    return execution;
  }
}

class SharedExecution {
  members = 0;
  /** Serialized payloads by event id, the newest PAYLOADS_KEPT. */
  private readonly payloads = new Map<bigint, Promise<string>>();

  constructor(
    private readonly apollo: ApolloServer<GatewayContext>,
    private readonly plan: SubscriptionPlan,
    private readonly identity: Identity,
    private readonly forget: () => void,
  ) {}

  /** The event's payload as JSON text, executed once for every member. */
  payloadFor(row: VersionEventRow): Promise<string> {
    let payload = this.payloads.get(row.id);
    if (!payload) {
      payload = this.execute(row);
      this.payloads.set(row.id, payload);
      if (this.payloads.size > PAYLOADS_KEPT) this.payloads.delete(this.payloads.keys().next().value!);
    }
    return payload;
  }

  leave(): void {
    if (--this.members === 0) this.forget();
  }

  private async execute(row: VersionEventRow): Promise<string> {
    const variables = { ...this.plan.variables, [CURSOR_VARIABLE]: encodeCursor({ kind: 'event', id: row.id }) };
    const { data, errors } = await runThroughGateway(this.apollo, this.plan.query, variables, undefined, {
      identity: this.identity,
      requestId: randomUUID(),
      event: row,
    });
    return JSON.stringify(errors ? { data, errors } : { data });
  }
}

/**
 * Operation texts prepared (parsed and validated) once each; past MAX_DOCUMENTS distinct texts the cache starts
 * over. Preparing depends on the text alone, not on the variables' values. Only texts up to MAX_TEXT_LENGTH are kept
 * (a client's operations are a few kilobytes): the token limit does not count spaces and comments, so a text within
 * it may still be megabytes, and a document keeps its whole text (its locations' source); a thousand of those would be
 * gigabytes. A longer text is prepared for each subscription, as over HTTP.
 */
class PreparedDocuments {
  private static readonly MAX_DOCUMENTS = 1_000;
  private static readonly MAX_TEXT_LENGTH = 64 * 1024;
  private readonly byText = new Map<string, DocumentNode | readonly GraphQLError[]>();

  constructor(private readonly prepare: SubscriptionServerOptions['prepare']) {}

  get(schema: GraphQLSchema, payload: SubscribePayload): DocumentNode | readonly GraphQLError[] {
    const known = this.byText.get(payload.query);
    if (known) return known;
    const prepared = this.prepare(schema, payload);
    const document = Array.isArray(prepared) ? prepared : (prepared as ExecutionArgs).document;
    if (payload.query.length <= PreparedDocuments.MAX_TEXT_LENGTH) {
      if (this.byText.size >= PreparedDocuments.MAX_DOCUMENTS) this.byText.clear();
      this.byText.set(payload.query, document);
    }
    return document;
  }
}

function limitReason(reason: string): string {
  return Buffer.from(reason).subarray(0, MAX_REASON).toString();
}
