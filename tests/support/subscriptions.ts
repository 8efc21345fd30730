// Real graphql-ws clients against the gateway, for the subscription suites.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { stack, type TestUser } from './api';

/** The cursor before the first event: `after` it replays a filtered log from the start. */
export const FROM_THE_START = Buffer.from('e:0').toString('base64url');

export const wsUrl = () => stack.gatewayUrl.replace(/^http/, 'ws');

export interface Subscription {
  /** Every payload received so far. */
  received: { data?: any; errors?: any[] }[];
  /** Resolves once `count` payloads have arrived (fails after `ms`). */
  until(count: number, ms?: number): Promise<{ data?: any; errors?: any[] }[]>;
  close(): Promise<void>;
}

/** Opens a client as `user` and subscribes to `query`. */
export function subscribe(user: TestUser | string | null, query: string, variables: Record<string, unknown> = {}): Subscription {
  const token = typeof user === 'string' ? user : user?.token;
  const client: Client = createClient({
    url: wsUrl(),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  const received: { data?: any; errors?: any[] }[] = [];
  const waiters: (() => void)[] = [];
  let failure: unknown;
  const stop = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        received.push(value as { data?: any; errors?: any[] });
        waiters.splice(0).forEach((wake) => wake());
      },
      error: (error) => {
        failure = error;
        waiters.splice(0).forEach((wake) => wake());
      },
      complete: () => undefined,
    },
  );
  return {
    received,
    async until(count, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (received.length < count) {
        if (failure) throw new Error(`subscription failed: ${JSON.stringify(failure, ['code', 'reason', 'message'])}`);
        if (Date.now() > deadline) throw new Error(`expected ${count} events, got ${received.length}: ${JSON.stringify(received)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return received.slice(0, count);
    },
    async close() {
      stop();
      await client.dispose();
    },
  };
}

/** Connects with `connectionParams` and resolves with the close event the server answers with. */
export function closeEventFor(connectionParams: Record<string, unknown>): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    const client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (event) => resolve({ code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
    });
    client.subscribe({ query: 'subscription { versionApproved { cursor } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
  });
}

export const EVENT_FIELDS =
  'cursor type phase versionId versionNumber cycleId reportId at actor { id name } record { __typename id ... on Version { status } }';
