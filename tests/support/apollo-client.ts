// Apollo Client 4 set up as docs/clients.md tells a frontend to: queries and mutations over HTTP, subscriptions over
// graphql-ws, split by operation type; the user's bearer token on both; the cache told the schema's possible types,
// as `npm run compose` writes them, so that fragments on interfaces (`... on Version`) match.
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import possibleTypes from '@phasegraph/schema/possible-types.json';
import { OperationTypeNode } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { stack, type TestUser } from './api';

export interface TestApolloClientOptions {
  /** Links every operation passes through before its transport (e.g. a RetryLink), in order. */
  links?: ApolloLink[];
  /** Links only the operations sent over HTTP pass through (e.g. a persisted query link: the socket sends operations in full). */
  httpLinks?: ApolloLink[];
  /** The HTTP link's own options beyond the gateway's URL and the token (e.g. a fetch that watches what is sent). */
  http?: Omit<HttpLink.Options, 'uri'>;
  /** Another gateway than the test stack's. */
  gatewayUrl?: string;
}

/** An Apollo Client as `user`, and how to close it (its WebSocket, if it opened one). */
export interface TestApolloClient {
  client: ApolloClient;
  close(): Promise<void>;
}

export function apolloClientFor(user: TestUser, options: TestApolloClientOptions = {}): TestApolloClient {
  const url = options.gatewayUrl ?? stack.gatewayUrl;
  const authorization = `Bearer ${user.token}`;
  const http = new HttpLink({ ...options.http, uri: url, headers: { ...options.http?.headers, authorization } });
  // graphql-ws connects lazily, on the first subscription, and reconnects on its own; the test closes it.
  const socket = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization } });
  const transport = ApolloLink.split(
    (operation) => operation.operationType === OperationTypeNode.SUBSCRIPTION,
    new GraphQLWsLink(socket),
    ApolloLink.from([...(options.httpLinks ?? []), http]),
  );
  const client = new ApolloClient({
    link: ApolloLink.from([...(options.links ?? []), transport]),
    cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }),
  });
  return {
    client,
    async close() {
      client.stop();
      await socket.dispose();
    },
  };
}
