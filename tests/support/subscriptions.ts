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
  /** Resolves with the first `count` payloads once they have arrived; fails if the subscription ends first. */
  until(count: number): Promise<{ data?: any; errors?: any[] }[]>;
  /** Resolves with every payload received up to and including the first one `matches` accepts. */
  untilMatch(matches: (payload: { data?: any; errors?: any[] }) => boolean): Promise<{ data?: any; errors?: any[] }[]>;
  close(): Promise<void>;
}

/** Opens a client as `user` and subscribes to `query` (on the test stack's gateway unless `url` is given). */
export function subscribe(user: TestUser | string | null, query: string, variables: Record<string, unknown> = {}, url = wsUrl()): Subscription {
  const token = typeof user === 'string' ? user : user?.token;
  const client: Client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => undefined,
  });
  const received: { data?: any; errors?: any[] }[] = [];
  // Each waiter is asked again after every payload (and when the subscription fails or ends); no polling, no timer:
  // a test that waits in vain ends at Jest's own timeout, with what arrived in the message.
  const waiters = new Set<() => void>();
  let ended: string | undefined;
  const wakeAll = () => [...waiters].forEach((wake) => wake());
  const stop = client.subscribe(
    { query, variables },
    {
      next: (value) => {
        received.push(value as { data?: any; errors?: any[] });
        wakeAll();
      },
      error: (error) => {
        ended = `subscription failed: ${JSON.stringify(error, ['code', 'reason', 'message'])}`;
        wakeAll();
      },
      complete: () => {
        ended = 'subscription completed';
        wakeAll();
      },
    },
  );
  const waitFor = (done: () => number) =>
    new Promise<{ data?: any; errors?: any[] }[]>((resolve, reject) => {
      const check = () => {
        const upTo = done();
        if (upTo >= 0) {
          waiters.delete(check);
          resolve(received.slice(0, upTo));
        } else if (ended) {
          waiters.delete(check);
          reject(new Error(`${ended} after ${received.length} payload(s): ${JSON.stringify(received)}`));
        }
      };
      waiters.add(check);
      check();
    });
  return {
    received,
    until: (count) => waitFor(() => (received.length >= count ? count : -1)),
    untilMatch: (matches) =>
      waitFor(() => {
        const index = received.findIndex(matches);
        return index < 0 ? -1 : index + 1;
      }),
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
