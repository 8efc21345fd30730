// Subscriptions over graphql-ws on the gateway's HTTP server. Apollo Gateway cannot execute subscriptions, so this
// does: a subscription is a stream of event-log rows matching its filters, from its `after` cursor (or from now),
// and each row is delivered by running the subscription's own selection set as a query, `versionEvent(cursor)`,
// through the gateway, so every field (the actor's name, the version itself) resolves as in any query.
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { MAX_BODY_BYTES, badUserInput, requireUuid, type Identity, type Logger, type PhaseName, type VersionEventType } from '@phasegraph/kit';
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getOperationAST,
  print,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { EventFilter, VersionEventLog, VersionEventRow } from './events/version-event-log';
import { decodeCursor, encodeCursor } from './workflow/cursors';
import type { GatewayContext } from './gateway';

/** The variable carrying the event's cursor into the query a delivery runs. */
const CURSOR_VARIABLE = 'phasegraphEventCursor';
/** Events read per query while catching up. */
const BATCH = 200;
/** How soon to look again when committed events wait behind a running transaction that may never announce its end. */
const HELD_BACK_RETRY_MS = { first: 5, max: 200 };
/** WebSocket close reasons are limited to 123 bytes. */
const MAX_REASON = 120;

export interface SubscriptionServerOptions {
  httpServer: http.Server;
  apollo: ApolloServer<GatewayContext>;
  /** The gateway's API schema, which operations are validated against. */
  schema: () => GraphQLSchema;
  /** Parses and validates an operation under the gateway's limits: its execution arguments, or why it is refused. */
  prepare: (schema: GraphQLSchema, payload: SubscribePayload) => ExecutionArgs | GraphQLError[];
  events: VersionEventLog;
  /** The identity an `authorization` value proves; null when absent; throws when invalid. */
  authenticate: (authorization: string | undefined) => Promise<Identity | null>;
  logger: Logger;
}

type SocketExtra = {
  identity?: Identity;
};

export function serveSubscriptions(options: SubscriptionServerOptions): { close(): Promise<void> } {
  // A message may be no larger than an HTTP request's body (ws would take 100 MiB).
  const wsServer = new WebSocketServer({ server: options.httpServer, path: '/graphql', maxPayload: MAX_BODY_BYTES });
  const server = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema: () => options.schema(),
      onSubscribe: (_ctx, _id, payload) => options.prepare(options.schema(), payload),
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        let reason = 'Unauthorized: send connectionParams.authorization = "Bearer <token>".';
        try {
          const identity = await options.authenticate(typeof authorization === 'string' ? authorization : undefined);
          if (identity) {
            ctx.extra.identity = identity;
            return true;
          }
        } catch (error) {
          reason = `Unauthorized: ${error instanceof Error ? error.message : 'bad token'}`;
        }
        ctx.extra.socket.close(4401, Buffer.from(reason).subarray(0, MAX_REASON).toString());
        return false;
      },
      context: (ctx): GatewayContext => ({ identity: ctx.extra.identity ?? null, requestId: randomUUID() }),
      subscribe: (args) => subscribe(args, options),
      // Queries and mutations sent over the socket run through the gateway like any HTTP request.
      execute: (args) =>
        runThroughGateway(options.apollo, args.document, args.variableValues ?? {}, args.operationName ?? undefined, args.contextValue as GatewayContext),
    },
    wsServer,
  );
  return {
    async close() {
      await server.dispose();
      await new Promise((resolve) => wsServer.close(resolve));
    },
  };
}

async function runThroughGateway(
  apollo: ApolloServer<GatewayContext>,
  document: DocumentNode,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  contextValue: GatewayContext,
): Promise<ExecutionResult> {
  const response = await apollo.executeOperation({ query: print(document), variables, operationName }, { contextValue });
  if (response.body.kind !== 'single') throw new Error('incremental delivery is not supported over WebSocket');
  return response.body.singleResult as ExecutionResult;
}

/** What a subscription operation asks for: its filters, its start, and the query that delivers one event. */
interface SubscriptionPlan {
  filter: EventFilter;
  after: bigint | null;
  query: DocumentNode;
  variables: Record<string, unknown>;
}

function subscribe(args: ExecutionArgs, options: SubscriptionServerOptions): AsyncGenerator<ExecutionResult> | ExecutionResult {
  let plan: SubscriptionPlan;
  try {
    plan = planSubscription(args);
  } catch (error) {
    if (error instanceof GraphQLError) return { errors: [error] };
    throw error;
  }
  const wake = new WakeSignal();
  const stream = deliver(plan, args.contextValue as GatewayContext, options, wake);
  // A generator's return() waits for its pending await; a client leaving while the stream waits for the next
  // commit must end it now, not at the next event, so closing the signal comes first.
  const close = stream.return.bind(stream);
  stream.return = (value) => {
    wake.close();
    return close(value);
  };
  return stream;
}

async function* deliver(
  plan: SubscriptionPlan,
  context: GatewayContext,
  options: SubscriptionServerOptions,
  wake: WakeSignal,
): AsyncGenerator<ExecutionResult> {
  const stopListening = options.events.onCommit(() => wake.fire());
  try {
    let position = plan.after === null ? await options.events.livePosition() : await options.events.positionAfter(plan.after);
    let retryMs = HELD_BACK_RETRY_MS.first;
    while (!wake.closed) {
      const { rows, heldBack } = await options.events.after(position, plan.filter, BATCH);
      for (const row of rows) {
        if (wake.closed) return;
        position = { txId: row.txId, id: row.id };
        yield await deliverEvent(plan, row, context, options.apollo);
      }
      if (rows.length === BATCH) continue;
      if (!heldBack) {
        retryMs = HELD_BACK_RETRY_MS.first;
        await wake.wait();
      } else {
        await wake.wait(retryMs);
        retryMs = Math.min(retryMs * 2, HELD_BACK_RETRY_MS.max);
      }
    }
  } finally {
    stopListening();
  }
}

function deliverEvent(plan: SubscriptionPlan, row: VersionEventRow, context: GatewayContext, apollo: ApolloServer<GatewayContext>): Promise<ExecutionResult> {
  const variables = { ...plan.variables, [CURSOR_VARIABLE]: encodeCursor({ kind: 'event', id: row.id }) };
  return runThroughGateway(apollo, plan.query, variables, undefined, { ...context, requestId: randomUUID(), event: row });
}

/** Reads the subscription's root field and arguments, and rewrites it as the query that delivers one event. */
function planSubscription(args: ExecutionArgs): SubscriptionPlan {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) throw badUserInput('Expected a subscription operation.');
  const [root, ...others] = operation.selectionSet.selections;
  if (!root || others.length > 0 || root.kind !== Kind.FIELD) throw badUserInput('Select exactly one of versionApproved or versionEvents, directly.');
  const field = args.schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!field) throw badUserInput(`Unknown subscription ${root.name.value}.`);
  const values = getArgumentValues(field, root, (args.variableValues ?? {}) as Record<string, unknown>) as {
    phase?: PhaseName | null;
    cycleId?: string | null;
    reportId?: string | null;
    after?: string | null;
  };
  const types: VersionEventType[] | undefined = root.name.value === 'versionApproved' ? ['APPROVED'] : undefined;
  const filter: EventFilter = {
    phase: values.phase ?? null,
    cycleId: values.cycleId ? requireUuid(values.cycleId, 'cycleId') : null,
    reportId: values.reportId ? requireUuid(values.reportId, 'reportId') : null,
    types,
  };
  const after = values.after ? decodeCursor(values.after, 'event').id : null;
  const query = eventQuery(args.document, operation, root);
  const used = variablesUsedIn(query);
  const variables = Object.fromEntries(Object.entries(args.variableValues ?? {}).filter(([name]) => used.has(name)));
  return { filter, after, query, variables };
}

/** `subscription { alias: versionApproved(…) { … } }` as `query ($cursor: String!) { alias: versionEvent(cursor: $cursor) { … } }`. */
function eventQuery(document: DocumentNode, operation: OperationDefinitionNode, root: FieldNode): DocumentNode {
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  const field: FieldNode = {
    ...root,
    alias: root.alias ?? name(root.name.value),
    name: name('versionEvent'),
    arguments: [{ kind: Kind.ARGUMENT, name: name('cursor'), value: { kind: Kind.VARIABLE, name: name(CURSOR_VARIABLE) } }],
  };
  const draft: OperationDefinitionNode = { ...operation, operation: OperationTypeNode.QUERY, selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } };
  const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
  const used = variablesUsedIn({ kind: Kind.DOCUMENT, definitions: [{ ...draft, variableDefinitions: [] }, ...fragments] });
  const cursorDefinition = {
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: name(CURSOR_VARIABLE) },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('String') } },
  } as const;
  const variableDefinitions = [...(operation.variableDefinitions ?? []).filter((definition) => used.has(definition.variable.name.value)), cursorDefinition];
  return { kind: Kind.DOCUMENT, definitions: [{ ...draft, variableDefinitions }, ...fragments] };
}

function variablesUsedIn(document: DocumentNode): Set<string> {
  const used = new Set<string>();
  visit(document, {
    VariableDefinition: () => false,
    Variable: (node) => {
      used.add(node.name.value);
    },
  });
  return used;
}

/** A wake-up that is not lost when it fires before anyone waits: `wait` then returns at once. Closing wakes for good. */
class WakeSignal {
  closed = false;
  private fired = false;
  private waiter: (() => void) | undefined;

  close(): void {
    this.closed = true;
    this.fire();
  }

  fire(): void {
    this.fired = true;
    this.waiter?.();
  }

  /** Waits for the next wake-up, or `ms` at most. */
  async wait(ms?: number): Promise<void> {
    if (!this.fired && !this.closed) {
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        if (ms !== undefined) setTimeout(resolve, ms).unref();
      });
    }
    this.fired = false;
    this.waiter = undefined;
  }
}
